"""Both stores behave alike: Qdrant Edge on disk and qdrant-client (":memory:" speaks the server's API).

Vectors here are small and hand-made, so these tests need no model.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import qdrant_edge as qe
from haystack.dataclasses import SparseEmbedding
from qdrant_client import QdrantClient, models

from cyberlex.corpus.errors import StoreLocked, StoreUnavailable
from cyberlex.corpus.model import Passage
from cyberlex.index.client_store import ClientStore
from cyberlex.index.documents import HASH_FIELD, RANKING_FIELDS, payload, point_id, to_passage
from cyberlex.index.edge_store import EdgeStore, edge_config
from cyberlex.index.search import Filters
from cyberlex.settings import Settings
from cyberlex.index.store import (
    DENSE,
    E5,
    E5_DIM,
    QUANTILE,
    SPARSE,
    NativeFusion,
    Store,
    StoredPoint,
    open_store,
)

REPO = Path(__file__).resolve().parent.parent
FACTS = {
    "budapest": dict(jurisdiction="Council of Europe", kind="treaty", language="en", status="in-force", binding=True),
    "tallinn": dict(jurisdiction="International", kind="soft-law-manual", language="en", status="not-applicable",
                    binding=False),
}


def passage(instrument: str, unit: str, chunk: int = 0, text: str = "") -> Passage:
    return Passage(
        provision_id=f"{instrument}/{unit}", unit_id=f"{instrument}/{unit}", chunk=chunk, instrument_id=instrument,
        label=unit, heading="", path=(), citation=f"{instrument} {unit}", text=text or f"text of {unit}",
        start=chunk, end=chunk + 1, metadata=FACTS[instrument],
    )


# dense vectors point in four directions; sparse vectors use term ids 1..4
POINTS = [
    (passage("budapest", "art-1"), [1.0, 0.0, 0.0, 0.0], ([1], [1.0])),
    (passage("budapest", "art-2"), [0.0, 1.0, 0.0, 0.0], ([2], [1.0])),
    (passage("budapest", "art-3"), [0.0, 0.0, 1.0, 0.0], ([2, 3], [0.5, 1.0])),
    (passage("tallinn", "rule-1"), [0.0, 0.0, 0.0, 1.0], ([4], [1.0])),
    (passage("tallinn", "rule-2"), [0.7, 0.0, 0.0, 0.7], ([1, 4], [1.0, 1.0])),
]


def stored(p: Passage, dense: list[float], sparse: tuple[list[int], list[float]]) -> StoredPoint:
    return StoredPoint(point_id(p.key), dense, SparseEmbedding(*sparse), payload(p, "test"))


def open_kind(kind: str, tmp_path: Path) -> Store:
    return EdgeStore(tmp_path / "edge") if kind == "edge" else ClientStore(QdrantClient(":memory:"), "test")


@pytest.fixture(params=["edge", "client"])
def store(request, tmp_path):
    with open_kind(request.param, tmp_path) as s:
        s.upsert([stored(*p) for p in POINTS])
        yield s


def units(scored) -> list[str]:
    return [payload["unit_id"] for payload, _ in scored]


def test_dense_query_ranks_by_cosine(store):
    assert units(store.query(dense=[1.0, 0.0, 0.0, 0.1], limit=2)) == ["budapest/art-1", "tallinn/rule-2"]


def test_sparse_query_ranks_by_idf_weighted_terms(store):
    # term 2 is in two points, term 3 in one: art-3 holds both, so it comes first
    found = store.query(sparse=SparseEmbedding([2, 3], [1.0, 1.0]), limit=5)
    assert units(found) == ["budapest/art-3", "budapest/art-2"]


def test_sparse_query_without_terms_finds_nothing(store):
    assert store.query(sparse=SparseEmbedding([], []), limit=5) == []


def test_native_fusion_prefers_points_found_by_both(store):
    both = store.query(dense=[1.0, 0.0, 0.0, 1.0], sparse=SparseEmbedding([1, 4], [1.0, 1.0]), limit=3,
                       fusion=NativeFusion(dense_weight=0.5, k=60))
    assert units(both)[0] == "tallinn/rule-2"


@pytest.mark.parametrize("vectors", [dict(dense=[1.0, 0.0, 0.0, 0.1]), dict(sparse=SparseEmbedding([1], [1.0])),
                                     dict(dense=[1.0, 0.0, 0.0, 0.1], sparse=SparseEmbedding([1], [1.0]))])
def test_a_query_can_return_only_the_payload_fields_the_ranking_reads(store, vectors):
    found = store.query(**vectors, limit=2, fields=RANKING_FIELDS)
    assert set(units(found)) == {"budapest/art-1", "tallinn/rule-2"}
    assert all(set(data) <= set(RANKING_FIELDS) and "text" not in data for data, _ in found)


def test_whole_payloads_are_read_by_point_id_and_an_unknown_id_is_left_out(store):
    art2, rule1 = POINTS[1][0], POINTS[3][0]
    unknown = point_id("nowhere/art-1#0")
    read = store.payloads([point_id(art2.key), point_id(rule1.key), unknown])
    assert {to_passage(data) for data in read.values()} == {art2, rule1}
    assert set(read) == {point_id(art2.key), point_id(rule1.key)}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"instrument_id": ["tallinn"]}, {"tallinn/rule-1", "tallinn/rule-2"}),
        ({"binding": [True]}, {"budapest/art-1", "budapest/art-2", "budapest/art-3"}),
        ({"binding": [False]}, {"tallinn/rule-1", "tallinn/rule-2"}),
        ({"binding": [True, False]}, {p.unit_id for p, _, _ in POINTS}),
        ({"kind": ["treaty", "soft-law-manual"], "unit_id": ["budapest/art-2", "tallinn/rule-1"]},
         {"budapest/art-2", "tallinn/rule-1"}),
        ({"jurisdiction": ["Nowhere"]}, set()),
        ({}, {p.unit_id for p, _, _ in POINTS}),
    ],
)
def test_filters_narrow_query_scroll_and_count_alike(store, where, expected):
    assert set(units(store.query(dense=[0.5, 0.5, 0.5, 0.5], where=where, limit=10))) == expected
    assert {p["unit_id"] for _, p in store.scroll(where)} == expected
    assert store.count(where) == len(expected)


@pytest.mark.parametrize(
    ("field", "where", "expected"),
    [
        ("instrument_id", None, {"budapest": 3, "tallinn": 2}),
        ("binding", None, {True: 3, False: 2}),
        ("unit_id", {"instrument_id": ["tallinn"]}, {"tallinn/rule-1": 1, "tallinn/rule-2": 1}),
    ],
)
def test_facet_counts_points_per_value(store, field, where, expected):
    assert store.facet(field, where) == expected


def test_scroll_returns_point_ids_and_whole_payloads(store):
    rows = dict(store.scroll({"unit_id": ["budapest/art-2"]}))
    expected = payload(POINTS[1][0], "test")
    assert rows == {point_id("budapest/art-2#0"): expected}


def test_scroll_can_return_selected_fields_only(store):
    rows = [p for _, p in store.scroll({"instrument_id": ["tallinn"]}, fields=["unit_id"])]
    assert sorted(rows, key=str) == [{"unit_id": "tallinn/rule-1"}, {"unit_id": "tallinn/rule-2"}]


def test_scroll_pages_through_more_points_than_a_page(store):
    many = [stored(passage("tallinn", "rule-9", chunk=n), [0.1, 0.2, 0.3, 0.4], ([5], [1.0])) for n in range(1100)]
    store.upsert(many)
    assert sum(1 for _ in store.scroll({"unit_id": ["tallinn/rule-9"]})) == 1100


def test_hashes_of_maps_an_instruments_point_ids_to_content_hashes(store):
    hashes = store.hashes_of("budapest")
    assert hashes == {point_id(p.key): payload(p, "test")[HASH_FIELD] for p, _, _ in POINTS[:3]}
    assert store.point_ids_of("tallinn") == {point_id(p.key) for p, _, _ in POINTS[3:]}


def test_upsert_of_an_existing_id_replaces_the_point(store):
    changed = passage("budapest", "art-1", text="amended text")
    store.upsert([stored(changed, [0.0, 0.0, 0.0, 1.0], ([9], [1.0]))])
    assert store.count() == len(POINTS)
    assert [p["text"] for _, p in store.scroll({"unit_id": ["budapest/art-1"]})] == ["amended text"]
    assert units(store.query(sparse=SparseEmbedding([9], [1.0]), limit=5)) == ["budapest/art-1"]


def test_delete_removes_points_by_id(store):
    store.delete({point_id("budapest/art-1#0"), point_id("budapest/art-2#0")})
    assert store.count() == len(POINTS) - 2
    assert "budapest/art-1" not in units(store.query(dense=[1.0, 0.0, 0.0, 0.0], limit=10))


def e5_vector(axis: int) -> list[float]:
    vector = [0.0] * E5_DIM
    vector[axis] = 1.0
    return vector


def test_a_collection_has_the_dense_and_the_e5_vector(store):
    assert store.vectors == {DENSE, E5}


def test_an_e5_search_finds_only_the_points_that_have_an_e5_vector(store):
    """art-1 and rule-1 get an e5 vector; the others have none and never come back from an e5 search."""
    store.upsert([replace(stored(*POINTS[0]), extra={E5: e5_vector(0)}),
                  replace(stored(*POINTS[3]), extra={E5: e5_vector(1)})])
    assert units(store.query(dense=e5_vector(0), using=E5, limit=10)) == ["budapest/art-1", "tallinn/rule-1"]
    assert units(store.query(dense=e5_vector(0), using=E5, where={"binding": [False]}, limit=10)) == ["tallinn/rule-1"]
    assert units(store.query(dense=e5_vector(1), using=E5, limit=10)) == ["tallinn/rule-1", "budapest/art-1"]
    assert units(store.query(dense=[0.0, 0.0, 0.0, 1.0], limit=1)) == ["tallinn/rule-1"]  # the dense vector as before


def store_without_e5(kind: str, tmp_path: Path) -> Store:
    """A store whose collection was created before the layout had the e5 vector."""
    if kind == "edge":
        qe.EdgeShard.create(str(tmp_path / "edge"), qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=4, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )).close()
        return EdgeStore(tmp_path / "edge")
    client = QdrantClient(":memory:")
    client.create_collection(
        "test", vectors_config={DENSE: models.VectorParams(size=4, distance=models.Distance.COSINE)},
        sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    return ClientStore(client, "test")


@pytest.mark.parametrize("kind", ["edge", "client"])
def test_a_store_built_before_the_e5_vector_says_how_to_rebuild_it(kind, tmp_path):
    """It still serves and takes points without e5; whatever needs e5 is refused with the way out."""
    with store_without_e5(kind, tmp_path) as store:
        store.upsert([stored(*p) for p in POINTS])
        assert units(store.query(dense=[1.0, 0.0, 0.0, 0.0], limit=1)) == ["budapest/art-1"]
        assert store.vectors == {DENSE}
        needs_e5 = [
            lambda: store.require(E5),
            lambda: store.query(dense=e5_vector(0), using=E5),
            lambda: store.upsert([replace(stored(*POINTS[0]), extra={E5: e5_vector(0)})]),
        ]
        for attempt in needs_e5:
            with pytest.raises(StoreUnavailable) as refused:
                attempt()
            assert str(refused.value) == (
                f"the index at {store.location} has no 'e5' vector (it was built before it had one; it has "
                "'dense'): delete it and run `cyberlex ingest` again, which the embedding cache makes quick"
            )


@pytest.mark.parametrize("kind", ["edge", "client"])
def test_a_store_with_no_collection_yet_is_empty(kind, tmp_path):
    with open_kind(kind, tmp_path) as empty:
        assert empty.count() == 0
        assert list(empty.scroll()) == []
        assert empty.query(dense=[1.0, 0.0, 0.0, 0.0]) == []
        assert empty.hashes_of("budapest") == {}
        assert empty.facet("instrument_id") == {}
        assert empty.vectors == frozenset()
        empty.require(E5)  # the collection it will create has every vector
        empty.delete({point_id("budapest/art-1#0")})  # nothing to delete, and no error


def test_edge_store_reopened_finds_its_data(tmp_path):
    with EdgeStore(tmp_path / "edge") as first:
        first.upsert([stored(*p) for p in POINTS])
        first.delete({point_id("tallinn/rule-1#0")})
    with EdgeStore(tmp_path / "edge") as again:
        assert again.count() == len(POINTS) - 1
        assert units(again.query(dense=[1.0, 0.0, 0.0, 0.0], limit=1)) == ["budapest/art-1"]
        assert again.count({"binding": [False]}) == 1  # payload indexes survive too
        assert again.vectors == {DENSE, E5}


def test_edge_store_reopened_gets_the_payload_indexes_it_lacks(tmp_path):
    with EdgeStore(tmp_path / "edge") as first:
        first.upsert([stored(*p) for p in POINTS])
        first._shard.update(qe.UpdateOperation.delete_field_index("jurisdiction"))
        assert "jurisdiction" not in first._shard.info().payload_schema
    with EdgeStore(tmp_path / "edge") as again:
        assert "jurisdiction" in again._shard.info().payload_schema


def indexed_store(path: Path, vectors: np.ndarray, payloads: list[dict[str, str]], **hnsw: int) -> None:
    """An optimized Edge shard in the store's layout whose HNSW graph and int8 copy are built from 10 KB of
    vectors, so a few thousand points get them. Point i has ``vectors[i]``, unit_id "i" and ``payloads[i]``."""
    graph = dict(m=16, ef_construct=100, full_scan_threshold=10) | hnsw
    qe.EdgeShard.create(str(path), edge_config(
        vectors.shape[1], hnsw_config=qe.HnswIndexConfig(**graph),
        optimizers=qe.EdgeOptimizersConfig(indexing_threshold=10),
    )).close()
    points = [StoredPoint(str(uuid.UUID(int=i + 1)), vector.tolist(), SparseEmbedding(indices=[i], values=[1.0]),
                          {"unit_id": str(i), **payload}) for i, (vector, payload) in enumerate(zip(vectors, payloads))]
    with EdgeStore(path) as store:
        store.upsert(points)  # closing optimizes: the HNSW graph and the int8 copy are built


def clustered_shard(path: Path, n: int = 5000, dim: int = 384, **hnsw: int) -> tuple[np.ndarray, np.ndarray]:
    """``indexed_store`` of ``n`` unit vectors around 50 centres, 6% of them in the jurisdiction "rare".
    Returns the vectors and the indices of the rare ones."""
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((50, dim)).astype(np.float32)
    vectors = centres[rng.integers(50, size=n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rare = np.flatnonzero(rng.random(n) < 0.06)
    jurisdiction = np.where(np.isin(np.arange(n), rare), "rare", "common")
    indexed_store(path, vectors, [{"jurisdiction": str(j)} for j in jurisdiction], **hnsw)
    return vectors, rare


def queries_near(vectors: np.ndarray, count: int = 20) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [vectors[rng.integers(len(vectors))] + 0.1 * rng.standard_normal(vectors.shape[1]).astype(np.float32)
            for _ in range(count)]


def test_a_filtered_dense_search_finds_the_nearest_matches_where_the_graph_alone_misses_them(tmp_path):
    """Without filter-aware links (payload_m=0), walking the graph alone returned almost none of the true top
    10 of the 6% filter; ACORN finds them."""
    vectors, rare = clustered_shard(tmp_path / "edge", payload_m=0)
    recalls = []
    with EdgeStore(tmp_path / "edge") as store:
        for query in queries_near(vectors):
            exact = set(rare[np.argsort(-(vectors[rare] @ query))[:10]].tolist())
            found = store.query(dense=query.tolist(), where={"jurisdiction": ["rare"]}, limit=10)
            recalls.append(len({int(p["unit_id"]) for p, _ in found} & exact) / 10)
    assert np.mean(recalls) >= 0.95


def test_dense_search_walks_the_int8_copy_and_rescores_with_the_float_vectors(tmp_path):
    """The int8 copy exists (its scores, unrescored, are approximate), yet the store returns the exact float
    top 10 with exact cosine scores: oversampled candidates are rescored."""
    vectors, _ = clustered_shard(tmp_path / "edge")
    recalls = []
    with EdgeStore(tmp_path / "edge") as store:
        for query in queries_near(vectors):
            cosine = vectors @ (query / np.linalg.norm(query))
            exact = set(np.argsort(-cosine)[:10].tolist())
            found = store.query(dense=query.tolist(), limit=10)
            assert [s for _, s in found] == pytest.approx([cosine[int(p["unit_id"])] for p, _ in found], abs=1e-5)
            recalls.append(len({int(p["unit_id"]) for p, _ in found} & exact) / 10)
        unrescored = store._shard.query(qe.QueryRequest(
            limit=10, query=qe.Query.Nearest(query.tolist(), using=DENSE),
            params=qe.SearchParams(quantization=qe.QuantizationSearchParams(rescore=False)),
        ))
        assert [p.score for p in unrescored] != pytest.approx([cosine[int(p.id.int) - 1] for p in unrescored],
                                                              abs=1e-5)
    assert np.mean(recalls) >= 0.99


def test_dense_search_beam_finds_the_exact_top_50_of_unclustered_vectors(tmp_path):
    """Random unit vectors are the HNSW walk's hardest case: with Qdrant's default beam the top 50 had recall
    0.76 against exact search; with the store's HNSW_EF about 0.92."""
    rng = np.random.default_rng(0)
    n, dim = 5000, 384
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    indexed_store(tmp_path / "edge", vectors, [{}] * n)
    recalls = []
    with EdgeStore(tmp_path / "edge") as store:
        for _ in range(30):
            query = rng.standard_normal(dim).astype(np.float32)
            exact = set(np.argsort(-(vectors @ query))[:50].tolist())
            found = store.query(dense=query.tolist(), limit=50)
            recalls.append(len({int(p["unit_id"]) for p, _ in found} & exact) / 50)
    assert np.mean(recalls) >= 0.88


