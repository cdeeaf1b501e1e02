"""An instrument's table of contents: rebuilt from the stored passages of parsed corpus texts, and served by
GET /instruments/{id}/contents over the small real index."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from haystack.dataclasses import SparseEmbedding
from qdrant_client import QdrantClient

from api_index import BUDAPEST, GDPR, PASSAGES, small_index
from cyberlex.api.main import create_app
from cyberlex.corpus.catalog import Catalog
from cyberlex.index.client_store import ClientStore
from cyberlex.index.contents import Contents, Entry, table_of_contents
from cyberlex.index.documents import payload
from cyberlex.index.store import StoredPoint
from cyberlex.ingest.pipeline import parse_instrument
from cyberlex.settings import Settings

PARSED = ("budapest-convention", "gdpr-2016-679", "us-cfaa-18usc1030")


@pytest.fixture(scope="module")
def parsed(catalog: Catalog) -> Iterator[tuple[ClientStore, dict[str, int]]]:
    """Three shipped texts parsed as ingest parses them, their passages stored with their real payloads (the
    vectors do not matter to a table of contents); with the passages each instrument has."""
    store = ClientStore(QdrantClient(":memory:"), "contents")
    counts = {}
    for iid in PARSED:
        instrument = catalog.get(iid)
        passages = parse_instrument(Settings().corpus_dir / instrument.file, instrument).passages
        counts[iid] = len(passages)
        store.upsert([StoredPoint(str(uuid.uuid5(uuid.NAMESPACE_URL, p.key)), [1.0, 0.0], SparseEmbedding([0], [1.0]),
                                  payload(p, "")) for p in passages])
    yield store, counts
    store.close()


def find(entries: tuple[Entry, ...], title: str) -> Entry:
    return next(e for e in entries if e.title == title)


def walk(entries: tuple[Entry, ...]) -> Iterator[Entry]:
    for entry in entries:
        yield entry
        yield from walk(entry.children)


def test_divisions_nest_as_the_text_prints_them(parsed) -> None:
    contents = table_of_contents(parsed[0], "budapest-convention")
    chapter = find(contents.entries, "Chapter II — Measures to be taken at the national level")
    title = find(find(chapter.children, "Section 1 — Substantive criminal law").children, "Title 1 — Offences "
                 "against the confidentiality, integrity and availability of computer data and systems")
    assert [(e.kind, e.title, e.heading, e.provision_id) for e in title.children[:2]] == [
        ("unit", "Art. 2", "Illegal access", "budapest-convention/art-2"),
        ("unit", "Art. 3", "Illegal interception", "budapest-convention/art-3"),
    ]
    assert [e.title for e in contents.entries] == [
        "Preamble", "Chapter I — Use of terms", "Chapter II — Measures to be taken at the national level",
        "Chapter III — International co-operation", "Chapter IV — Final provisions"]


@pytest.mark.parametrize("instrument_id", PARSED)
def test_the_counts_add_up_to_the_instruments_passages_at_every_level(parsed, instrument_id: str) -> None:
    store, counts = parsed
    contents = table_of_contents(store, instrument_id)
    assert contents.passages == counts[instrument_id]
    for entry in walk(contents.entries):
        held = sum(c.passages for c in entry.children)
        assert entry.passages == held if entry.kind in ("division", "recitals") else entry.passages >= held
        assert entry.passages > 0


def test_recitals_are_grouped_and_articles_keep_their_sections(parsed) -> None:
    contents = table_of_contents(parsed[0], "gdpr-2016-679")
    recitals = contents.entries[1]
    assert (recitals.kind, recitals.title, len(recitals.children)) == ("recitals", "Recitals 1–173", 173)
    assert recitals.children[84].provision_id == "gdpr-2016-679/recital-85"
    section = find(find(contents.entries, "Chapter IV — Controller and processor").children,
                   "Section 2 — Security of personal data")
    assert [e.title for e in section.children] == ["Art. 32", "Art. 33", "Art. 34"]
    assert contents.provisions == 1 + 173 + 99


def test_a_section_cited_by_its_subsections_lists_them(parsed) -> None:
    contents = table_of_contents(parsed[0], "us-cfaa-18usc1030")
    section = find(find(find(contents.entries, "Title 18 — Crimes and criminal procedure").children,
                        "Chapter 47 — Fraud and false statements").children, "§ 1030")
    subsections = [(e.title, e.provision_id) for e in section.children]
    assert subsections[:2] == [("§ 1030(a)", "us-cfaa-18usc1030/s-1030/a"),
                               ("§ 1030(b)", "us-cfaa-18usc1030/s-1030/b")]
    assert ("§ 1030(e)", "us-cfaa-18usc1030/s-1030/e") in subsections


def test_an_instrument_the_index_lacks_has_no_entries(parsed) -> None:
    assert table_of_contents(parsed[0], "un-charter") == Contents("un-charter", ())


# ---- the route -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[TestClient]:
    with small_index(tmp_path_factory.mktemp("contents-index"), catalog) as (settings, searcher):
        yield TestClient(create_app(settings, searcher, catalog))


def test_the_contents_route_returns_the_tree_with_headings_ids_and_counts(client: TestClient) -> None:
    response = client.get(f"/instruments/{BUDAPEST}/contents")
    assert response.status_code == 200
    body = response.json()
    assert (body["instrument_id"], body["instrument"]["short_title"]) == (BUDAPEST, "Budapest Convention")
    chapter_ii, chapter_iii = body["entries"]
    assert (chapter_ii["kind"], chapter_ii["title"], chapter_ii["provision_id"]) == ("division", "Chapter II", None)
    title_1 = chapter_ii["children"][0]
    assert title_1["title"] == "Title 1"
    assert title_1["children"] == [{"kind": "unit", "title": "Art. 2", "heading": "Illegal access",
                                    "provision_id": f"{BUDAPEST}/art-2", "passages": 1, "children": []}]
    assert [(u["title"], u["passages"]) for u in chapter_iii["children"]] == [("Art. 29", 3), ("Art. 30", 1)]
    assert chapter_iii["passages"] == 4
    held = sum(1 for p in PASSAGES if p[0] == BUDAPEST)
    assert body["passages"] == held == client.get(f"/instruments/{BUDAPEST}").json()["passages"]
    assert body["provisions"] == 3


def test_contents_of_an_unknown_instrument_is_404_naming_it_and_the_valid_ids(client: TestClient) -> None:
    response = client.get("/instruments/no-such-law/contents")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "unknown instrument 'no-such-law'" in detail and "valid ids: " in detail and GDPR in detail


def test_the_page_is_served_for_an_instruments_contents(client: TestClient) -> None:
    response = client.get(f"/i/{BUDAPEST}")
    assert response.status_code == 200 and '<form id="search"' in response.text
