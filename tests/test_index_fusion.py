"""Client-side fusion of a dense and a sparse ranking."""

from __future__ import annotations

import pytest
from haystack import Document

from cyberlex.corpus.errors import InvalidInput
from cyberlex.index.fusion import IntentFusion, IntentWeights, OperativePrior, fuse, weighted_rrf
from cyberlex.index.understand import Understanding
from cyberlex.settings import Settings


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


def test_weighted_rrf_sums_each_lists_reciprocal_ranks_by_weight():
    fused = weighted_rrf([(ranked(("a", 1), ("b", 1)), 1.0), (ranked(("b", 1)), 2.0)], k=60)
    assert [d.id for d in fused] == ["b", "a"]
    assert fused[0].score == pytest.approx(1 / 62 + 2 / 61)


def test_intent_fusion_with_the_open_lists_alone_keeps_their_fused_ranking():
    lists = {"open:dense": DENSE, "open:sparse": SPARSE}
    alone = IntentFusion("rrf", IntentWeights(weak_lexical_below=0), 60, default_dense=0.25).run(
        lists, Understanding())["documents"]
    assert [d.id for d in alone] == [d.id for d in fuse(DENSE, SPARSE, "rrf", 0.25, 60)]


def test_a_named_instruments_list_lifts_its_passages_over_the_open_ranking():
    named = ranked(("d", 5.0))  # last in the open ranking, first in the named instrument
    lists = {"open:dense": DENSE, "open:sparse": SPARSE, "named:dense": named, "named:sparse": named}
    understood = Understanding(instruments=("x",), intent="scoped")
    fused = IntentFusion("rrf", IntentWeights(named=2.0), 60).run(lists, understood)["documents"]
    assert fused[0].id == "d"
    plain = IntentFusion("rrf", IntentWeights(named=0.0), 60).run(lists, understood)["documents"]
    assert plain[0].id != "d"


def test_the_dense_share_follows_the_intent():
    lists = {"open:dense": DENSE, "open:sparse": SPARSE}
    weights = IntentWeights(dense={"definition": 1.0, "open": 0.0}, weak_lexical_below=0)
    fusion = IntentFusion("rrf", weights, 60)
    assert fusion.run(lists, Understanding(intent="definition"))["documents"][0].id == "a"
    assert fusion.run(lists, Understanding(intent="open"))["documents"][0].id == "c"


def test_the_operative_prior_puts_an_article_before_a_recital_that_matched_alike():
    docs = [Document(id="r", content="", score=1.0, meta={"unit_kind": "recital"}),
            Document(id="a", content="", score=0.9, meta={"unit_kind": "article"})]
    assert [d.id for d in OperativePrior({"recital": 0.8}).run(docs)["documents"]] == ["a", "r"]
    assert [d.id for d in OperativePrior({}).run(docs)["documents"]] == ["r", "a"]


FINAL_CLAUSE = Document(id="s-1", content="", score=1.0, meta={"unit_kind": "section", "force": ["procedural"]})
OFFENCE = Document(id="s-14", content="", score=0.7, meta={"unit_kind": "section", "force": ["prohibition"]})
POWER = Document(id="s-30", content="", score=0.65, meta={"unit_kind": "section", "force": ["permission"]})


@pytest.mark.parametrize(
    ("asks", "order"),
    [
        ((), ["s-14", "s-30", "s-1"]),  # a final clause weighs half
        (("procedural",), ["s-1", "s-14", "s-30"]),  # ... unless the question asks about final clauses
        (("permission",), ["s-30", "s-14", "s-1"]),  # the kind of rule asked for first
        (("prohibition",), ["s-14", "s-30", "s-1"]),
    ],
)
def test_the_prior_weighs_final_clauses_down_and_the_kind_of_rule_asked_for_up(asks, order):
    prior = OperativePrior({}, final_clauses=0.5, asked=1.1)
    ranked = prior.run([FINAL_CLAUSE, OFFENCE, POWER], Understanding(asks=asks))["documents"]
    assert [d.id for d in ranked] == order


@pytest.mark.parametrize(
    ("heading", "asks", "first"),
    [
        ("Territorial scope", ("scope",), "art-3"),  # "does the GDPR apply outside the EU?"
        ("Scope of procedural provisions", ("scope",), "art-3"),
        ("Application of Act", ("scope",), "art-3"),
        ("Territorial scope", (), "art-47"),  # only when the question asks whom or where it covers
        ("Binding corporate rules", ("scope",), "art-47"),
        ("Applications for authorisation", ("scope",), "art-47"),  # an application, not the Act's
        ("Subject matter", ("purpose",), "art-3"),  # "what is NIS2 about?"
        ("Subject-matter and objectives", ("purpose",), "art-3"),
        ("Objects of the Act", ("purpose",), "art-3"),
        ("Scope and aim", ("purpose",), "art-3"),
        ("Subject matter", ("scope",), "art-47"),
        ("Civilian objects", ("purpose",), "art-47"),
        ("Security objectives of European cybersecurity certification schemes", ("purpose",), "art-47"),
    ],
)
def test_the_prior_puts_first_the_provision_headed_as_asked_about_the_instrument(heading, asks, first):
    scope = Document(id="art-3", content="", score=0.7, meta={"unit_kind": "article", "heading": heading})
    other = Document(id="art-47", content="", score=1.0, meta={"unit_kind": "article", "heading": "Other"})
    prior = OperativePrior({}, headings={"scope": 1.5, "purpose": 1.5})
    assert prior.run([other, scope], Understanding(asks=asks))["documents"][0].id == first


