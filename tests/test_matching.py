"""Honest no-match: nothing is returned when no query word is indexed and no passage is near in meaning."""

from haystack import Document

from cyberlex.index.matching import NO_MATCH, WEAK, MatchJudge


def docs(*pairs):
    return [Document(id=i, content=i, score=s) for i, s in pairs]


JUDGE = MatchJudge(floor=0.25, weak_below=0.35)


def test_no_word_indexed_and_nothing_near_gives_no_results_and_says_so():
    lists = {"open:dense": docs(("a", 0.12), ("b", 0.1)), "open:sparse": []}
    out = JUDGE.run(lists, docs(("a", 0.1), ("b", 0.1)), ["hybrid", "hybrid"], {})
    assert out["documents"] == [] and out["notice"] == NO_MATCH


def test_a_near_meaning_is_a_match_even_without_shared_words():
    lists = {"open:dense": docs(("a", 0.62)), "open:sparse": []}
    out = JUDGE.run(lists, docs(("a", 0.6)), ["hybrid"], {})
    assert [d.id for d in out["documents"]] == ["a"] and out["weak"] == [False] and out["notice"] == ""


def test_results_found_by_faint_meaning_alone_are_flagged_weak():
    lists = {"open:dense": docs(("a", 0.5), ("b", 0.3)), "open:sparse": docs(("a", 9.0))}
    out = JUDGE.run(lists, docs(("a", 1.0), ("b", 0.5)), ["hybrid", "hybrid"], {})
    assert out["weak"] == [False, True] and out["notice"] == WEAK


def test_a_cited_provision_is_never_judged_away():
    lists = {"open:dense": docs(("a", 0.05)), "open:sparse": []}
    out = JUDGE.run(lists, docs(("c", 1.0)), ["citation"], {})
    assert [d.id for d in out["documents"]] == ["c"] and out["weak"] == [False]


def test_a_dense_only_search_is_not_judged():
    lists = {"open:dense": docs(("a", 0.05))}
    out = JUDGE.run(lists, docs(("a", 0.05)), ["dense"], {})
    assert [d.id for d in out["documents"]] == ["a"] and out["weak"] == [False]


def test_within_filters_nothing_lexical_is_flagged_weak_not_withheld():
    lists = {"open:dense": docs(("a", 0.12)), "open:sparse": []}
    out = JUDGE.run(lists, docs(("a", 0.1)), ["hybrid"], {"language": ["ja"]})
    assert [d.id for d in out["documents"]] == ["a"] and out["weak"] == [True] and out["notice"] == WEAK
