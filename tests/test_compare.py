"""Comparison across jurisdictions (``GET /compare``, index/compare.py) over the real texts of the instruments
that hold the counterparts of Budapest art. 2, ingested by ``cyberlex ingest`` itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cyberlex.api.main import create_app
from cyberlex.corpus.catalog import Catalog
from cyberlex.index.compare import anchor_sentence, key_sentence
from cyberlex.index.search import Searcher
from cyberlex.settings import Settings
from legal_index import BUDAPEST, CFAA, COMPARED, KENYA, MALABO, PHILIPPINES, SINGAPORE, legal_index



ILLEGAL_ACCESS = {  # instrument → the counterpart of Budapest art. 2 (a unit, or the deepest subdivision)
    KENYA: f"{KENYA}/s-14",
    PHILIPPINES: f"{PHILIPPINES}/s-4/a/1",
    CFAA: f"{CFAA}/s-1030/a/2",
    MALABO: f"{MALABO}/art-29",
    SINGAPORE: f"{SINGAPORE}/s-3",
}


@pytest.fixture(scope="module")
def client(catalog: Catalog) -> Iterator[TestClient]:
    with legal_index(catalog, COMPARED) as (settings, searcher, _):
        yield TestClient(create_app(settings, searcher, catalog))


def compare(client: TestClient, **params: str) -> dict:
    response = client.get("/compare", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_budapest_illegal_access_has_its_five_national_and_regional_counterparts(client: TestClient) -> None:
    found = compare(client, provision=f"{BUDAPEST}/art-2")
    rows = {r["instrument_id"]: r for r in found["rows"]}
    assert found["citation"].endswith("art. 2") and found["heading"] == "Illegal access"
    for instrument, counterpart in ILLEGAL_ACCESS.items():
        got = rows[instrument]["provision_id"]
        assert got == counterpart or got.startswith(counterpart + "/"), (instrument, got)
        assert not rows[instrument]["weak"]


def test_each_row_cites_the_counterpart_as_printed_with_its_key_sentence_status_and_force(client: TestClient) -> None:
    rows = {r["instrument_id"]: r for r in compare(client, provision=f"{BUDAPEST}/art-2")["rows"]}
    cfaa = rows[CFAA]
    assert cfaa["citation"] == "18 U.S.C. § 1030(a)(2)"
    assert "intentionally accesses a computer without authorization" in cfaa["key_sentence"]
    assert cfaa["status"] == "in-force" and cfaa["instrument"]["jurisdiction"] == "US"
    philippines = rows[PHILIPPINES]
    assert philippines["citation"].endswith("s. 4(a)(1)")
    assert "access to the whole or any part of a computer system without right" in philippines["key_sentence"]
    assert "prohibition" in rows[KENYA]["force"]
    assert "obligation" in rows[MALABO]["force"]  # State Parties shall make it a criminal offence


def test_the_compared_instrument_has_no_row_of_its_own(client: TestClient) -> None:
    rows = compare(client, provision=f"{BUDAPEST}/art-2")["rows"]
    assert BUDAPEST not in {r["instrument_id"] for r in rows}
    assert len({r["instrument_id"] for r in rows}) == len(rows)


def test_a_question_is_compared_across_every_instrument(client: TestClient) -> None:
    found = compare(client, q="unauthorised access to a computer system")
    rows = {r["instrument_id"]: r["provision_id"] for r in found["rows"]}
    assert found["provision_id"] is None and BUDAPEST in rows
    assert rows[KENYA].startswith(f"{KENYA}/s-14")


def test_an_unknown_provision_is_404_naming_the_nearest(client: TestClient) -> None:
    response = client.get("/compare", params={"provision": f"{BUDAPEST}/art-999"})
    assert response.status_code == 404
    assert "art-999" in response.json()["detail"]


@pytest.mark.parametrize("params, reason", [
    ({}, "neither was given"),
    ({"provision": f"{BUDAPEST}/art-2", "q": "access"}, "both were given"),
    ({"q": "   "}, "q must not be empty"),
    ({"provision": " "}, "provision must not be empty"),
])
def test_bad_parameters_are_422_with_the_reason(client: TestClient, params: dict, reason: str) -> None:
    response = client.get("/compare", params=params)
    assert response.status_code == 422
    assert reason in response.json()["detail"]


@pytest.mark.parametrize("text, anchor", [
    ("Each Party shall adopt measures to establish the access as an offence. A Party may require intent.",
     "Each Party shall adopt measures to establish the access as an offence."),
    ("For the purposes of this Act: (a) “computer” means a device.", "For the purposes of this Act: (a) “computer” means a device."),
])
def test_the_anchor_is_the_first_sentence_that_states_a_rule(text: str, anchor: str) -> None:
    assert anchor_sentence(text) == anchor


@pytest.mark.parametrize("anchor, sentences, best", [
    ("illegal access to a computer system",
     ["The following acts are offences:", "The access to the whole or any part of a computer system without right.",
      "The interception of computer data."], 1),
    ("interception of data", ["(1) Interception of data.", "(2) Interception of data and more words besides."], 0),
    ("nothing in common", ["first", "second"], 0),
])
def test_the_key_sentence_carries_the_most_rare_words_of_the_anchor(anchor: str, sentences: list[str], best: int) -> None:
    assert key_sentence(anchor, sentences) == best