@pytest.mark.parametrize(("intent", "first"), [("open", "s-7"), ("scoped", "s-7"), ("definition", "s-2")])
def test_the_prior_weighs_definitions_down_unless_the_question_asks_what_a_term_means(intent, first):
    definition = Document(id="s-2", content="", score=1.0, meta={"unit_kind": "section", "force": ["definition"]})
    rule = Document(id="s-7", content="", score=0.85, meta={"unit_kind": "section", "force": ["prohibition"]})
    ranked = OperativePrior({}, definitions=0.8).run([definition, rule], Understanding(intent=intent))["documents"]
    assert ranked[0].id == first


def test_a_definition_that_is_also_a_rule_keeps_its_weight():
    both = Document(id="s-2", content="", score=1.0, meta={"force": ["definition", "obligation"]})
    rule = Document(id="s-7", content="", score=0.85, meta={"force": ["obligation"]})
    assert OperativePrior({}, definitions=0.8).run([both, rule], Understanding())["documents"][0].id == "s-2"


@pytest.mark.parametrize(("term", "first"), [("computer system", "chunk-10"), ("system", "chunk-10"),
                                              ("requesting state", "chunk-28"), ("", "chunk-28")])
def test_the_prior_puts_the_passage_defining_the_asked_term_before_its_neighbours(term, first):
    """Kenya's s. 2: the passage defining "requesting State" mentions "computer system" more than its definition."""
    neighbour = Document(id="chunk-28", content="", score=1.0, meta={"defines": ["requesting state"]})
    defining = Document(id="chunk-10", content="", score=0.8, meta={"defines": ["computer system"]})
    understood = Understanding(intent="definition" if term else "open", term=term)
    prior = OperativePrior({}, defining=1.5)
    assert prior.run([neighbour, defining], understood)["documents"][0].id == first


@pytest.mark.parametrize(("defined_here", "first"), [(False, "s-21"), (True, "s-2")])
def test_a_term_no_candidate_defines_is_explained_by_the_provision_named_after_it(defined_here, first):
    """"What is cyber espionage under Kenyan law?": no definition, but s. 21 is headed "Cyber espionage"; a
    defined term's definition still comes before the provisions whose headings name it."""
    named = Document(id="s-21", content="", score=0.8, meta={"heading": "Cyber espionage"})
    other = Document(id="s-2", content="", score=1.0,
                     meta={"heading": "Interpretation", "defines": ["cyber espionage"] if defined_here else []})
    understood = Understanding(intent="definition", term="cyber espionage")
    assert OperativePrior({}, defining=1.5).run([other, named], understood)["documents"][0].id == first


def test_a_named_instruments_final_clauses_count_as_much_as_its_name():
    """"When will the CRA apply?": its application date (art. 71) is in no open list's lead, and low in the named."""
    named = ranked(("art-66", 0.9), ("art-67", 0.8), ("art-10", 0.7), ("art-71", 0.6))
    final = ranked(("art-71", 0.9))
    lists = {"open:dense": named, "open:sparse": named, "named:dense": named, "named:sparse": named,
             "final:dense": final, "final:sparse": final}
    fused = IntentFusion("rrf", IntentWeights(), 60).run(lists, Understanding(instruments=("cra",)))["documents"]
    assert fused[0].id == "art-71"
    without = IntentFusion("rrf", IntentWeights(final=0.0), 60).run(lists, Understanding(instruments=("cra",)))
    assert without["documents"][0].id == "art-66"


def test_an_instruments_units_headed_as_asked_count_as_much_as_its_name():
    """"What is the CRA about?": once the name is read, nothing is left to find its art. 1, "Subject matter", by."""
    named = ranked(("art-66", 0.9), ("art-67", 0.8), ("art-1", 0.1))
    about = ranked(("art-1", 0.9))
    lists = {"open:dense": named, "open:sparse": named, "named:dense": named, "named:sparse": named,
             "about:dense": about, "about:sparse": about}
    assert IntentFusion("rrf", IntentWeights(), 60).run(lists, Understanding())["documents"][0].id == "art-1"
    assert IntentFusion("rrf", IntentWeights(about=0.0), 60).run(lists, Understanding())["documents"][0].id == "art-66"


def test_meaning_decides_more_when_the_best_lexical_match_is_weak():
    weak_sparse = ranked(("c", 3.0), ("b", 2.0), ("d", 1.0))  # the same order as SPARSE, low BM25 scores
    weights = IntentWeights(weak_lexical_below=5.0, weak_lexical_dense=1.0)
    fusion = IntentFusion("rrf", weights, 60, default_dense=0.0)
    assert fusion.run({"open:dense": DENSE, "open:sparse": SPARSE}, Understanding())["documents"][0].id == "c"
    assert fusion.run({"open:dense": DENSE, "open:sparse": weak_sparse}, Understanding())["documents"][0].id == "a"


def test_the_default_fusion_lets_a_decisive_lexical_match_outrank_faint_agreement():
    """Rank fusion hears only positions: a passage both lists place near the top, faintly, beats one whose words
    match far better than anything else. The default (chosen on dev + dev2, docs/retrieval.md) weighs the scores."""
    settings = Settings()
    dense = ranked(("a", 0.61), ("b", 0.60), ("c", 0.595), ("e", 0.2))
    sparse = ranked(("s", 40.0), ("c", 5.0), ("f", 4.0))
    open_lists = {"open:dense": dense, "open:sparse": sparse}
    fusion = IntentFusion(settings.fusion, IntentWeights(), settings.rrf_k, settings.dense_weight)
    assert fusion.run(open_lists, Understanding())["documents"][0].id == "s"
    assert fuse(dense, sparse, "rrf", settings.dense_weight)[0].id == "c"
