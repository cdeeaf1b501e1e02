"""Each text cleaner on a table of (input, expected)."""

from __future__ import annotations

import pytest

from cyberlex.ingest import normalize as n


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("a\u2028b\u2029c\x85d", "a\nb\nc\nd"),
        ("a\vb", "a\nb"),
        ("page one\n\f\npage two", "page one\n\f\npage two"),
    ],
)
def test_line_endings_become_newlines_and_page_breaks_stay(raw: str, expected: str) -> None:
    assert n.normalize_line_endings(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("secu\u00adrity", "security"),
        ("the secu\u00ad\nrity of data", "the security of data"),
        ("end of line\u00ad\n(a) next point", "end of line\n(a) next point"),
        ("no soft hyphen", "no soft hyphen"),
    ],
)
def test_soft_hyphens_are_removed_and_join_words_at_line_ends(raw: str, expected: str) -> None:
    assert n.remove_soft_hyphens(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Re\u0301sume\u0301", "Résumé"),
        ("ta\u0300 la\u0300", "tà là"),
        ("（目的）", "（目的）"),  # full-width brackets of Japanese statutes stay: NFC, not NFKC
        ("กำหนด", "กำหนด"),  # Thai SARA AM stays one character
        ("m²", "m²"),
    ],
)
def test_nfc_composes_accents_but_keeps_compatibility_characters(raw: str, expected: str) -> None:
    assert n.to_nfc(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("第１条", "第1条"),
        ("第３０条の２", "第30条の2"),
        ("（１）", "（1）"),
        ("Article 12", "Article 12"),
    ],
)
def test_fullwidth_digits_are_folded_to_ascii(raw: str, expected: str) -> None:
    assert n.fold_fullwidth_digits(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\ufb01nancial", "financial"),
        ("\ufb02ow of data", "flow of data"),
        ("e\ufb00ective", "effective"),
        ("plain", "plain"),
    ],
)
def test_latin_ligatures_are_expanded(raw: str, expected: str) -> None:
    assert n.expand_ligatures(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Article\u00a01", "Article 1"),
        ("§\u202f1030", "§ 1030"),
        ("a\u2009thin\u2003wide", "a thin wide"),
        ("vis\u2011à\u2011vis", "vis-à-vis"),
        ("第1条\u3000目的", "第1条\u3000目的"),
    ],
)
def test_nonbreaking_spaces_and_hyphens_become_plain(raw: str, expected: str) -> None:
    assert n.replace_nonbreaking(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.   This Regulation", "1. This Regulation"),
        ("a\t\tb\tc", "a b c"),
        ("trailing   \nnext", "trailing\nnext"),
        ("  a.  indented item", "  a. indented item"),
        ("para one\n\npara two", "para one\n\npara two"),
        ("one\n\f\ntwo", "one\n\f\ntwo"),
    ],
)
def test_runs_of_spaces_collapse_but_newlines_and_indentation_stay(raw: str, expected: str) -> None:
    assert n.collapse_spaces(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("the secu-\nrity of systems and their security", "the security of systems and their security"),
        ("a computer-\ngenerated image", "a computer-generated image"),
        (  # both forms occur elsewhere: the hyphen stays
            "the sub-\ncontractor, not a sub-contractor's subcontractor",
            "the sub-contractor, not a sub-contractor's subcontractor",
        ),
        ("pages 3-\n4 of the report", "pages 3-\n4 of the report"),
        ("CHAPTER I-\nPRELIMINARY", "CHAPTER I-\nPRELIMINARY"),
        ("secu-\n\f\nrity across pages; security", "secu-\n\f\nrity across pages; security"),
    ],
)
def test_words_hyphenated_at_line_ends_are_joined(raw: str, expected: str) -> None:
    assert n.join_hyphenated_words(raw) == expected


_GDPR_LIKE = """\
This Section lays down rules on transparency and modalities, on information and on access.
The data subject shall have the right to rectification and erasure of personal data.
Article 12 concerns transparency; Article 16 rectification; consistency is ensured.
"""


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("S ec ti on 3", "Section 3"),
        ("Sec ti on 1", "Section 1"),
        ("Tr an s p ar enc y a nd mo da li tie s", "Transparency and modalities"),
        ("Re ctif ic at io n a nd e ra s ure", "Rectification and erasure"),
        ("I n fo r m a ti on a nd a cc es s to p e rs ona l d ata", "Information and access to personal data"),
        ("Co nsist ency", "Consistency"),
        ("A r t i c l e 12", "Article 12"),
        ("Ri ght to re ctif ic at io n a nd da ta-su bj ect", "Right to rectification and data-subject"),
        ("R ig h t , e ra s ure", "Right, erasure"),
    ],
)
def test_letter_spaced_lines_are_respaced_with_the_documents_own_words(line: str, expected: str) -> None:
    assert n.repair_letter_spacing(_GDPR_LIKE + line).splitlines()[-1] == expected


