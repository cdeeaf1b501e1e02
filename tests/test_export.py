"""Export: citation styles made from the catalogue (a table), and GET /export over the small real index, each
format parsed as a reader of it would."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import get_args

import pytest
from fastapi.testclient import TestClient

from api_index import BUDAPEST, GDPR, small_index
from cyberlex.api.main import create_app
from cyberlex.api.routes.export import ExportFormat
from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.export import CSV_COLUMNS, FORMATS, ExportItem, render
from cyberlex.corpus.styles import cite_as

RIS_LINE = re.compile(r"^[A-Z][A-Z0-9]  - .*$")


@pytest.mark.parametrize(
    ("instrument_id", "provision_id", "label", "oscola", "bluebook"),
    [
        (BUDAPEST, "art-29/3", "Art. 29(3)",
         "Convention on Cybercrime (adopted 23 November 2001) ETS No 185, art 29(3)",
         "Convention on Cybercrime art. 29(3), Nov. 23, 2001, E.T.S. No. 185"),
        ("un-charter", "art-51", "Art. 51",
         "Charter of the United Nations (adopted 26 June 1945), art 51",
         "Charter of the United Nations art. 51, June 26, 1945"),
        ("us-wiretap-act-18usc2510", "s-2511/2/d", "§ 2511(2)(d)",
         "18 USC § 2511(2)(d)", "18 U.S.C. § 2511(2)(d)"),
        (GDPR, "art-33", "Art. 33",
         "Regulation (EU) 2016/679 of the European Parliament and of the Council of 27 April 2016 on the protection "
         "of natural persons with regard to the processing of personal data and on the free movement of such data, "
         "and repealing Directive 95/46/EC (General Data Protection Regulation), art 33",
         "Regulation (EU) 2016/679, art. 33"),
        (GDPR, "recital-85", "Recital 85", "Regulation (EU) 2016/679 of the European Parliament and of the Council of "
         "27 April 2016 on the protection of natural persons with regard to the processing of personal data and on "
         "the free movement of such data, and repealing Directive 95/46/EC (General Data Protection Regulation), "
         "recital 85", "Regulation (EU) 2016/679, recital 85"),
        ("kenya-computer-misuse-cybercrimes-act-2018", "s-14/1", "s. 14(1)",
         "Computer Misuse and Cybercrimes Act 2018 (Kenya), s 14(1)",
         "Computer Misuse and Cybercrimes Act 2018 (Kenya), § 14(1)"),
        ("philippines-cybercrime-prevention-act-2012", "s-4/a/1", "s. 4(a)(1)",
         "Cybercrime Prevention Act of 2012 (Republic Act No 10175), s 4(a)(1)",
         "Cybercrime Prevention Act of 2012 (Republic Act No. 10175), § 4(a)(1)"),
        ("paris-call-2018", "para-3", "para. 3", "Paris Call for Trust and Security in Cyberspace, para 3",
         "Paris Call for Trust and Security in Cyberspace, ¶ 3 (2018)"),
        ("israel-position-international-law-cyber-2020", "part-ii", "Part II",
         "Israel's Perspective on the Application of International Law to Cyber Operations (2020), pt II",
         "Israel's Perspective on the Application of International Law to Cyber Operations (2020), pt. II"),
        ("eu-nis2-directive-2022-2555", "annex-i", "Annex I",
         "Directive (EU) 2022/2555 of the European Parliament and of the Council of 14 December 2022 on measures for "
         "a high common level of cybersecurity across the Union (NIS 2 Directive), annex I",
         "Directive (EU) 2022/2555, annex I"),
        ("budapest-protocol-1-xenophobia", "preamble", "Preamble",
         "Additional Protocol to the Convention on Cybercrime, concerning the criminalisation of acts of a racist and "
         "xenophobic nature committed through computer systems (adopted 28 January 2003) ETS No 189, preamble",
         "Additional Protocol to the Convention on Cybercrime, concerning the criminalisation of acts of a racist and "
         "xenophobic nature committed through computer systems pmbl., Jan. 28, 2003, E.T.S. No. 189"),
    ],
)
def test_citation_styles_follow_their_rules_from_the_catalogue(
    catalog: Catalog, instrument_id: str, provision_id: str, label: str, oscola: str, bluebook: str
) -> None:
    instrument = catalog.get(instrument_id)
    pid = f"{instrument_id}/{provision_id}"
    assert cite_as("oscola", instrument, pid, label) == oscola
    assert cite_as("bluebook", instrument, pid, label) == bluebook


def test_a_provision_struck_down_is_exported_as_such_with_its_source(catalog: Catalog) -> None:
    ra_10175 = catalog.get("philippines-cybercrime-prevention-act-2012")
    items = [ExportItem(f"{ra_10175.id}/{unit}", label, "", f"{ra_10175.citation}, {label.lower()}", "…",
                        f"http://x/p/{ra_10175.id}/{unit}", ra_10175) for unit, label in (("s-12", "s. 12"),
                                                                                          ("s-6", "s. 6"))]
    rows = list(csv.DictReader(io.StringIO(render("csv", items).lstrip("\ufeff"))))
    assert [r["status"] for r in rows] == ["struck-down", "in-force"]
    notes = re.findall(r"^N1  - (.*)$", render("ris", items), re.MULTILINE)
    assert notes[0].startswith("Cybercrime Prevention Act of 2012 (Republic Act No. 10175), s. 12. Status: struck "
                               "down (Disini v. Secretary of Justice, G.R. No. 203335")
    assert "s. 6. Status: in force (in force; text as enacted" in notes[1]  # the instrument's note


# ---- the route -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[TestClient]:
    with small_index(tmp_path_factory.mktemp("export-index"), catalog) as (settings, searcher):
        yield TestClient(create_app(settings, searcher, catalog))


SEARCH = {"q": "preservation of stored data", "k": 3, "jurisdiction": "Council of Europe"}


def exported(client: TestClient, fmt: str, **params: object):
    response = client.get("/export", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    return response


def test_csv_holds_the_searchs_results_in_its_columns_and_order(client: TestClient) -> None:
    response = exported(client, "csv", **SEARCH)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="cyberlex-preservation-of-stored-data.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    searched = client.get("/search", params=SEARCH).json()["results"]
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["id"], r["citation"], r["text"]) for r in rows] == [
        (s["provision_id"], s["citation"], s["text"]) for s in searched]
    assert rows[0]["status"] == "in-force" and rows[0]["heading"] == "Expedited preservation of stored computer data"
    assert rows[0]["url"] == f"http://testserver/p/{rows[0]['id']}"


def test_ids_export_the_chosen_provisions_in_full_in_the_order_given(client: TestClient) -> None:
    response = exported(client, "csv", ids=[f"{GDPR}/art-33", f"{BUDAPEST}/art-29"])
    assert response.headers["content-disposition"] == 'attachment; filename="cyberlex-selection.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["citation"] for r in rows] == ["Regulation (EU) 2016/679, art. 33",
                                             "Convention on Cybercrime (ETS No. 185), art. 29"]
    assert rows[1]["text"].startswith("1. A Party may ask") and "3. The requested Party" in rows[1]["text"]


def test_ris_records_are_tag_lines_with_the_provisions_facts(client: TestClient) -> None:
    response = exported(client, "ris", ids=[f"{BUDAPEST}/art-29/3", f"{GDPR}/art-33"])
    assert response.headers["content-type"].startswith("application/x-research-info-systems")
    lines = response.text.split("\r\n")
    assert lines[-1] == "" and all(RIS_LINE.match(line) for line in lines[:-1])
    records = [dict(re.match(r"(\w+)  - (.*)", line).groups() for line in record.strip().split("\r\n"))
               for record in response.text.split("ER  - ")[:-1]]
    assert len(records) == 2
    budapest, gdpr = records
    assert budapest["TY"] == "LEGAL"
    assert budapest["TI"] == "Art. 29(3) — Expedited preservation of stored computer data"
    assert (budapest["T2"], budapest["PY"], budapest["DA"]) == ("Convention on Cybercrime (ETS No. 185)", "2001",
                                                                "2001/11/23")
    assert budapest["UR"] == f"http://testserver/p/{BUDAPEST}/art-29/3"
    assert budapest["N1"].startswith("Convention on Cybercrime (ETS No. 185), art. 29(3). Status: in force")
    assert budapest["AB"].startswith("3. The requested Party")
    assert gdpr["TY"] == "LEGAL" and gdpr["ST"] == "GDPR"


@pytest.mark.parametrize("fmt", ["oscola", "bluebook"])
def test_citation_lists_give_one_citation_a_line(client: TestClient, fmt: str) -> None:
    response = exported(client, fmt, ids=[f"{BUDAPEST}/art-29/3", f"{GDPR}/art-33"])
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"].endswith('.txt"')
    first, second = response.text.splitlines()
    assert first == {"oscola": "Convention on Cybercrime (adopted 23 November 2001) ETS No 185, art 29(3)",
                     "bluebook": "Convention on Cybercrime art. 29(3), Nov. 23, 2001, E.T.S. No. 185"}[fmt]
    assert second.startswith("Regulation (EU) 2016/679")


def test_every_format_the_route_takes_has_a_file_type() -> None:
    assert set(get_args(ExportFormat)) == set(FORMATS)


@pytest.mark.parametrize(
    ("params", "status", "reason"),
    [
        ({"format": "pdf", "q": "data"}, 422, "format: Input should be 'oscola', 'bluebook', 'csv' or 'ris'"),
        ({"format": "csv"}, 422, "give q (export a search's results) or ids (export chosen provisions)"),
        ({"format": "csv", "q": "data", "ids": f"{BUDAPEST}/art-2"}, 422, "not both"),
        ({"format": "csv", "q": "data", "jurisdiction": "Atlantis"}, 422, "unknown jurisdiction 'Atlantis'"),
        ({"format": "csv", "q": "data", "k": 0}, 422, "k must be between 1 and 100"),
        ({"format": "csv", "ids": f"{BUDAPEST}/art-99"}, 404, "no provision 'budapest-convention/art-99'"),
        ({"format": "csv", "ids": [f"{BUDAPEST}/art-2"] * 101}, 422, "ids names 101 provisions; at most 100"),
    ],
)
def test_bad_export_requests_are_refused_with_the_reason(client: TestClient, params: dict, status: int,
                                                         reason: str) -> None:
    response = client.get("/export", params=params)
    assert response.status_code == status
    assert reason in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "filename"),
    [
        ({"q": "GDPR art. 33"}, "cyberlex-gdpr-art-33.ris"),
        ({"q": "الوصول غير المشروع"}, "cyberlex-search.ris"),  # no ASCII to name it by
        ({"ids": f"{GDPR}/art-33"}, "cyberlex-selection.ris"),
    ],
)
def test_the_file_is_named_after_the_search_or_the_selection(client: TestClient, params: dict, filename: str) -> None:
    response = exported(client, "ris", **params)
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
