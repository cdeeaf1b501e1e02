"""Client-side fusion of a dense and a sparse ranking."""

from __future__ import annotations

import pytest
from haystack import Document

from cyberlex.corpus.errors import InvalidInput
from cyberlex.index.fusion import fuse


def ranked(*pairs: tuple[str, float]) -> list[Document]:
    return [Document(id=doc_id, content=doc_id, score=score) for doc_id, score in pairs]


DENSE = ranked(("a", 0.9), ("b", 0.8), ("c", 0.1))
SPARSE = ranked(("c", 12.0), ("b", 11.0), ("d", 1.0))


@pytest.mark.parametrize(
    ("method", "dense_weight", "expected"),
    [
        ("rrf", 0.5, ["c", "b", "a", "d"]),  # first and third edges out second twice: 1/61 + 1/63 > 2/62
        ("rrf", 1.0, ["a", "b", "c", "d"]),
        ("rrf", 0.0, ["c", "b", "d", "a"]),
        ("minmax", 0.5, ["b", "a", "c", "d"]),  # a and c tie (top of one list, absent or last in the other)
        ("minmax", 0.9, ["a", "b", "c", "d"]),
        ("minmax", 0.1, ["b", "c", "a", "d"]),
        ("zscore", 0.5, ["b", "c", "a", "d"]),
    ],
)
def test_fusion_orders_by_weighted_evidence_from_both_lists(method, dense_weight, expected):
    assert [d.id for d in fuse(DENSE, SPARSE, method, dense_weight, k=60)] == expected


@pytest.mark.parametrize("method", ["rrf", "minmax", "zscore"])
def test_fused_scores_are_descending_and_every_document_is_kept_once(method):
    fused = fuse(DENSE, SPARSE, method)
    assert sorted(d.id for d in fused) == ["a", "b", "c", "d"]
    assert [d.score for d in fused] == sorted((d.score for d in fused), reverse=True)


def test_rrf_scores_are_weighted_reciprocal_ranks():
    fused = {d.id: d.score for d in fuse(DENSE, SPARSE, "rrf", dense_weight=0.75, k=10)}
    assert fused["b"] == pytest.approx(0.75 / 12 + 0.25 / 12)
    assert fused["d"] == pytest.approx(0.25 / 13)


def test_minmax_gives_a_document_missing_from_a_list_that_lists_floor():
    fused = {d.id: d.score for d in fuse(DENSE, SPARSE, "minmax", dense_weight=0.5)}
    assert fused["a"] == pytest.approx(0.5 * 1.0)  # top of dense, absent from sparse
    assert fused["d"] == pytest.approx(0.5 * 0.0)  # bottom of sparse, absent from dense


@pytest.mark.parametrize("method", ["minmax", "zscore"])
def test_the_only_document_of_a_list_beats_documents_absent_from_it(method):
    dense = ranked(("x", 0.17), ("y", 0.15), ("z", 0.14), ("u", 0.13), ("v", 0.12), ("w", 0.05))
    assert fuse(dense, ranked(("y", 9.3)), method)[0].id == "y"


@pytest.mark.parametrize("method", ["rrf", "minmax", "zscore"])
def test_one_empty_list_leaves_the_other_ranking(method):
    assert [d.id for d in fuse(DENSE, [], method)] == ["a", "b", "c"]
    assert fuse([], [], method) == []


def test_an_unknown_method_lists_the_valid_ones():
    with pytest.raises(InvalidInput, match="unknown fusion 'max'; valid: rrf, minmax, zscore"):
        fuse(DENSE, SPARSE, "max")