def test_a_server_collection_keeps_the_same_int8_copy_of_the_dense_vectors():
    """Local mode searches exactly, so only the collection's configuration can show what a server would build."""
    with ClientStore(QdrantClient(":memory:"), "test") as store:
        store.upsert([stored(*p) for p in POINTS])
        dense = store.client.get_collection("test").config.params.vectors[DENSE]
    assert dense.quantization_config.scalar.type == "int8"
    assert dense.quantization_config.scalar.quantile == QUANTILE


def test_the_payload_indexes_are_the_fields_a_filter_or_a_look_up_uses(tmp_path):
    every_filter = Filters(instrument=("x",), jurisdiction=("x",), kind=("x",), language=("x",), status=("x",),
                           binding=True, force=("x",), addressee=("x",))
    look_ups = {"instrument_id", "unit_id"}  # an instrument's passages, a unit's passages
    with EdgeStore(tmp_path / "edge") as store:
        store.upsert([stored(*p) for p in POINTS])
        assert set(store._shard.info().payload_schema) == set(every_filter.where()) | look_ups


def test_edge_store_in_use_by_another_process_raises_store_locked(tmp_path):
    path = tmp_path / "edge"
    script = (
        "import sys\nfrom cyberlex.corpus.errors import StoreLocked\nfrom cyberlex.index.edge_store import EdgeStore\n"
        "try:\n    EdgeStore(sys.argv[1]).close()\nexcept StoreLocked as e:\n    print(e)\n    sys.exit(3)\n"
    )
    with EdgeStore(path):
        second = subprocess.run([sys.executable, "-c", script, str(path)], cwd=REPO, capture_output=True, text=True)
    assert second.returncode == 3, second.stderr
    assert f"in use by another cyberlex process (pid {os.getpid()})" in second.stdout
    assert str(path) in second.stdout