@pytest.mark.parametrize(
    "line",
    [
        "it is as if he or she is to be in it",  # short real words
        "x x x x x x x x x x",  # a placeholder, not a word
        "(a) (b) (c) and (d)",
        "第１条 この法律は、サイバーセキュリティに関する施策を定める。",
        "มาตรา ๑ พระราชบัญญัตินี้เรียกว่า",
        "يعاقب بالسجن مدة لا تزيد على سنة",
        "Article 12",
    ],
)
def test_ordinary_lines_are_not_respaced(line: str) -> None:
    assert n.repair_letter_spacing(_GDPR_LIKE + line).splitlines()[-1] == line


_ARTICLES = (1, 3, 4, 5, 8, 9, 13, 14, 15, 19)  # one heading a page, numbers not in step with pages


def _oj_pages() -> list[str]:
    """Pages laid out like the Official Journal: alternating headers, an ELI footer with the page number."""
    pages = []
    for i, article in enumerate(_ARTICLES, start=1):
        header = "OJ L, 20.11.2024 EN" if i % 2 else "EN OJ L, 20.11.2024"
        footer = f"ELI: http://data.europa.eu/eli/reg/2024/2847/oj {i}/{len(_ARTICLES)}"
        body = f"Article {article}\nTitle of article {article}\n1.\nText of article {article}."
        pages.append(f"{body}\n{header}\n{footer}")
    return pages


def test_running_headers_and_footers_are_stripped_from_every_page() -> None:
    stripped = n.strip_running_lines(_oj_pages())
    assert stripped[4] == "Article 8\nTitle of article 8\n1.\nText of article 8."
    assert all("OJ L" not in page and "ELI:" not in page for page in stripped)


def test_headings_numbered_differently_on_each_page_are_not_running_lines() -> None:
    stripped = n.strip_running_lines(_oj_pages())
    assert [page.splitlines()[0] for page in stripped] == [f"Article {article}" for article in _ARTICLES]
    assert all(page.splitlines()[2] == "1." for page in stripped)


@pytest.mark.parametrize("label", ["{n}", "- {n} -", "Page {n}", "P a g e | {n}", "{n}/12"])
@pytest.mark.parametrize("closing", [False, True])
def test_page_numbers_opening_or_closing_pages_are_stripped(label: str, closing: bool) -> None:
    bodies = [f"Section {3 * i}\nText of section {3 * i}." for i in range(12)]
    labels = [label.format(n=i + 2) for i in range(12)]
    pages = [f"{body}\n{mark}" if closing else f"{mark}\n{body}" for body, mark in zip(bodies, labels)]
    assert n.strip_running_lines(pages) == bodies


def test_short_documents_keep_every_line() -> None:
    pages = ["Header\nbody one", "Header\nbody two", "Header\nbody three"]
    assert n.strip_running_lines(pages) == pages


def test_apply_runs_cleaners_in_order() -> None:
    cleaners = (n.normalize_line_endings, n.replace_nonbreaking, n.fold_fullwidth_digits)
    assert n.apply("Article\u00a0１\r\n", cleaners) == "Article 1\n"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("### Article 4 — ►M2\n\nSecurity of processing ◄\n\n1.", "### Article 4 — Security of processing\n\n1."),
        ("▼M2\n\n1.\n\nThis Directive provides", "\n\n1.\n\nThis Directive provides"),
        ("▼B\n(f)", "\n(f)"),
        ("▼M2 —————", "—————"),
        ("the ►M2 electronic communications ◄ service", "the electronic communications service"),
        ("as amended by ►C1 Regulation (EU) 2016/679 ◄.", "as amended by Regulation (EU) 2016/679."),
        ("►A1 ►M12 two markers", "two markers"),
        ("no ►marker or ▼ here, Member States ◆", "no ►marker or ▼ here, Member States ◆"),
    ],
)
def test_consolidation_markers_are_stripped_from_text_and_headings(raw: str, expected: str) -> None:
    assert n.strip_consolidation_markers(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4.All Members shall refrain", "4. All Members shall refrain"),
        ("  2)The Organization", "  2) The Organization"),
        ("(3)Each Party", "(3) Each Party"),
        ("1a.Without prejudice", "1a. Without prejudice"),
        ("4. All Members", "4. All Members"),
        ("1.A. Outline label", "1.A. Outline label"),
        ("Article 4.2 of", "Article 4.2 of"),
        ("in 2019.The next", "in 2019.The next"),
    ],
)
def test_a_paragraph_number_glued_to_its_first_word_gets_its_space(raw: str, expected: str) -> None:
    assert n.space_paragraph_numbers(raw) == expected
