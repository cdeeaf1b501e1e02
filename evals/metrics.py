"""Scoring as ``evals/sets/README.md`` defines it: map returned ids onto judged ones, then ir_measures.

Qrels judge provisions at whatever depth the assessor chose (``art-29`` or ``art-29/3``), while a system returns
the most specific id of each passage; so each returned id is credited to the judged id it lies under, and a
provision returned as several passages counts once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from statistics import fmean

import ir_measures
from ir_measures import RR, R, P, nDCG

from cyberlex.corpus.model import within

MEASURES = (nDCG @ 10, R @ 10, RR @ 10, P @ 1)
MEASURE_NAMES = tuple(str(m) for m in MEASURES)
OVERALL = "all"

Qrels = dict[str, dict[str, int]]  # query id -> provision id -> grade


def judged_id_for(provision_id: str, judged: Iterable[str]) -> str | None:
    """The most specific judged id that is ``provision_id`` or encloses it on a "/" boundary, if any."""
    covering = [j for j in judged if within(provision_id, j)]
    return max(covering, key=len, default=None)


def map_to_judged(returned: Iterable[str], judged: Iterable[str]) -> list[str]:
    """Replace each returned id by the judged id it falls under (unjudged ids stay), keeping first occurrences."""
    judged = tuple(judged)
    return list(dict.fromkeys(judged_id_for(pid, judged) or pid for pid in returned))


def score_queries(returned: Mapping[str, list[str]], qrels: Qrels) -> dict[str, dict[str, float]]:
    """Per judged query, every measure of ``MEASURES``; a judged query with nothing returned scores zero."""
    run = {}
    for qid, ids in returned.items():
        if qid in qrels:
            mapped = map_to_judged(ids, qrels[qid])
            # Scores that fall with rank, so ir_measures (which sorts by score) keeps the system's order.
            run[qid] = {pid: float(len(mapped) - rank) for rank, pid in enumerate(mapped)}
    judgements = [ir_measures.Qrel(qid, pid, grade) for qid, grades in qrels.items() for pid, grade in grades.items()]
    values: dict[str, dict[str, float]] = {qid: {} for qid in qrels}
    for metric in ir_measures.iter_calc(MEASURES, judgements, run):
        values[metric.query_id][str(metric.measure)] = metric.value
    return values


def query_groups(
    qids: Iterable[str], kinds: Mapping[str, str], styles: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """``"all"`` holds every query; each other kind its own queries (queries without a kind are only in ``"all"``);
    then each style (how the question is put: lay, named, ...) under ``"style:NAME"``, where queries have one."""
    groups: dict[str, list[str]] = {OVERALL: list(qids)}
    for qid in groups[OVERALL]:
        if kinds[qid] != OVERALL:
            groups.setdefault(kinds[qid], []).append(qid)
    for qid in groups[OVERALL]:
        if style := (styles or {}).get(qid):
            groups.setdefault(f"style:{style}", []).append(qid)
    return groups


def aggregate(
    per_query: Mapping[str, Mapping[str, float]], groups: Mapping[str, list[str]]
) -> dict[str, dict[str, float]]:
    """Mean of each measure over the queries of each group."""
    return {
        group: {name: fmean(per_query[qid][name] for qid in qids) for name in MEASURE_NAMES}
        for group, qids in groups.items()
    }