def test_edge_writes_survive_a_process_that_dies_without_closing(tmp_path):
    path = tmp_path / "edge"
    script = (
        "import os, sys\nsys.path.insert(0, 'tests')\nfrom test_store import POINTS, stored\n"
        "from cyberlex.index.edge_store import EdgeStore\n"
        "EdgeStore(sys.argv[1]).upsert([stored(*p) for p in POINTS])\nos._exit(0)\n"
    )
    died = subprocess.run([sys.executable, "-c", script, str(path)], cwd=REPO, capture_output=True, text=True)
    assert died.returncode == 0, died.stderr
    with EdgeStore(path) as again:  # the dead process's lock went with it
        assert again.count() == len(POINTS)


def test_edge_store_lock_is_released_on_close(tmp_path):
    EdgeStore(tmp_path / "edge").close()
    with EdgeStore(tmp_path / "edge") as again:
        with pytest.raises(StoreLocked, match="in use by another cyberlex process"):
            EdgeStore(tmp_path / "edge")
        assert again.count() == 0


def test_open_store_picks_edge_without_a_url_and_the_server_with_one(tmp_path):
    with open_store(Settings(data_dir=tmp_path)) as local:
        assert isinstance(local, EdgeStore)
        assert local.path == tmp_path / "edge"
    with pytest.raises(StoreUnavailable, match="127.0.0.1:9"):
        open_store(Settings(data_dir=tmp_path, qdrant_url="http://127.0.0.1:9"))


def test_a_server_store_sees_a_collection_another_process_created_later():
    client = QdrantClient(":memory:")
    reader, writer = ClientStore(client, "shared"), ClientStore(client, "shared")
    assert reader.count() == 0
    writer.upsert([stored(*p) for p in POINTS])
    assert reader.count() == len(POINTS)
    client.close()
