"""The evaluation harness on hand-made queries, qrels and systems (no index, no model)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from cyberlex.corpus.errors import InvalidInput
from cyberlex.corpus.model import Passage
from cyberlex.evals.baselines import BM25System, SearcherSystem, build_systems
from cyberlex.evals.metrics import map_to_judged
from cyberlex.evals.report import print_table
from cyberlex.evals.run import SETS, SETS_DIR, load_qrels, load_queries, run_eval

FIXTURES = Path(__file__).parent / "fixtures" / "evals"
QUERIES, QRELS = FIXTURES / "tiny.jsonl", FIXTURES / "tiny.qrels"

# What the fake system returns for the three queries of tiny.jsonl, judged in tiny.qrels.
TINY_RUN = {
    "q1": ["treaty/art-29/3", "treaty/art-29/1", "treaty/art-5", "treaty/art-16"],
    "q2": ["treaty/art-29", "treaty/art-2/1"],
    "q3": ["act/s-50", "act/s-9", "act/s-7/b"],
}
# Hand computation (nDCG gain = grade, discount log2(rank + 1); IDCG from the qrels):
# q1 maps to [art-29 (2), art-5 (0), art-16 (1)]: art-29/1 is a second copy of art-29 and is dropped.
#    DCG = 2/1 + 1/log2(4) = 2.5; IDCG = 2 + 1/log2(3); RR = 1; R@10 = 2/2; P@1 = 1.
# q2 maps to [art-29 (unjudged: not under art-2), art-2 (2)].
#    DCG = 2/log2(3); IDCG = 2, so nDCG = 1/log2(3); RR = 1/2; R@10 = 1; P@1 = 0.
# q3 maps to [s-50 (not under s-5), s-9, s-7 (2)].
#    DCG = 2/log2(4) = 1; IDCG = 2 + 1/log2(3); RR = 1/3; R@10 = 1/2; P@1 = 0.
IDCG_13 = 2 + 1 / math.log2(3)
NDCG = {"q1": 2.5 / IDCG_13, "q2": 1 / math.log2(3), "q3": 1 / IDCG_13}


class FixedSystem:
    """Returns fixed provision ids (scores falling with rank) and counts its calls."""

    def __init__(self, name: str, ranking: dict[str, list[str]]):
        self.name = name
        self.by_text = {q.text: ranking.get(q.id, []) for q in load_queries(QUERIES)}
        self.calls = 0

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        self.calls += 1
        return [(pid, 1.0 / rank) for rank, pid in enumerate(self.by_text[query][:k], 1)]


def passage(provision_id: str, text: str, heading: str = "") -> Passage:
    unit_id = "/".join(provision_id.split("/")[:2])
    return Passage(provision_id, unit_id, 0, unit_id.split("/")[0], "", heading, (), "", text, 0, len(text))


@pytest.mark.parametrize(
    ("group", "measure", "expected"),
    [
        ("all", "nDCG@10", (NDCG["q1"] + NDCG["q2"] + NDCG["q3"]) / 3),
        ("all", "RR@10", (1 + 1 / 2 + 1 / 3) / 3),
        ("all", "R@10", (1 + 1 + 1 / 2) / 3),
        ("all", "P@1", 1 / 3),
        ("obligation", "nDCG@10", (NDCG["q1"] + NDCG["q3"]) / 2),
        ("obligation", "RR@10", (1 + 1 / 3) / 2),
        ("obligation", "R@10", (1 + 1 / 2) / 2),
        ("obligation", "P@1", 1 / 2),
        ("definition", "nDCG@10", NDCG["q2"]),
        ("definition", "RR@10", 1 / 2),
        ("definition", "R@10", 1.0),
        ("definition", "P@1", 0.0),
    ],
)
def test_tiny_set_scores_match_hand_computed_values(group: str, measure: str, expected: float) -> None:
    result = run_eval(QUERIES, QRELS, [FixedSystem("fake", TINY_RUN)])
    assert result.systems[0].scores[group][measure] == pytest.approx(expected)


def test_tiny_set_per_query_ndcg_matches_hand_computed_values() -> None:
    per_query = run_eval(QUERIES, QRELS, [FixedSystem("fake", TINY_RUN)]).systems[0].per_query
    assert {qid: values["nDCG@10"] for qid, values in per_query.items()} == pytest.approx(NDCG)


@pytest.mark.parametrize(
    ("returned", "judged", "expected"),
    [
        (["t/art-29/3", "t/art-29"], ["t/art-29"], ["t/art-29"]),  # a paragraph counts for its article, once
        (["t/art-29"], ["t/art-2"], ["t/art-29"]),  # art-29 is not under art-2
        (["t/art-2/1", "t/art-29/1"], ["t/art-2", "t/art-29"], ["t/art-2", "t/art-29"]),
        (["t/art-29/3/a"], ["t/art-29", "t/art-29/3"], ["t/art-29/3"]),  # the most specific judged id wins
        (["t/art-29"], ["t/art-29/3"], ["t/art-29"]),  # a whole article is not credited for one paragraph
        (["t/art-5", "t/art-5", "t/art-6"], [], ["t/art-5", "t/art-6"]),
        (["t/art-29-bis"], ["t/art-29"], ["t/art-29-bis"]),
    ],
)
def test_returned_ids_map_to_the_judged_id_they_lie_under(returned, judged, expected) -> None:
    assert map_to_judged(returned, judged) == expected


def test_query_with_nothing_returned_scores_zero_and_still_counts() -> None:
    only_q1 = FixedSystem("only-q1", {"q1": ["treaty/art-29", "treaty/art-16"]})
    system = run_eval(QUERIES, QRELS, [only_q1]).systems[0]
    assert system.per_query["q2"] == {"nDCG@10": 0.0, "R@10": 0.0, "RR@10": 0.0, "P@1": 0.0}
    assert system.scores["all"]["nDCG@10"] == pytest.approx(1 / 3)


def test_judgements_of_queries_outside_the_query_file_are_ignored(tmp_path: Path) -> None:
    qrels = tmp_path / "more.qrels"
    qrels.write_text(QRELS.read_text() + "q9 0 treaty/art-1 2\n")
    result = run_eval(QUERIES, qrels, [FixedSystem("fake", TINY_RUN)])
    assert result.groups["all"] == ["q1", "q2", "q3"]
    assert result.systems[0].scores["all"]["P@1"] == pytest.approx(1 / 3)


def test_unjudged_queries_are_run_but_not_scored(tmp_path: Path) -> None:
    queries = tmp_path / "more.jsonl"
    queries.write_text(QUERIES.read_text() + '{"id": "q4", "query": "unauthorised access to a computer"}\n')
    result = run_eval(queries, QRELS, [FixedSystem("fake", TINY_RUN)], run_out=tmp_path)  # q4 has q3's text
    assert result.unjudged == ["q4"]
    assert "q4" not in result.systems[0].per_query and result.groups["all"] == ["q1", "q2", "q3"]
    assert any(line.startswith("q4 Q0 act/s-50 1 ") for line in (tmp_path / "fake.trec").read_text().splitlines())


def test_run_files_are_named_after_systems_and_hold_raw_ids_in_trec_columns(tmp_path: Path) -> None:
    run_eval(QUERIES, QRELS, [FixedSystem("fake", TINY_RUN), FixedSystem("other", {})], run_out=tmp_path / "runs")
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["fake.trec", "other.trec"]
    rows = [line.split() for line in (tmp_path / "runs" / "fake.trec").read_text().splitlines()]
    assert rows[:2] == [
        ["q1", "Q0", "treaty/art-29/3", "1", "1.000000", "fake"],
        ["q1", "Q0", "treaty/art-29/1", "2", "0.500000", "fake"],
    ]
    assert [r[2] for r in rows if r[0] == "q3"] == TINY_RUN["q3"]
    assert len(rows) == sum(map(len, TINY_RUN.values()))


def test_latency_is_timed_after_one_warm_up_query() -> None:
    system = FixedSystem("fake", TINY_RUN)
    latency = run_eval(QUERIES, QRELS, [system]).systems[0].latency_ms
    assert system.calls == 3 + 1
    assert 0 <= latency["p50"] <= latency["p95"]


def test_report_writes_markdown_json_and_chart(tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.md"
    run_eval(QUERIES, QRELS, [FixedSystem("fake", TINY_RUN), FixedSystem("empty", {})], report=report)
    markdown = report.read_text()
    data = json.loads(report.with_suffix(".json").read_text())
    assert report.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    assert "![" in markdown and "(report.png)" in markdown
    worst = markdown.split("## Worst queries of fake")[1].splitlines()[4]  # the first row: q3, lowest nDCG@10
    assert worst.startswith("| q3: unauthorised access") and "`act/s-50`" in worst and "`act/s-7` (2)" in worst
    assert list(data["systems"]) == ["fake", "empty"]
    assert data["groups"] == {"all": 3, "obligation": 2, "definition": 1}
    assert data["systems"]["fake"]["scores"]["definition"]["RR@10"] == pytest.approx(0.5)
    assert data["systems"]["empty"]["per_query"]["q1"]["nDCG@10"] == 0.0


def test_table_puts_systems_side_by_side() -> None:
    result = run_eval(QUERIES, QRELS, [FixedSystem("fake", TINY_RUN), FixedSystem("empty", {})])
    console = Console(record=True, width=120)
    print_table(result, console)
    text = console.export_text()
    header = next(line for line in text.splitlines() if "measure" in line)
    assert header.index("fake") < header.index("empty")
    assert "obligation (2)" in text and "0.611" in text and "p95 ms" in text  # RR@10 over all: 0.611


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON"),
        ('["q9", "a query"]', "expected an object"),
        ('{"id": "q9"}', "query must be a non-empty string"),
        ('{"id": 9, "query": "a query"}', "id must be a non-empty string"),
        ('{"id": "q1", "query": "again"}', "duplicate query id 'q1'"),
    ],
)
def test_bad_query_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "q1", "query": "fine"}\n' + line + "\n")
    with pytest.raises(InvalidInput, match=rf"bad\.jsonl:2: .*{message}"):
        load_queries(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("q1 0 treaty/art-1", "expected 'QUERY_ID 0 PROVISION_ID GRADE'"),
        ("q1 0 treaty/art-1 high", "integer grade"),
        ("q1 0 treaty/art-9 1", "'treaty/art-9' is judged twice"),
    ],
)
def test_bad_qrels_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.qrels"
    path.write_text("q1 0 treaty/art-9 2\n" + line + "\n")
    with pytest.raises(InvalidInput, match=rf"bad\.qrels:2: .*{message}"):
        load_qrels(path)


def test_query_without_kind_falls_in_all(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "q1", "query": "a query"}\n')
    assert load_queries(path)[0].kind == "all"


def test_dev_set_loads_with_every_query_judged() -> None:
    for name in SETS:
        queries, qrels = load_queries(SETS_DIR / f"{name}.jsonl"), load_qrels(SETS_DIR / f"{name}.qrels")
        assert queries and all(q.id in qrels for q in queries)


@pytest.mark.parametrize("names", [["fake", "fake"], ["my system"], ["a/b"]])
def test_system_names_must_make_distinct_file_names(names: list[str]) -> None:
    with pytest.raises(InvalidInput, match="must be unique"):
        run_eval(QUERIES, QRELS, [FixedSystem(n, {}) for n in names])


FIVE_PASSAGES = [
    passage("treaty/art-2", "Each Party shall establish as criminal offences access to a computer system without right."),
    passage("treaty/art-16/1", "Each Party shall enable its authorities to order the preservation of stored computer data.",
            heading="Expedited preservation of stored computer data"),
    passage("treaty/art-16/2", "The preservation order may last up to ninety days."),
    passage("treaty/art-35", "Each Party shall designate a point of contact available on a twenty-four hour basis."),
    passage("treaty/art-22", "Each Party shall establish jurisdiction over offences committed in its territory."),
]


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("point of contact available around the clock", "treaty/art-35"),
        ("jurisdiction over offences in its territory", "treaty/art-22"),
        ("illegal access to a computer system", "treaty/art-2"),
    ],
)
def test_bm25_ranks_the_obvious_passage_first(query: str, expected_first: str) -> None:
    assert BM25System(FIVE_PASSAGES).search(query, k=5)[0][0] == expected_first


def test_bm25_returns_one_result_per_unit_with_its_best_passage_id() -> None:
    results = BM25System(FIVE_PASSAGES).search("expedited preservation of stored computer data", k=5)
    ids = [pid for pid, _ in results]
    assert ids[0] == "treaty/art-16/1"
    assert "treaty/art-16/2" not in ids  # it matches "preservation" too, but art-16 is already in
    assert [s for _, s in results] == sorted((s for _, s in results), reverse=True)


def test_bm25_searches_headings_too() -> None:
    assert [pid for pid, _ in BM25System(FIVE_PASSAGES).search("expedited", k=5)] == ["treaty/art-16/1"]


def test_bm25_keeps_single_digit_numbers() -> None:
    # Same length once "7" is dropped, so only the number can put s-2 first.
    passages = [passage("act/s-1", "A period of 90 days applies."),
                passage("act/s-2", "A period of 7 days applies to orders.")]
    assert BM25System(passages).search("7 days", k=2)[0][0] == "act/s-2"


def test_bm25_returns_nothing_when_no_query_term_is_indexed() -> None:
    assert BM25System(FIVE_PASSAGES).search("zebra the of", k=5) == []


def test_bm25_returns_nothing_for_a_query_of_punctuation_alone() -> None:
    assert BM25System(FIVE_PASSAGES).search("§ ?", k=5) == []


def test_bm25_fills_k_units_when_the_best_passages_all_belong_to_one_unit() -> None:
    # 60 passages of one unit outscore everything else: grouping must read past the first 20·k candidates.
    passages = [passage(f"act/s-1/{i}", "preservation order preservation order") for i in range(60)]
    passages += [passage(f"act/s-{n}", f"a preservation order under section {n}") for n in range(2, 5)]
    assert [pid.split("/")[1] for pid, _ in BM25System(passages).search("preservation order", k=2)] == ["s-1", "s-2"]


def test_bm25_scores_copies_of_a_text_alike_and_ranks_them_in_corpus_order() -> None:
    copies = [passage(f"act/s-{n}", "The preservation order may last up to ninety days.") for n in range(1, 4)]
    results = BM25System([*FIVE_PASSAGES, *copies]).search("ninety days", k=4)
    assert [pid for pid, _ in results] == ["treaty/art-16/2", "act/s-1", "act/s-2", "act/s-3"]
    assert len({score for _, score in results}) == 1


def test_bm25_refuses_an_empty_corpus() -> None:
    with pytest.raises(InvalidInput, match="ingest the corpus first"):
        BM25System([])


class StubSearcher:
    """Stands in for index.search.Searcher: the adapter only needs search(), passages() and warm_up()."""

    def __init__(self) -> None:
        self.warmed = False
        self.modes: list[str] = []

    def warm_up(self) -> None:
        self.warmed = True

    def search(self, query: str, k: int = 10, filters=None, mode: str = "hybrid") -> list[SimpleNamespace]:
        self.modes.append(mode)
        return [SimpleNamespace(passage=p, score=0.5, via=mode) for p in FIVE_PASSAGES[:k]]

    def passages(self, filters=None) -> list[Passage]:
        return FIVE_PASSAGES


def test_build_systems_wraps_search_modes_and_bm25_in_the_order_given() -> None:
    searcher = StubSearcher()
    systems = build_systems(searcher, ["bm25", "dense", "hybrid"])
    assert [s.name for s in systems] == ["bm25", "dense", "hybrid"]
    assert searcher.warmed
    assert systems[1].search("anything", k=2) == [("treaty/art-2", 0.5), ("treaty/art-16/1", 0.5)]
    assert searcher.modes == ["dense"]


@pytest.mark.parametrize("build", [lambda: build_systems(StubSearcher(), ["hybrid", "bm42"]),
                                   lambda: SearcherSystem(StubSearcher(), "bm42")])
def test_unknown_system_name_lists_the_valid_ones(build) -> None:
    with pytest.raises(InvalidInput, match="'bm42'.*hybrid, dense, sparse"):
        build()


def test_queries_with_a_style_are_also_scored_by_style(tmp_path: Path) -> None:
    queries = tmp_path / "q.jsonl"
    rows = [json.loads(line) for line in QUERIES.read_text().splitlines()]
    styles = {"q1": "lay", "q2": "definition", "q3": "lay"}
    queries.write_text("".join(json.dumps({**row, "style": styles[row["id"]]}) + "\n" for row in rows))
    result = run_eval(queries, QRELS, [FixedSystem("fixed", TINY_RUN)])
    assert result.groups["style:lay"] == ["q1", "q3"] and result.groups["style:definition"] == ["q2"]
    lay = result.systems[0].scores["style:lay"]["nDCG@10"]
    assert lay == pytest.approx((NDCG["q1"] + NDCG["q3"]) / 2)
    assert result.groups["obligation"] == ["q1", "q3"]  # the kinds are kept


def test_dev2_queries_carry_their_style() -> None:
    styles = {q.style for q in load_queries(SETS_DIR / "dev2.jsonl")}
    assert styles == {"lay", "named", "definition", "comparative", "intl", "crosslingual", "citation"}
