"""Good law shown as such, through the API: a provision's own status (struck down, amended, ...) with its source on
search hits, the provision view and MCP, the status filter matching it, and the date of every instrument's text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp import Client

from browser import serve
from cyberlex.api.main import create_app
from cyberlex.corpus.catalog import PASSAGE_STATUSES, Catalog
from legal_index import legal_index
from status_index import ECHR, INSTRUMENTS, RA10175

S12 = f"{RA10175}/s-12"
DISINI = "Disini v. Secretary of Justice, G.R. No. 203335, 11 February 2014"
TRAFFIC_DATA = "real-time collection of traffic data by law enforcement"


@pytest.fixture(scope="module")
def app(catalog: Catalog) -> Iterator[Any]:
    with legal_index(catalog, INSTRUMENTS) as (settings, searcher, _):
        yield create_app(settings, searcher, catalog)


@pytest.fixture(scope="module")
def client(app: Any) -> TestClient:
    return TestClient(app)


def get(client: TestClient, path: str, **params: object) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def hits(client: TestClient, q: str = TRAFFIC_DATA, **params: object) -> dict[str, dict]:
    return {r["provision_id"]: r for r in get(client, "/search", q=q, k=20, **params)["results"]}


def test_a_search_hit_on_ra_10175_s_12_comes_back_struck_down_with_its_source(client: TestClient) -> None:
    found = hits(client, instrument=RA10175)
    s12 = [r for pid, r in found.items() if pid == S12 or pid.startswith(f"{S12}/")]
    assert s12, list(found)
    for hit in s12:
        assert hit["status"] == "struck-down"
        entry = hit["status_entry"]
        assert (entry["provision"], entry["status"], entry["partial"], entry["date"]) == (S12, "struck-down", False,
                                                                                          "2014-02-11")
        assert entry["source"].startswith(DISINI) and entry["url"].startswith("https://lawphil.net/")
        assert hit["instrument"]["status"] == "in-force"  # the Act stands; its s. 12 does not
        assert hit["instrument"]["text_as_of"] == "2012-09-12"


def test_provisions_the_judgment_left_alone_show_their_instruments_status(client: TestClient) -> None:
    found = hits(client, "illegal access to the whole or any part of a computer system without right",
                 instrument=RA10175)
    s4a = [r for pid, r in found.items() if pid.startswith(f"{RA10175}/s-4/a")]
    assert s4a and all(r["status"] == "in-force" and r["status_entry"] is None for r in s4a)


@pytest.mark.parametrize(
    ("provision_id", "recorded_for"),
    [(S12, S12), (f"{S12}/1", S12), (f"{RA10175}/s-4/c/3", f"{RA10175}/s-4/c/3")],
)
def test_the_provision_view_shows_its_own_status_and_a_part_inherits_it(client: TestClient, provision_id: str,
                                                                        recorded_for: str) -> None:
    view = get(client, f"/provisions/{provision_id}")
    assert view["status"] == "struck-down" and view["status_entry"]["provision"] == recorded_for
    assert view["status_entry"]["source"].startswith(DISINI)
    assert view["instrument"]["status"] == "in-force" and view["instrument"]["text_as_of"] == "2012-09-12"


def test_a_provision_with_struck_down_parts_lists_them(client: TestClient) -> None:
    view = get(client, f"/provisions/{RA10175}/s-4")
    assert view["status"] == "in-force" and view["status_entry"] is None
    within = {e["provision"]: (e["status"], e["partial"]) for e in view["statuses_within"]}
    assert within == {f"{RA10175}/s-4/c/3": ("struck-down", False), f"{RA10175}/s-4/c/4": ("struck-down", True)}


def test_a_provision_struck_down_in_part_says_to_what_extent(client: TestClient) -> None:
    entry = get(client, f"/provisions/{RA10175}/s-5")["status_entry"]
    assert entry["partial"] is True and "4(c)(4)" in entry["note"]


def test_the_status_filter_means_the_provisions_status(client: TestClient) -> None:
    struck = hits(client, status="struck-down")
    assert any(pid.startswith(S12) for pid in struck)
    assert {r["status"] for r in struck.values()} == {"struck-down"}
    in_force = hits(client, status="in-force")
    assert in_force and not any(pid.startswith(S12) for pid in in_force)
    assert {r["status"] for r in in_force.values()} == {"in-force"}


def test_the_instrument_statuses_still_filter(client: TestClient) -> None:
    """Old values keep working: "amended" finds the ECHR, held in a text older than its amendments."""
    amended = hits(client, "time limit for applications to the Court after the final decision", status="amended")
    assert amended and {r["instrument_id"] for r in amended.values()} == {ECHR}


def test_an_amended_instrument_and_an_amended_provision_say_so(client: TestClient) -> None:
    found = hits(client, "the Court may only deal with the matter after all domestic remedies have been exhausted",
                 instrument=ECHR)
    art35 = found[f"{ECHR}/art-35/1"]
    assert art35["status"] == "amended" and art35["status_entry"]["source"].startswith("Protocol No. 15")
    assert art35["instrument"]["status"] == "amended" and art35["instrument"]["text_as_of"] == "2017"
    assert {r["status"] for r in found.values()} == {"amended"}  # the instrument's, where no entry is the provision's
    assert any(r["status_entry"] is None for r in found.values())


def test_an_unknown_status_names_the_valid_ones(client: TestClient) -> None:
    response = client.get("/search", params={"q": "data", "status": "overruled"})
    assert response.status_code == 422
    assert "'overruled'" in response.json()["detail"] and "struck-down" in response.json()["detail"]


def test_vocabularies_list_the_provision_statuses_the_filter_takes(client: TestClient) -> None:
    assert get(client, "/vocabularies")["statuses"] == list(PASSAGE_STATUSES)


def test_instrument_entries_carry_the_date_of_the_text_and_the_provision_statuses(client: TestClient) -> None:
    entry = get(client, f"/instruments/{RA10175}")
    assert entry["text_as_of"] == "2012-09-12"
    assert {s["provision"].removeprefix(f"{RA10175}/") for s in entry["provision_statuses"]} == {
        "s-4/c/3", "s-4/c/4", "s-5", "s-7", "s-12", "s-19"}


def test_mcp_tools_give_the_provisions_own_status(app: Any) -> None:
    answers: dict[str, Any] = {}

    async def ask() -> None:
        async with Client(f"{url}/mcp") as mcp:
            answers["search"] = (await mcp.call_tool("search", {"query": TRAFFIC_DATA, "status": ["struck-down"]}))
            answers["provision"] = await mcp.call_tool("get_provision", {"provision_id": S12})

    with serve(app) as url:
        anyio.run(ask)
    results = answers["search"].structured_content["results"]
    assert results and {r["status"] for r in results} == {"struck-down"}
    view = answers["provision"].structured_content
    assert view["status"] == "struck-down" and view["status_entry"]["source"].startswith(DISINI)
