"""segment(): units, headings, hierarchy paths, subdivision blocks and offsets, on the real corpus and on
small texts written for these tests."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from cyberlex.corpus.model import Provision, ProvisionId
from cyberlex.ingest.segment import segment
from cyberlex.ingest.structure import markers_at, to_roman
from segment_corpus import CRA, FIXTURES, converted, instrument, make_instrument, provision, provisions


def subs_under(p: Provision, parent: tuple[str, ...]) -> list[str]:
    """The labels of the subdivisions one level below ``parent``, in order."""
    found = [b.sub[len(parent)] for b in p.blocks if len(b.sub) == len(parent) + 1 and b.sub[:len(parent)] == parent]
    return list(dict.fromkeys(found))


def parse(text: str, unit: str = "article", language: str = "en") -> dict[str, Provision]:
    return {p.unit: p for p in segment(text, make_instrument("t", unit, language))}


# --- the real corpus -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("instrument_id", "unit", "label", "heading", "first", "last"),
    [
        ("budapest-convention", "art-29", "Art. 29", "Expedited preservation of stored computer data",
         "1. A Party may request", "on that request."),
        ("budapest-convention", "art-2", "Art. 2", "Illegal access", "Each Party shall adopt such",
         "another computer system."),
        ("eu-nis2-directive-2022-2555", "art-23", "Art. 23", "Reporting obligations", "1. Each Member State shall",
         "in Article 39(2)."),
        ("us-cfaa-18usc1030", "s-1030", "§ 1030", "Fraud and related activity in connection with computers",
         "(a) Whoever (1) having knowingly", ""),
        ("gdpr-2016-679", "art-33", "Art. 33", "Notification of a personal data breach to the supervisory authority",
         "1. In the case of", "with this Article."),
        ("gdpr-2016-679", "recital-85", "Recital 85", "", "(85) A personal data breach", "undue further delay."),
        ("kenya-computer-misuse-cybercrimes-act-2018", "s-14", "s. 14", "Unauthorised access",
         "(1) A person who causes,", "particular computer system."),
        ("kenya-computer-misuse-cybercrimes-act-2018", "s-46a", "s. 46A", "Further court orders",
         "(1) Where a person has", ""),
        ("pakistan-peca-2016", "s-2a", "s. 2A", "Establishment of the Authority", "(1) As soon as may",
         "may deem appropriate."),
        ("pakistan-peca-2016", "s-2u", "s. 2U", "Violation or non-implementation", "In case of any violation", ""),
        ("pakistan-peca-2016", "s-22a", "s. 22A", "Online grooming, solicitation and cyber enticement",
         "[22A. Online grooming, solicitation", ""),
        ("japan-cybersecurity-basic-act-2014-ja", "art-1", "Art. 1", "目的", "", ""),
        ("japan-cybersecurity-basic-act-2014-ja", "art-30-2", "Art. 30-2", "サイバーセキュリティ推進専門家会議", "", ""),
        ("japan-cybersecurity-basic-act-2014-ja", "art-12", "Art. 12", "", "", ""),  # 第12条 第十二条: no heading
        ("saudi-anti-cyber-crime-law-2007-ar", "art-11", "Art. 11", "", "", ""),  # المادة الحادية عشرة
        ("thailand-cybersecurity-act-2019-th", "s-1", "s. 1", "", "มาตรา ๑", ""),
        ("canada-criminal-code-computer-offences", "s-342.1", "s. 342.1", "Unauthorized use of computer",
         "(1) Everyone is guilty of", ""),
        ("philippines-cybercrime-prevention-act-2012", "s-1", "s. 1", "Title", "This Act shall be known", ""),
        ("philippines-cybercrime-prevention-act-2012", "s-4", "s. 4", "Cybercrime Offenses",
         "The following acts constitute the", "in the future."),
        ("singapore-cybersecurity-act-2018", "s-2", "s. 2", "Interpretation", "2.—(1) In this Act, unless", ""),
        ("singapore-cybersecurity-act-2018", "s-14", "s. 14",
         "Duty to report cybersecurity incident in respect of critical information infrastructure, etc.", "", ""),
        ("au-malabo-convention-2014", "art-11", "Art. 11",
         "Status, composition and organization of National Personal Data Protection Authorities", "", ""),
        ("au-malabo-convention-2014", "art-29", "Art. 29",
         "Offences specific to Information and Communication Technologies", "1. Attacks on computer systems",
         "assuring its integrity."),
        ("eu-cyber-resilience-act-2024-2847", "art-14", "Art. 14", "Reporting obligations of manufacturers",
         "1. A manufacturer shall notify", "draft implementing acts."),
        ("eu-cyber-resilience-act-2024-2847", "annex-i", "Annex I", "Essential cybersecurity requirements",
         "Part I Cybersecurity requirements relating", ""),
        ("echr-1950", "art-8", "Art. 8", "Right to respect for private and family life", "1. Everyone has the right",
         "freedoms of others."),
        ("un-charter", "art-51", "Art. 51", "", "Nothing in the present Charter", "peace and security."),
        ("us-10usc-ch19-military-cyber-operations", "s-398-2", "§ 398-2",
         "Pilot program for sharing cyber capabilities and related information with foreign operational partners",
         "(a) Authority to Establish Pilot", ""),
        ("israel-position-international-law-cyber-2020", "part-ii", "Part II", "Jus ad bellum",
         "I will start by addressing", "or cyber means."),
        ("vienna-convention-law-of-treaties-1969", "art-31", "Art. 31", "General rule of interpretation",
         "1. A treaty shall be", "parties so intended."),
    ],
)
def test_real_provision_has_label_heading_and_text(instrument_id, unit, label, heading, first, last):
    p = provision(instrument_id, unit)
    assert (p.id, p.label, p.heading) == (f"{instrument_id}/{unit}", label, heading)
    flat = " ".join(p.text.split())
    assert flat.startswith(first) and flat.endswith(last)


@pytest.mark.parametrize(
    ("instrument_id", "unit", "parent", "labels"),
    [
        ("budapest-convention", "art-29", (), ["1", "2", "3", "4", "5", "6", "7"]),
        ("budapest-convention", "art-29", ("2",), ["a", "b", "c", "d", "e", "f"]),
        ("budapest-convention", "art-6", ("1", "a"), ["i", "ii"]),
        ("eu-nis2-directive-2022-2555", "art-23", ("4",), ["a", "b", "c", "d", "e"]),
        ("eu-nis2-directive-2022-2555", "art-23", ("4", "d"), ["i", "ii", "iii", "iv"]),
        ("eu-nis2-directive-2022-2555", "art-21", ("2",), list("abcdefghij")),
        ("us-cfaa-18usc1030", "s-1030", (), list("abcdefghij")),
        ("us-cfaa-18usc1030", "s-1030", ("a", "2"), ["a", "b", "c"]),
        ("us-cfaa-18usc1030", "s-1030", ("c", "4", "a", "i"), ["i", "ii", "iii", "iv", "v", "vi"]),  # (I)..(VI)
        ("us-cfaa-18usc1030", "s-1030", ("e", "4"), list("abcdefghi")),  # (I) after (H) is a letter
        ("philippines-cybercrime-prevention-act-2012", "s-4", ("a",), ["1", "2", "3", "4", "5", "6"]),
        ("philippines-cybercrime-prevention-act-2012", "s-4", ("c", "3", "iii"), ["aa", "bb", "cc"]),
        ("philippines-cybercrime-prevention-act-2012", "s-3", ("h",), ["i", "ii"]),  # "either: (i) …; or (ii) …"
        ("kenya-computer-misuse-cybercrimes-act-2018", "s-14", (), ["1", "2", "3"]),  # inline "(1) … (2) …"
        ("kenya-computer-misuse-cybercrimes-act-2018", "s-14", ("2",), ["a", "b"]),
        ("singapore-computer-misuse-act-1993", "s-3", ("3",), ["a", "b", "c"]),  # "( a )" with spaces
        ("canada-criminal-code-computer-offences", "s-430", (),
         ["1", "1.1", "2", "3", "4", "4.1", "4.101", "4.11", "4.2", "5", "5.1", "6", "7", "8"]),
        ("pakistan-peca-2016", "s-2", (), ["1", "2"]),
        ("pakistan-peca-2016", "s-2", ("1", "xxviiib"), ["a", "b"]),  # labels longer than five letters
        ("au-malabo-convention-2014", "art-29", (), ["1", "2", "3", "4"]),
        ("au-malabo-convention-2014", "art-29", ("3",), ["1", "2", "3"]),  # "3. Content related offences" / "1. …"
        ("au-malabo-convention-2014", "art-29", ("3", "1"), list("abcdefgh")),
        ("gdpr-2016-679", "art-4", (), [str(n) for n in range(1, 27)]),
        ("gdpr-2016-679", "art-32", ("1",), ["a", "b", "c", "d"]),
        ("japan-cybersecurity-basic-act-2014-ja", "art-12", (), ["1", "2", "3", "4", "5", "6"]),  # 項, one per line
        ("japan-cybersecurity-basic-act-2014-ja", "art-12", ("2",), ["1", "2", "3", "4"]),  # 号
        ("thailand-cybersecurity-act-2019-th", "s-5", ("1",), ["1", "2", "3"]),  # (๑) (๒) (๓)
        ("geneva-additional-protocol-i-1977", "annex-i", (),  # its Chapters and Articles
         ["chapter-i", "2", "3", "chapter-ii", "4", "5", "chapter-iii", "6", "7", "8", "9", "chapter-iv", "10", "11",
          "12", "13", "14", "chapter-v", "15", "16", "chapter-vi", "17"]),
        ("eu-cyber-resilience-act-2024-2847", "annex-i", (), ["part-i", "part-ii"]),
        ("itu-constitution-1992", "art-1", (), ["1", "2"]),  # "*2* 1. The purposes … *3 PP-98* a) to maintain …"
        ("itu-constitution-1992", "art-1", ("1",), list("abcdefg")),
    ],
)
def test_subdivisions_nest_by_numbering(instrument_id, unit, parent, labels):
    assert subs_under(provision(instrument_id, unit), parent) == labels


@pytest.mark.parametrize(
    ("instrument_id", "unit", "blocks"),
    [
        ("budapest-convention", "art-2", 1),
        ("budapest-convention", "art-29", 15),  # paragraphs 1-7, points 2(a)-(f) and 5(a)-(b)
        ("gdpr-2016-679", "art-33", 9),  # paragraphs 1-5, points 3(a)-(d)
        ("kenya-computer-misuse-cybercrimes-act-2018", "s-14", 8),  # (1)-(3), (2)(a)-(b), (3)(a)-(c)
        # 1 has three paragraphs, 4 ends with a subparagraph after its points, 11 has four paragraphs
        ("eu-nis2-directive-2022-2555", "art-23", 3 + 1 + 3 + (1 + 5 + 4 + 1) + 6 + 4),
    ],
)
def test_each_paragraph_of_a_subdivision_is_a_block(instrument_id, unit, blocks):
    assert len(provision(instrument_id, unit).blocks) == blocks


def test_pakistan_definitions_keep_inserted_clauses_in_order():
    clauses = subs_under(provision("pakistan-peca-2016", "s-2"), ("1",))
    assert clauses[:7] == ["i", "ii", "iii", "iiia", "iv", "v", "vi"]
    assert clauses[clauses.index("xxvii"):] == ["xxvii", "xxviia", "xxviii", "xxviiia", "xxviiib", "xxix", "xxx", "xxxa",
                                                "xxxi", "xxxii", "xxxiii"]  # (xxvb) and (xxxa) are printed twice


def test_gdpr_article_33_paragraph_1_sets_the_72_hour_deadline():
    block = next(b for b in provision("gdpr-2016-679", "art-33").blocks if b.sub == ("1",))
    assert "72 hours" in block.text and block.text.startswith("1. In the case of a personal data breach")


def test_a_block_holds_its_own_text_without_its_children():
    cfaa = provision("us-cfaa-18usc1030", "s-1030")
    by_sub = {b.sub: b.text for b in cfaa.blocks}
    assert by_sub[("a", "2")] == ("(2) intentionally accesses a computer without authorization or exceeds authorized "
                                  "access, and thereby obtains")
    assert by_sub[("a", "2", "c")] == "(C) information from any protected computer;"


@pytest.mark.parametrize(
    ("instrument_id", "unit", "path"),
    [
        ("budapest-convention", "art-29", ("Chapter III — International co-operation",
                                           "Section 2 — Specific provisions",
                                           "Title 1 — Mutual assistance regarding provisional measures")),
        ("budapest-convention", "art-22", ("Chapter II — Measures to be taken at the national level",
                                           "Section 3 — Jurisdiction")),
        ("gdpr-2016-679", "art-32", ("Chapter IV — Controller and processor", "Section 2 — Security of personal data")),
        ("gdpr-2016-679", "art-16", ("Chapter III — Rights of the data subject",
                                     "Section 3 — Rectification and erasure")),  # "S ec ti on 3" in the source
        ("echr-1950", "art-1", ()),
        ("echr-1950", "art-8", ("Section I — Rights and freedoms",)),
        ("un-charter", "art-23", ("Chapter V — The Security Council", "Composition")),
        ("japan-cybersecurity-basic-act-2014-ja", "art-12", ("第二章 サイバーセキュリティ戦略",)),
        ("thailand-cybersecurity-act-2019-th", "s-78", ("บทเฉพาะกาล",)),
        ("us-cfaa-18usc1030", "s-1030", ("Title 18 — Crimes and criminal procedure",
                                         "Chapter 47 — Fraud and false statements")),
        ("singapore-cybersecurity-act-2018", "s-19", ("Part 4 — Responses to cybersecurity threats and incidents",)),
        ("au-malabo-convention-2014", "art-24", ("Chapter III — Promoting cyber security and combating cybercrime",
                                                 "Section I — Cyber Security Measures to be taken at National Level")),
        ("philippines-cybercrime-prevention-act-2012", "s-4", ("Chapter II — Punishable acts",)),
        ("eu-cybersecurity-act-2019-881", "art-3", ("Title II — ENISA (the European Union Agency for cybersecurity)",
                                                    "Mandate and objectives")),
        ("eu-dora-2022-2554", "art-28", ("Managing of ICT third-party risk",
                                         "Section I — Key principles for a sound management of ICT third-party risk")),
    ],
)
def test_provision_path_names_its_enclosing_divisions(instrument_id, unit, path):
    assert provision(instrument_id, unit).path == path


@pytest.mark.parametrize(
    "provision_id",
    [
        "budapest-convention/art-29", "us-cfaa-18usc1030/s-1030", "philippines-cybercrime-prevention-act-2012/s-4",
        "gdpr-2016-679/recital-85", "pakistan-peca-2016/s-2a", "pakistan-peca-2016/s-30d",
        "kenya-computer-misuse-cybercrimes-act-2018/s-46a", "japan-cybersecurity-basic-act-2014-ja/art-30-2",
        "saudi-anti-cyber-crime-law-2007-ar/art-16", "thailand-cybersecurity-act-2019-th/s-83",
        "canada-criminal-code-computer-offences/s-342.1", "us-6usc650-cisa-agency-circia/s-681b",
        "us-fisa-title-vii-50usc1881/s-1881a", "singapore-computer-misuse-act-1993/s-8b",
        "us-10usc-ch19-military-cyber-operations/s-398-2", "eu-nis2-directive-2022-2555/annex-iii",
        "israel-position-international-law-cyber-2020/part-v", "paris-call-2018/para-14",
    ],
)
def test_provision_ids_follow_the_grammar_of_the_evals(provision_id):
    assert provision_id in {p.id for p in provisions(ProvisionId.parse(provision_id).instrument)}


@pytest.mark.parametrize("instrument_id", ["budapest-convention", "gdpr-2016-679", CRA, "au-malabo-convention-2014",
                                           "kenya-computer-misuse-cybercrimes-act-2018",
                                           "japan-cybersecurity-basic-act-2014-ja"])
def test_block_offsets_point_at_the_block_text_in_the_input(instrument_id):
    text = converted(instrument(instrument_id).file).text
    for p in provisions(instrument_id):
        assert p.start <= p.blocks[0].start and p.blocks[-1].end <= p.end
        assert [b.start for b in p.blocks] == sorted(b.start for b in p.blocks)
        for b in p.blocks:
            raw = " ".join(text[b.start:b.end].split())
            assert raw.startswith(b.text.split()[0]) and raw.endswith(b.text.split()[-1]), (p.id, b.sub)


def test_pages_come_from_the_pdf_page_map():
    pdf = converted(instrument("au-malabo-convention-2014").file)
    art29 = provision("au-malabo-convention-2014", "art-29")
    assert art29.page == pdf.page_at(pdf.text.index("Article 29: Offences specific")) == 32
    assert all(b.page == pdf.page_at(b.start) for b in art29.blocks)
    assert {p.page for p in provisions("budapest-convention")} == {None}


def test_closing_formula_signatures_and_footnotes_stay_out_of_the_last_article():
    addressees = provision("eu-nis2-directive-2022-2555", "art-46")
    assert addressees.text == "This Directive is addressed to the Member States."
    assert "IN WITNESS WHEREOF" not in provision("budapest-convention", "art-48").text
    assert provision("eu-nis2-directive-2022-2555", "annex-i").text.startswith("Sector\nSubsector")
    assert "OJ L" not in provision("eu-nis2-directive-2022-2555", "annex-ii").text


def test_page_footnotes_are_cut_out_of_gdpr_recitals():
    assert "OJ C 229" not in provision("gdpr-2016-679", "recital-3").text
    assert provision("gdpr-2016-679", "recital-4").text.startswith("(4) The processing of personal data should be")
    recital_109 = provision("gdpr-2016-679", "recital-109").text
    assert "Regulation (EU) No 182/2011" not in recital_109 and "neither from including the standard" in recital_109


def test_iccpr_optional_protocol_after_the_signature_is_not_read_as_articles():
    units = [p.unit for p in provisions("iccpr-1966")]
    assert units.count("art-1") == 1 and units[-1] == "art-53"


def test_israeli_speech_parts_leave_out_footnotes():
    parts = [p for p in provisions("israel-position-international-law-cyber-2020") if p.unit.startswith("part-")]
    assert [p.heading for p in parts] == ["Introduction", "Jus ad bellum", "Jus in bello",
                                          "Observations on other legal issues pertinent to cyber operations",
                                          "Concluding remarks"]
    assert not any("U.N.T.S." in p.text or "Egan, *supra* note 12" in p.text for p in parts)


def test_paris_call_paragraphs_are_numbered_in_order():
    paras = [p for p in provisions("paris-call-2018")]
    assert [p.unit for p in paras] == [f"para-{n}" for n in range(1, 25)]
    assert paras[0].text.startswith("Cyberspace now plays a crucial role")
    assert [p.text.split()[1] for p in paras[13:22]] == ["Prevent", "Prevent", "Strengthen", "Prevent", "Develop",
                                                         "Strengthen", "Support", "Take", "Promote"]  # the principles
    assert paras[-1].text == "Paris, 12th of November, 2018"


# --- texts written for these tests ------------------------------------------------------------------------

def test_manual_rules_with_commentary_become_rule_provisions():
    text = (FIXTURES / "cyber-operations-manual.md").read_text(encoding="utf-8")
    rules = {p.unit: p for p in segment(text, make_instrument("manual", "rule"))}
    assert list(rules) == ["preamble", "rule-1", "rule-2", "rule-6", "rule-7"]
    rule6 = rules["rule-6"]
    assert (rule6.id, rule6.label, rule6.heading) == ("manual/rule-6", "r. 6", "Due diligence (general principle)")
    assert rule6.path == ("Part I — General international law and cyberspace", "Chapter 2 — Due diligence")
    assert [b.sub for b in rule6.blocks] == [(), ("1",), ("2",), ("3",)]
    assert rule6.blocks[0].text.startswith("A State must take the measures") and "\n" not in rule6.blocks[0].text
    assert rules["rule-2"].heading == "Internal sovereignty" and rules["rule-7"].heading == (
        "Compliance with the due diligence principle")


def test_official_journal_text_recitals_articles_footnotes_and_annex():
    text = (FIXTURES / "regulation-extract.txt").read_text(encoding="utf-8")
    units = parse(text)
    assert list(units) == ["preamble", "recital-1", "recital-2", "art-1", "art-2", "annex-i"]
    assert units["recital-1"].text == "(1) Networks should be secure. This recital mentions a footnote call (1)."
    art1 = units["art-1"]
    assert (art1.heading, art1.path) == ("Subject matter", ("Chapter I — General provisions",))
    assert [b.sub for b in art1.blocks] == [("1",), ("1", "a"), ("1", "b"), ("2",)]
    assert art1.blocks[2].text.endswith("Article 58(1), (2) and (3) of another act; (h) a point printed out of "
                                        "sequence stays text.")
    assert "Done at" not in units["art-2"].text and "OJ L 2" not in units["annex-i"].text
    assert (units["annex-i"].heading, [b.sub for b in units["annex-i"].blocks]) == (
        "List of sectors", [("1",), ("1", "a"), ("1", "b"), ("2",)])


@pytest.mark.parametrize(
    ("after", "sub_of_i"),
    [("(j) the next point.", ("i",)), ("(ii) the second clause.", ("h", "i"))],  # a letter, or a roman numeral
)
def test_i_after_h_reads_as_whichever_series_continues(after, sub_of_i):
    points = "\n".join(f"({c}) point {c};" for c in "abcdefgh")
    art = parse(f"Article 1\nTitle\n{points}\n(i) the ambiguous one;\n{after}\n")["art-1"]
    assert next(b.sub for b in art.blocks if b.text.startswith("(i)")) == sub_of_i


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("(a) x", [("paren-lower", "a")]),
        ("(i) x", [("paren-roman", "i"), ("paren-lower", "i")]),
        ("(ii) x", [("paren-roman", "ii"), ("paren-lower2", "ii")]),
        ("(xxviii) x", [("paren-roman", "xxviii")]),  # seven letters
        ("[(xxviiia) x", [("paren-roman", "xxviiia")]),  # an inserted clause, in the brackets of its amendment
        ("(xxxviii) x", [("paren-roman", "xxxviii")]),
        ("(xl) x", [("paren-roman", "xl")]),
        ("(XXVII) x", [("paren-uroman", "xxvii")]),
        ("(aa) x", [("paren-lower2", "aa")]),
        ("(civil) x", []),  # roman letters, but no roman numeral
        ("viii) x", [("bracket-roman", "viii")]),
        ("3. x", [("dot-num", "3")]),
    ],
)
def test_markers_at_reads_every_printed_form_of_a_number(text, readings):
    assert [(m.style, m.label) for m in markers_at(text)] == readings


def test_roman_numbered_points_continue_past_five_letters():
    labels = [to_roman(n) for n in range(1, 41)]
    labels.insert(labels.index("xxviii"), "xxviia")  # an inserted clause
    points = "\n".join(f"({label}) “term {label}” means a thing;" for label in labels)
    s2 = parse(f"### Section 2 — Definitions\n\n(1) In this Act—\n{points}\n(2) Other words.\n", "section")["s-2"]
    assert subs_under(s2, ("1",)) == labels and subs_under(s2, ()) == ["1", "2"]


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        # run into one line, unnumbered: each definition a block of the section; its points stay in it
        ('### Section 2 — Interpretation\n\nIn this Act— "access" means entry by a person who either— (a) alters '
         'data; or (b) copies data; "asset" includes property; "child" means a minor.\n',
         [((), "In"), ((), '"access"'), ((), '"asset"'), ((), '"child"')]),
        # one a line under subsection (1), a point on its own line; subsection (2) ends the list
        ("### Section 2 — Interpretation\n\n2.—(1) In this Act —\n“business entity” means —\n(a) a corporation;\n"
         "(b) a partnership;\n“computer” means a device;\n(2) Other words.\n",
         [(("1",), "2.—(1)"), (("1",), "“business"), (("1",), "“computer”"), (("2",), "(2)")]),
        # numbered definitions are subdivisions, and so are their points
        ("### Section 2 — Definitions\n\n(1) In this Act—\n(i) “access” means entry;\n(ii) “provider” means—\n"
         "(a) a carrier; or\n(b) a host;\n",
         [(("1",), "(1)"), (("1", "i"), "(i)"), (("1", "ii"), "(ii)"), (("1", "ii", "a"), "(a)"),
          (("1", "ii", "b"), "(b)")]),
    ],
)
def test_a_definitions_points_are_its_own_not_the_sections(text, blocks):
    s2 = parse(text, "section")["s-2"]
    assert [(b.sub, b.text.split()[0]) for b in s2.blocks] == blocks


@pytest.mark.parametrize(
    ("instrument_id", "unit", "term"),
    [
        ("kenya-computer-misuse-cybercrimes-act-2018", "s-2", '"subscriber information"'),
        ("singapore-cybersecurity-act-2018", "s-2", "“critical information infrastructure”"),
        ("singapore-computer-misuse-act-1993", "s-2", "“data”"),
        ("zimbabwe-cyber-data-protection-act-2021", "s-3", '" data subject "'),
    ],
)
def test_a_definition_printed_after_another_ones_points_is_not_cited_as_its_point(instrument_id, unit, term):
    """It was: Singapore's "critical information infrastructure" came out as s. 2(1)(d), the last point of the
    definition before it."""
    found = provision(instrument_id, unit)
    block = next(b for b in found.blocks if b.text.startswith(term))
    assert block.sub in ((), ("1",))


def test_numbering_nested_under_a_numbered_heading_is_kept_as_printed():
    text = ("Article 29: Offences\n1. Attacks on computer systems\nParties shall make it an offence to:\n"
            "a) gain access;\nb) remain in a system.\n2. Data breaches\nParties shall punish interception.\n"
            "3. Content related offences\n"
            "1. Parties shall make it an offence to:\na) produce images;\nb) possess images.\n"
            "2. Parties shall punish organised crime.\n3. Parties shall confiscate the equipment.\n"
            "4. Offences relating to evidence\nParties shall admit digital evidence.\n")
    art = parse(text)["art-29"]
    assert [b.sub for b in art.blocks] == [("1",), ("1", "a"), ("1", "b"), ("2",), ("3",), ("3", "1"), ("3", "1", "a"),
                                           ("3", "1", "b"), ("3", "2"), ("3", "3"), ("4",)]


def test_a_first_number_after_a_sentence_does_not_nest():
    art = parse("Article 3\nScope\n1. This applies to data.\n2. It does not apply to:\n1. wrapped text\n")["art-3"]
    assert [b.sub for b in art.blocks] == [("1",), ("2",)]


def test_numbers_printed_inside_a_line_split_it_only_after_punctuation():
    text = ("### Section 3 — Offences\n\n(1) A person who accesses a computer system commits an offence. (2) Access is "
            "unauthorised if— (a) the person is not entitled to it; or (b) no consent was given under subsection (1) "
            "and paragraph (b).\n")
    s3 = parse(text, "section")["s-3"]
    assert [(b.sub, b.text.split()[0]) for b in s3.blocks] == [(("1",), "(1)"), (("2",), "(2)"), (("2", "a"), "(a)"),
                                                              (("2", "b"), "(b)")]
    assert s3.blocks[-1].text.endswith("under subsection (1) and paragraph (b).")


def test_japanese_paragraph_and_item_numbers():
    text = "### 第3条 （定義）\n\nこの法律において「甲」とは、次に掲げるものをいう。\n一　乙\n二　丙\n２　前項の規定は、適用しない。\n"
    art = parse(text, language="ja")["art-3"]
    assert (art.heading, [b.sub for b in art.blocks]) == ("定義", [("1",), ("1", "1"), ("1", "2"), ("2",)])


def test_single_japanese_paragraph_is_not_numbered():
    art = parse("### 第30の2条 （会議）\n\n本部に会議を置く。\n  1. 調査\n  2. 審議\n", language="ja")["art-30-2"]
    assert [b.sub for b in art.blocks] == [(), ("1",), ("2",)]


def test_arabic_ordinal_words_and_thai_digits_become_numbers():
    arabic = parse("### المادة الأولى\n\nنص\n\n### المادة الخامسة والعشرون\n\nنص\n", language="ar")
    thai = parse("### มาตรา ๑๒\n\nมาตรา ๑๒  ข้อความ\n(๑) หนึ่ง\n(๒) สอง\n", "section", "th")
    assert list(arabic) == ["art-1", "art-25"] and list(thai) == ["s-12"]
    assert [b.sub for b in thai["s-12"].blocks] == [(), ("1",), ("2",)]


def test_report_paragraphs_use_their_printed_numbers():
    text = ("Report of the Group\n\nI. Introduction\n\n1. The Group met three times.\n\n2. It recommends that States:\n"
            "(a) cooperate;\n(b) share information.\n\nII. Norms\n\n3. States should not harm infrastructure.\n")
    paras = parse(text, "paragraph")
    assert list(paras) == ["preamble", "para-1", "para-2", "para-3"]
    assert paras["para-1"].path == ("I. Introduction",) and paras["para-3"].path == ("II. Norms",)
    assert [b.sub for b in paras["para-2"].blocks] == [(), ("a",), ("b",)]


def test_text_without_structure_falls_back_to_paragraphs():
    paras = parse("First paragraph,\nwrapped over two lines.\n\nSecond paragraph.\n\n- an item\n- another item\n")
    assert [(u, p.text) for u, p in paras.items()] == [
        ("para-1", "First paragraph, wrapped over two lines."), ("para-2", "Second paragraph."),
        ("para-3", "- an item"), ("para-4", "- another item")]


def test_a_number_printed_twice_gets_a_suffix_on_its_second_use():
    us_code = replace(make_instrument("t", "section"), citation="10 U.S.C.")
    text = "#### § 398. First\n\n(a) One.\n\n#### § 398. Second\n\n(a) Two.\n"
    units = {p.unit: p for p in segment(text, us_code)}
    assert list(units) == ["s-398", "s-398-2"]
    assert (units["s-398"].label, units["s-398-2"].label, units["s-398-2"].heading) == ("§ 398", "§ 398-2", "Second")


def test_statute_headings_printed_above_their_section_numbers():
    text = ("PART 1\nPRELIMINARY\nShort title\n1. This Act is the Example Act.\nInterpretation of terms used, and of\n"
            "words defined, etc.\n2.—(1) In this Act —\n(a) one;\n(b) two.\n(2) Nothing else.\n")
    units = parse(text, "section")
    assert [(u, p.heading, p.path) for u, p in units.items()] == [
        ("s-1", "Short title", ("Part 1 — Preliminary",)),
        ("s-2", "Interpretation of terms used, and of words defined, etc.", ("Part 1 — Preliminary",))]
    assert [b.sub for b in units["s-2"].blocks] == [("1",), ("1", "a"), ("1", "b"), ("2",)]


def test_pdf_pages_set_provision_and_block_pages():
    text = "Article 1\nScope\nThis applies.\nArticle 2\nTerms\n1. One.\n2. Two.\n"
    second_page = text.index("Article 2")
    units = {p.unit: p for p in segment(text, make_instrument("t", "article"), (0, second_page))}
    assert (units["art-1"].page, units["art-2"].page, units["art-2"].blocks[-1].page) == (1, 2, 2)


def test_headings_without_markup_must_continue_the_numbering_and_not_end_a_wrapped_line():
    text = ("Article 1\nScope\nThis applies as set out in\nArticle 7. It cooperates in accordance with\nChapter VII.\n"
            "Article 2\nTerms\nThe terms.\n")
    units = parse(text)
    assert list(units) == ["art-1", "art-2"] and units["art-2"].path == ()
    assert units["art-1"].text == "This applies as set out in Article 7. It cooperates in accordance with Chapter VII."


def test_unit_ids_use_the_prefixes_of_the_grammar():
    assert all(re.fullmatch(r"(art|s|rule|recital|annex|para|part)-[0-9a-z.\-]+|preamble", p.unit)
               for iid in ("gdpr-2016-679", CRA, "pakistan-peca-2016") for p in provisions(iid))
