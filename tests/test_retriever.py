"""CyberlexRetriever in Haystack pipelines, over the small real index of tests/api_index.py: in-process (a Searcher)
and against the app served by uvicorn (GET /search), which must give the same Documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from haystack import Document, Pipeline
from haystack.components.builders import PromptBuilder

from api_index import BUDAPEST, GDPR, NIS2, NOTES, NOTES_FACTS, small_index
from browser import serve
from cyberlex.api.main import create_app
from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.errors import InvalidInput, StoreUnavailable, UnknownInstrument
from cyberlex.index.search import Searcher
from cyberlex.retriever import CyberlexRetriever

PRESERVATION = "expedited preservation of stored computer data"
PROMPT = """Answer from these provisions only; quote them and cite each by its citation.
{% for doc in documents %}[{{ doc.meta.citation }}] ({{ doc.meta.status }}) {{ doc.content }}
{% endfor %}Question: {{ question }}"""


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    catalog = load_catalog()
    with small_index(tmp_path_factory.mktemp("retriever-index"), catalog) as (_, opened):
        yield opened


@pytest.fixture(scope="module")
def url(searcher: Searcher) -> Iterator[str]:
    with serve(create_app(searcher.settings, searcher, searcher.catalog)) as base:
        yield base


def documents(retriever: CyberlexRetriever, query: str, **run: object) -> list[Document]:
    return retriever.run(query=query, **run)["documents"]


def test_a_rag_pipeline_quotes_and_cites_what_the_retriever_found(searcher: Searcher) -> None:
    rag = Pipeline()
    rag.add_component("retriever", CyberlexRetriever(searcher=searcher, top_k=3))
    rag.add_component("prompt", PromptBuilder(template=PROMPT, required_variables=["documents", "question"]))
    rag.connect("retriever.documents", "prompt.documents")
    result = rag.run({"retriever": {"query": PRESERVATION}, "prompt": {"question": PRESERVATION}},
                     include_outputs_from={"retriever"})
    first = result["retriever"]["documents"][0]
    assert first.meta["provision_id"].startswith(f"{BUDAPEST}/art-29")
    assert first.meta["citation"].startswith("Convention on Cybercrime (ETS No. 185), art. 29")
    assert first.meta["status"] == "in-force" and first.meta["binding"] is True
    assert f"[{first.meta['citation']}] (in-force) {first.content}" in result["prompt"]["prompt"]


def test_documents_hold_the_passage_verbatim_and_its_place(searcher: Searcher) -> None:
    first = documents(CyberlexRetriever(searcher=searcher), "Budapest art. 29(3)")[0]
    view = searcher.provision(f"{BUDAPEST}/art-29/3")
    assert first.content == view.text and first.meta["via"] == "citation" and first.score == 1.0
    assert first.meta["label"] == "Art. 29(3)" and first.meta["path"] == ["Chapter III"]
    assert first.meta["instrument_id"] == BUDAPEST and first.meta["jurisdiction"] == "Council of Europe"


def test_a_served_index_gives_the_same_documents_as_the_embedded_one(searcher: Searcher, url: str) -> None:
    for query, filters in [(PRESERVATION, None), ("notify an incident within 72 hours", {"jurisdiction": "EU"}),
                           ("ransomware encrypted the client files", None)]:
        here = documents(CyberlexRetriever(searcher=searcher), query, top_k=4, filters=filters)
        there = documents(CyberlexRetriever(url=url), query, top_k=4, filters=filters)
        assert [(d.content, d.meta, round(d.score, 6)) for d in there] == [
            (d.content, d.meta, round(d.score, 6)) for d in here]
    notes = next(d for d in here if d.meta["instrument_id"] == NOTES)
    assert notes.meta["title"] == NOTES_FACTS["title"] and notes.meta["status"] == "not-applicable"


@pytest.mark.parametrize("where", ["embedded", "served"])
def test_filters_take_one_value_or_several(searcher: Searcher, url: str, where: str) -> None:
    retriever = CyberlexRetriever(searcher=searcher) if where == "embedded" else CyberlexRetriever(url=url)
    eu = documents(retriever, "notify an incident", filters={"jurisdiction": "EU"})
    assert eu and {d.meta["instrument_id"] for d in eu} <= {GDPR, NIS2}
    both = documents(retriever, "notify an incident", filters={"instrument": [GDPR, NIS2], "binding": True})
    assert {d.meta["instrument_id"] for d in both} == {GDPR, NIS2}


@pytest.mark.parametrize("where", ["embedded", "served"])
def test_bad_input_raises_the_domain_error_that_names_it(searcher: Searcher, url: str, where: str) -> None:
    retriever = CyberlexRetriever(searcher=searcher) if where == "embedded" else CyberlexRetriever(url=url)
    with pytest.raises(InvalidInput, match="unknown filter 'country'; valid filters: instrument, jurisdiction"):
        documents(retriever, "data", filters={"country": "EU"})
    with pytest.raises(InvalidInput, match="k must be between 1 and 100"):
        documents(retriever, "data", top_k=0)
    with pytest.raises(UnknownInstrument if where == "embedded" else InvalidInput, match="'atlantis-code'"):
        documents(retriever, "data", filters={"instrument": "atlantis-code"})


def test_a_server_that_does_not_answer_is_unavailable() -> None:
    with pytest.raises(StoreUnavailable, match="no cyberlex server answers at http://127.0.0.1:9"):
        documents(CyberlexRetriever(url="http://127.0.0.1:9", timeout=2), "data")


@pytest.mark.parametrize(("given", "reason"), [
    ({}, "a searcher .* or the url of a cyberlex server, not both or neither"),
    ({"url": "http://127.0.0.1:8000", "mode": "fast"}, "unknown search mode 'fast'; valid modes: hybrid, dense, sparse"),
])
def test_a_retriever_is_made_with_one_index_and_a_known_mode(given: dict, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        CyberlexRetriever(**given)


def test_a_pipeline_over_a_server_can_be_saved_and_loaded(url: str, tmp_path: Path) -> None:
    saved = Pipeline()
    saved.add_component("retriever", CyberlexRetriever(url=url, top_k=2, mode="sparse"))
    (tmp_path / "rag.yaml").write_text(saved.dumps())
    loaded = Pipeline.loads((tmp_path / "rag.yaml").read_text(), allowed_modules=["cyberlex.retriever"])
    found = loaded.run({"retriever": {"query": PRESERVATION}})["retriever"]["documents"]
    assert len(found) == 2 and found[0].meta["provision_id"].startswith(f"{BUDAPEST}/art-29")
