"""What makes queries and ingest fast, checked as behaviour (the benchmark measures the speed itself): pipelines
hand documents and query vectors on without element-wise copies, ONNX Runtime threads do not spin, and the
shared query pipelines give concurrent requests the answers sequential ones get."""

from __future__ import annotations

import copy
from array import array
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from api_index import passages, small_index
from cyberlex.corpus.catalog import load_catalog
from haystack.core.pipeline.utils import _deepcopy_with_exceptions

from cyberlex.index.documents import Ranking, SharedDocument, payload, scored_document, to_document
from cyberlex.index.embedders import QueryEmbedder
from cyberlex.index.fusion import OperativePrior, fuse
from cyberlex.index.onnx_backend import OnnxEncoder
from cyberlex.index.search import Searcher

QUERIES = [
    "preserve stored computer data at another party's request", "personal data breach notification", "self-defence",
    "ransomware incident response", "Art. 29 Budapest", "significant incident early warning", "illegal access",
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    with small_index(tmp_path_factory.mktemp("speed"), load_catalog()) as (_, opened):
        yield opened


@pytest.fixture(scope="module")
def passage():
    return next(iter(passages(load_catalog()).values()))[0]


def test_indexed_and_retrieved_documents_are_not_deep_copied(passage):
    for document in (to_document(passage, "sig"), scored_document(payload(passage, "sig"), 0.5)):
        assert copy.deepcopy(document) is document


def test_new_documents_made_from_shared_ones_stay_shared(passage):
    dense = [scored_document(payload(passage, ""), 0.9)]
    sparse = [scored_document(payload(replace(passage, chunk=1), ""), 0.8)]
    fused = fuse(dense, sparse)
    assert len(fused) == 2 and all(isinstance(d, SharedDocument) for d in fused)
    assert isinstance(replace(dense[0], embedding=[0.0]), SharedDocument)


def test_a_ranking_passes_between_components_without_being_walked(passage):
    """Haystack copies each component input with this function; for a list it checks every element first."""
    docs = [scored_document(payload(replace(passage, chunk=n), ""), 1.0 / (n + 1)) for n in range(3)]
    ranking = Ranking(docs)
    assert _deepcopy_with_exceptions(ranking) is ranking
    assert list(ranking) == docs and ranking[0] is docs[0] and list(ranking[1:]) == docs[1:]


def test_the_operative_prior_keeps_the_documents_it_does_not_weigh(passage):
    docs = [scored_document(payload(replace(passage, chunk=n), "") | {"unit_kind": kind}, 1.0 - n / 10)
            for n, kind in enumerate(["recital", "article", "article"])]
    weighed = OperativePrior({"recital": 0.5}).run(Ranking(docs))["documents"]
    assert isinstance(weighed, Ranking)
    assert [d.meta["unit_kind"] for d in weighed] == ["article", "article", "recital"]
    assert weighed[0] is docs[1] and weighed[1] is docs[2] and weighed[2].score == pytest.approx(0.5)


def test_query_embedding_travels_as_one_array(searcher):
    vector = QueryEmbedder(searcher.encoder).run("unauthorised access")["embedding"]
    assert isinstance(vector, array) and vector.typecode == "f"
    assert len(vector) == searcher.encoder.dim
    assert list(vector) == pytest.approx(list(searcher.encoder.embed_query("unauthorised access")), abs=1e-7)


def test_onnx_runtime_threads_sleep_when_idle(searcher):
    encoder = searcher.encoder._loaded()
    assert isinstance(encoder, OnnxEncoder)
    options = encoder._session.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


@pytest.mark.parametrize("mode", ["hybrid", "dense", "sparse"])
def test_concurrent_searches_get_the_answers_sequential_ones_get(searcher, mode):
    def ranked(query: str) -> list[tuple[str, str]]:
        return [(h.passage.provision_id, h.via) for h in searcher.search(query, k=5, mode=mode)]

    sequential = [ranked(q) for q in QUERIES]
    searcher.encoder.embed_query.cache_clear()
    with ThreadPoolExecutor(8) as pool:
        concurrent = list(pool.map(ranked, QUERIES * 3))
    assert concurrent == sequential * 3
    assert all(sequential)
