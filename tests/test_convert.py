"""Converters on the real corpus files (read from Settings().corpus_dir), small fixtures and broken files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfWriter

from cyberlex.corpus.errors import ConversionError
from cyberlex.evals.faults import doctype_subset, high_bytes, nested_html, page_tree_bomb, utf16_without_bom
from cyberlex.settings import Settings
from cyberlex.ingest.convert import Budget, Converted, convert

CORPUS = Settings().corpus_dir
FIXTURES = Path(__file__).parent / "fixtures" / "convert"


def _line_starts(text: str, pattern: str) -> list[str]:
    return re.findall(pattern, text, re.MULTILINE)


@pytest.fixture(scope="module")
def cra_pdf() -> Converted:
    return convert(CORPUS / "eu-cyber-resilience-act-2024-2847.pdf")


@pytest.fixture(scope="module")
def cra_html() -> Converted:
    return convert(CORPUS / "alternates" / "eu-cyber-resilience-act-2024-2847.html")


@pytest.fixture(scope="module")
def malabo() -> Converted:
    return convert(CORPUS / "au-malabo-convention-2014.pdf")


@pytest.fixture(scope="module")
def singapore() -> Converted:
    return convert(CORPUS / "singapore-cybersecurity-act-2018.pdf")


@pytest.fixture(scope="module")
def philippines() -> Converted:
    return convert(CORPUS / "philippines-cybercrime-prevention-act-2012.html")


@pytest.fixture(scope="module")
def gdpr() -> Converted:
    return convert(CORPUS / "gdpr-2016-679.txt")


# --- PDF -------------------------------------------------------------------------------------------


def test_cra_pdf_has_81_page_starts_each_at_a_line_start(cra_pdf: Converted) -> None:
    assert len(cra_pdf.pages) == 81
    assert cra_pdf.pages[0] == 0
    assert list(cra_pdf.pages) == sorted(cra_pdf.pages)
    assert all(cra_pdf.text[start - 1] == "\n" for start in cra_pdf.pages[1:])


@pytest.mark.parametrize(
    ("heading", "page"),
    [("Article 1", 28), ("Article 4", 31), ("Article 71", 66), ("ANNEX I", 68)],
)
def test_cra_pdf_page_map_places_headings_on_their_printed_page(cra_pdf: Converted, heading: str, page: int) -> None:
    offset = re.search(rf"^{heading}$", cra_pdf.text, re.MULTILINE).start()
    assert cra_pdf.page_at(offset) == page


def test_cra_pdf_page_31_starts_with_its_first_line(cra_pdf: Converted) -> None:
    start = cra_pdf.pages[30]
    assert cra_pdf.text[start:].startswith("(34) ‘international standard’ means")


def test_cra_pdf_running_headers_and_footers_are_stripped(cra_pdf: Converted) -> None:
    assert not _line_starts(cra_pdf.text, r"^(?:EN )?OJ L, 20\.11\.2024(?: EN)?$")
    assert not re.search(r"\d+/81", cra_pdf.text)


def test_cra_pdf_and_html_show_articles_1_to_71_as_line_headings(cra_pdf: Converted, cra_html: Converted) -> None:
    expected = [f"Article {n}" for n in range(1, 72)]
    assert _line_starts(cra_pdf.text, r"^Article \d+$") == expected
    assert _line_starts(cra_html.text, r"^Article \d+$") == expected


def test_malabo_shows_articles_1_to_38_as_words_at_line_starts(malabo: Converted) -> None:
    numbers = [int(n) for n in _line_starts(malabo.text, r"^Article (\d+):")]
    assert numbers == list(range(1, 39))
    assert "A r t i c l e" not in malabo.text


def test_malabo_keeps_ordinary_words_intact(malabo: Converted) -> None:
    text = malabo.text
    assert "Article 29: Offences specific to Information and Communication Technologies" in text
    assert "State Parties shall take the necessary legislative and/or regulatory measures" in text
    assert "Addis Ababa, Ethiopia" in text
    assert "computer-generated image" in text  # a hyphenated compound split over two lines, rejoined


def test_malabo_page_labels_are_stripped(malabo: Converted) -> None:
    assert len(malabo.pages) == 40
    assert not re.search(r"P ?a ?g ?e \|", malabo.text)
    assert "African Union Legal Instrument" not in malabo.text


def test_singapore_pdf_shows_section_headings_and_numbers(singapore: Converted) -> None:
    lines = singapore.text.splitlines()
    for heading in ("Short title and commencement", "Interpretation", "Offences by corporations"):
        assert heading in lines
    numbers = [int(n) for n in _line_starts(singapore.text, r"^(\d+)\.(?:—\(1\)|\s)")]
    assert [n for n in range(1, 52) if n not in numbers] == []
    assert lines[lines.index("Interpretation") + 1].startswith("2.—(1) In this Act")


def test_singapore_pdf_drops_the_statutes_online_header(singapore: Converted) -> None:
    assert len(singapore.pages) == 63
    assert "Singapore Statutes Online" not in singapore.text


# --- HTML ------------------------------------------------------------------------------------------


def test_philippines_html_shows_sections_1_to_31_at_line_starts(philippines: Converted) -> None:
    numbers = [int(n) for n in _line_starts(philippines.text, r"^Section (\d+)\.")]
    assert numbers == list(range(1, 32))
    assert philippines.pages == ()


def test_philippines_html_puts_chapter_heading_and_title_on_their_own_lines(philippines: Converted) -> None:
    lines = philippines.text.splitlines()
    assert lines[lines.index("CHAPTER I") + 1] == "PRELIMINARY PROVISIONS"
    assert "(1) Illegal Access. — The access to the whole or any part of a computer system without right." in lines


def test_cra_html_flattens_point_tables_into_one_line_per_point(cra_html: Converted) -> None:
    lines = cra_html.text.splitlines()
    start = lines.index("Article 2")
    assert lines[start : start + 5] == [
        "Article 2",
        "Scope",
        lines[start + 2],
        "2. This Regulation does not apply to products with digital elements to which the following Union legal acts"
        " apply:",
        "(a) Regulation (EU) 2017/745;",
    ]
    assert lines[start + 2].startswith("1. This Regulation applies to products with digital elements")


def test_html_drops_scripts_styles_navigation_and_head() -> None:
    text = convert(FIXTURES / "act.html").text
    for dropped in ("watermark", "injected", "color: red", "Home", "Title that is not document text", "comment"):
        assert dropped not in text


def test_html_gives_one_line_per_block_and_per_table_row() -> None:
    assert convert(FIXTURES / "act.html").text.splitlines() == [
        "Sample Cyber Act",
        "CHAPTER I",
        "GENERAL PROVISIONS",
        "Article 1",
        "Subject matter",
        "1. This Act applies to:",
        "(a) computer systems;",
        "(b) computer data, including:",
        "(i) traffic data;",
        "first item",
        "second item",
    ]


def test_html_nested_thousands_of_elements_deep_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "nest.html"
    path.write_bytes(nested_html(5000))
    assert convert(path).text.splitlines() == ["Section 1 Before the nest.", "Section 2 Deep in the nest.",
                                               "Section 3 After the nest."]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (doctype_subset(), ["Section 1 Scope", "This notice applies to every system."]),
        (b"<!doctype html><p>Plain</p>", ["Plain"]),
        (b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x.dtd">\n<p>Strict</p>', ["Strict"]),
        (b"<!DOCTYPE html [\n<!ENTITY a 'b'>\n<!ENTITY c 'd'>\n]  >\n<p>Two entities</p>", ["Two entities"]),
        (b"<p>No doctype; a literal ]> stays</p>", ["No doctype; a literal ]> stays"]),
    ],
)
def test_html_doctype_leaves_nothing_in_the_text(tmp_path: Path, html: bytes, expected: list[str]) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(html)
    assert convert(path).text.splitlines() == expected


# --- budget ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "budget", "reason"),
    [
        (page_tree_bomb(14), Budget(pages=2000), "49,152 pages, over the limit of 2,000 (CYBERLEX_MAX_PAGES)"),
        (page_tree_bomb(3), Budget(pages=2000), "malformed PDF: its page tree lists 3 pages 24 times"),
        ((CORPUS / "singapore-cybersecurity-act-2018.pdf").read_bytes(), Budget(pages=50),
         "63 pages, over the limit of 50 (CYBERLEX_MAX_PAGES)"),
        ((CORPUS / "singapore-cybersecurity-act-2018.pdf").read_bytes(), Budget(chars=20_000),
         "too much text: over 20,000 characters, the limit (CYBERLEX_MAX_CHARS)"),
    ],
    ids=["page-tree-bomb", "repeated-pages", "pages", "chars"],
)
def test_a_pdf_over_its_budget_is_refused_before_it_is_all_read(tmp_path: Path, data: bytes, budget: Budget,
                                                                 reason: str) -> None:
    path = tmp_path / "hostile.pdf"
    path.write_bytes(data)
    with pytest.raises(ConversionError) as caught:
        convert(path, budget=budget)
    assert caught.value.reason == reason
    assert caught.value.path == str(path)


@pytest.mark.parametrize(
    ("name", "data", "budget", "reason"),
    [
        ("long.txt", b"word " * 3000, Budget(chars=10_000), "too much text: over 10,000 characters"),
        ("long.html", b"<p>" + b"word " * 3000 + b"</p>", Budget(chars=10_000), "too much text: over 10,000"),
        ("big.md", b"word " * 3000, Budget(mb=0.01), "file too large: 0.015 MB, over the 0.01 MB limit"),
    ],
)
def test_text_over_its_budget_is_refused(tmp_path: Path, name: str, data: bytes, budget: Budget, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ConversionError, match=re.escape(reason)):
        convert(path, budget=budget)
    assert convert(path).text  # no budget, no limit


def test_the_default_budget_reads_a_real_pdf() -> None:
    budget = Budget.of(Settings())
    assert convert(CORPUS / "singapore-cybersecurity-act-2018.pdf", budget=budget).pages


# --- text and Markdown -----------------------------------------------------------------------------


def test_gdpr_letter_spaced_section_titles_are_repaired(gdpr: Converted) -> None:
    lines = gdpr.text.splitlines()
    assert "S ec ti on" not in gdpr.text
    sections = (1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 1, 2, 3)  # Chapters III, IV, VI and VII
    assert _line_starts(gdpr.text, r"^Section \d+$") == [f"Section {n}" for n in sections]
    start = lines.index("Rectification and erasure")
    assert lines[start - 1 : start + 2] == ["Section 3", "Rectification and erasure", "Article 16"]
    assert "Data protection impact assessment and prior consultation" in lines


def test_gdpr_keeps_articles_1_to_99(gdpr: Converted) -> None:
    assert _line_starts(gdpr.text, r"^Article \d+$") == [f"Article {n}" for n in range(1, 100)]


def test_markdown_keeps_heading_markers_and_only_normalises_spacing() -> None:
    assert convert(FIXTURES / "convention.md").text.splitlines() == [
        "# Sample Convention",
        "",
        "## Article 1 – Definitions",
        "",
        "For the purposes of this Convention:",
        "",
        '  a. "computer system" means any device;',
        "",
        "### Article 2",
        "",
        "Text with extra spaces.",
    ]


def test_corpus_markdown_keeps_every_heading_line() -> None:
    path = CORPUS / "budapest-convention.md"
    headings = _line_starts(path.read_text(encoding="utf-8"), r"^#+ .*$")
    assert _line_starts(convert(path).text, r"^#+ .*$") == [" ".join(h.split()) for h in headings]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Données personnelles – article 1".encode("utf-8"), "Données personnelles – article 1"),
        (b"\xef\xbb\xbf" + "Article 1 — scope".encode("utf-8"), "Article 1 — scope"),
        ("第１条 目的".encode("utf-16"), "第1条 目的"),
        (b"\xfe\xff" + "Données".encode("utf-16-be"), "Données"),
        ("Données à caractère personnel".encode("latin-1"), "Données à caractère personnel"),
        (b"\x93quoted\x94 \x96 dash", "“quoted” – dash"),
        (b"undefined \x81 byte in cp1252", "undefined \x81 byte in cp1252"),
        (b"line one\r\nline\xa0two\r\n", "line one\nline two\n"),
    ],
)
def test_text_is_decoded_whatever_the_encoding(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "law.txt"
    path.write_bytes(data)
    assert convert(path).text == expected


@pytest.mark.parametrize("byteorder", ["le", "be"])
def test_utf16_without_a_bom_is_told_by_its_zero_bytes(tmp_path: Path, byteorder: str) -> None:
    path = tmp_path / "law.txt"
    path.write_bytes(utf16_without_bom(byteorder))
    assert "cafés and hôtels" in convert(path).text


def test_random_high_bytes_are_not_taken_for_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_bytes(high_bytes())
    with pytest.raises(ConversionError, match="binary content, not text"):
        convert(path)


def test_html_declared_charset_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "law.html"
    html = '<html><head><meta charset="shift_jis"></head><body><p>第１条（目的）</p></body></html>'
    path.write_bytes(html.encode("shift_jis"))
    assert convert(path).text == "第1条（目的）"


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [("law.data", "text", "plain words"), ("law.txt", "markdown", "plain words"), ("LAW.MD", None, "plain words")],
)
def test_format_comes_from_the_argument_or_the_suffix(
    tmp_path: Path, name: str, fmt: str | None, expected: str
) -> None:
    path = tmp_path / name
    path.write_text("plain   words\n", encoding="utf-8")
    assert convert(path, fmt).text == expected + "\n"


# --- errors ----------------------------------------------------------------------------------------


def _pdf_bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner")
    return _pdf_bytes(writer)


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=200, height=200)
    return _pdf_bytes(writer)


def _truncated_pdf() -> bytes:
    data = (CORPUS / "singapore-cybersecurity-act-2018.pdf").read_bytes()
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        pytest.param(name, data, reason, id=name)
        for name, data, reason in [
            ("empty.pdf", b"", "empty file"),
            ("empty.md", b"", "empty file"),
            ("blank.html", b"  \n\t\n", "empty file"),
            ("corrupt.pdf", _truncated_pdf(), "corrupt PDF: "),
            ("not-a.pdf", b"this is plain text, not a PDF at all", "corrupt PDF: "),
            ("encrypted.pdf", _encrypted_pdf(), "encrypted PDF"),
            ("scanned.pdf", _blank_pdf(), "no text layer (scanned PDF?)"),
            ("junk.md", bytes(range(256)) * 8, "binary content, not text"),
            ("nuls.txt", b"Article 1\x00\x00\x00\x00\x00\x00 text\x00\x00\x00", "binary content, not text"),
            ("script-only.html", b"<html><script>var x = 1;</script></html>", "no text content"),
        ]
    ],
)
def test_broken_files_raise_conversion_error_with_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ConversionError) as caught:
        convert(path)
    assert caught.value.reason.startswith(reason)
    assert caught.value.path == str(path)


@pytest.mark.parametrize(
    ("name", "fmt", "reason"),
    [
        ("law.docx", None, "unsupported file type '.docx'; valid: .md, .markdown, .txt, .html, .htm, .pdf"),
        ("README", None, "unsupported file type '(no suffix)'"),
        ("law.txt", "word", "unknown format 'word'; valid formats: markdown, text, html, pdf"),
    ],
)
def test_unknown_formats_are_refused_naming_the_valid_ones(
    tmp_path: Path, name: str, fmt: str | None, reason: str
) -> None:
    path = tmp_path / name
    path.write_text("text", encoding="utf-8")
    with pytest.raises(ConversionError) as caught:
        convert(path, fmt)
    assert caught.value.reason.startswith(reason)


def test_missing_file_raises_conversion_error(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match="cannot read file"):
        convert(tmp_path / "absent.md")


def test_page_at_is_none_without_pages() -> None:
    assert Converted("text").page_at(2) is None
    assert Converted("one\ntwo\n", (0, 4)).page_at(4) == 2
