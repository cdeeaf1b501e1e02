"""The harness: load queries and qrels, run each system once per query, write TREC runs, score, report."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cyberlex.corpus.errors import InvalidInput, NotFound
from cyberlex.evals.baselines import System
from cyberlex.evals.metrics import MEASURE_NAMES, OVERALL, Qrels, aggregate, query_groups, score_queries
from cyberlex.evals.report import write_report

# The development sets that ship with cyberlex: NAME.jsonl (queries) and NAME.qrels (judgements).
SETS_DIR = Path(__file__).with_name("sets")
SETS = ("dev", "dev2")

Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    kind: str = OVERALL
    style: str = ""  # how the question is put (dev2: lay, named, definition, ...); "" when the set has none


@dataclass(frozen=True)
class SystemResult:
    name: str
    scores: dict[str, dict[str, float]]  # group ("all" or a kind) -> measure -> mean
    per_query: dict[str, dict[str, float]]  # judged query id -> measure -> value
    returned: dict[str, Ranking]  # query id -> raw (provision id, score), best first
    latency_ms: dict[str, float]  # "p50", "p95" of search() wall time

    def to_dict(self) -> dict:
        return {"scores": self.scores, "latency_ms": self.latency_ms, "per_query": self.per_query}


@dataclass(frozen=True)
class EvalResult:
    queries_path: str
    qrels_path: str
    k: int
    queries: tuple[Query, ...]
    qrels: Qrels  # only the judgements of the loaded queries
    groups: dict[str, list[str]]  # group -> judged query ids
    systems: tuple[SystemResult, ...]

    @property
    def unjudged(self) -> list[str]:
        return [q.id for q in self.queries if q.id not in self.qrels]

    def to_dict(self) -> dict:
        return {
            "queries": self.queries_path,
            "qrels": self.qrels_path,
            "k": self.k,
            "measures": list(MEASURE_NAMES),
            "groups": {group: len(qids) for group, qids in self.groups.items()},
            "unjudged": self.unjudged,
            "systems": {s.name: s.to_dict() for s in self.systems},
        }


def _lines(path: Path, what: str) -> list[tuple[int, str]]:
    """Numbered non-blank lines of ``path``."""
    if not path.is_file():
        raise NotFound(f"{what} file {str(path)!r} does not exist")
    return [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.strip()]


def load_queries(path: Path) -> list[Query]:
    """JSONL, one ``{"id", "query", "kind"?, "style"?}`` a line (the format of ``evals/sets/dev.jsonl``)."""
    queries: dict[str, Query] = {}
    for n, line in _lines(path, "queries"):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}:{n}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise InvalidInput(f"{path}:{n}: expected an object with id, query and optional kind")
        fields = {"id": row.get("id"), "query": row.get("query"), "kind": row.get("kind", OVERALL)}
        if "style" in row:
            fields["style"] = row["style"]
        bad = [name for name, value in fields.items() if not isinstance(value, str) or not value.strip()]
        if bad:
            raise InvalidInput(f"{path}:{n}: {', '.join(bad)} must be a non-empty string")
        if fields["id"] in queries:
            raise InvalidInput(f"{path}:{n}: duplicate query id {fields['id']!r}")
        queries[fields["id"]] = Query(fields["id"], fields["query"], fields["kind"], fields.get("style", ""))
    if not queries:
        raise InvalidInput(f"{path}: no queries")
    return list(queries.values())


def load_qrels(path: Path) -> Qrels:
    """TREC qrels, ``QUERY_ID 0 PROVISION_ID GRADE`` a line (the format of ``evals/sets/dev.qrels``)."""
    qrels: Qrels = {}
    for n, line in _lines(path, "qrels"):
        fields = line.split()
        if len(fields) != 4 or not fields[3].lstrip("-").isdigit():
            raise InvalidInput(
                f"{path}:{n}: expected 'QUERY_ID 0 PROVISION_ID GRADE' with an integer grade, got {line!r}"
            )
        qid, _, pid, grade = fields
        if pid in qrels.setdefault(qid, {}):
            raise InvalidInput(f"{path}:{n}: {pid!r} is judged twice for query {qid!r}")
        qrels[qid][pid] = int(grade)
    return qrels


def write_run(path: Path, system: str, returned: Mapping[str, Ranking]) -> None:
    """A TREC run, ``QUERY_ID Q0 PROVISION_ID RANK SCORE SYSTEM``, with the ids as the system returned them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for qid, ranking in returned.items():
            for rank, (pid, score) in enumerate(ranking, 1):
                out.write(f"{qid} Q0 {pid} {rank} {score:.6f} {system}\n")


def _run_system(system: System, queries: Sequence[Query], k: int) -> tuple[dict[str, Ranking], dict[str, float]]:
    """Every query's top ``k``, and p50/p95 latency in ms after one untimed warm-up query."""
    system.search(queries[0].text, k)
    returned, seconds = {}, []
    for query in queries:
        start = time.perf_counter()
        returned[query.id] = system.search(query.text, k)[:k]
        seconds.append(time.perf_counter() - start)
    p50, p95 = np.percentile(seconds, [50, 95]) * 1000
    return returned, {"p50": float(p50), "p95": float(p95)}


def _check_names(systems: Sequence[System]) -> None:
    """Names become file names and a TREC column: they must be unique, with no blanks or slashes."""
    names = [s.name for s in systems]
    if not names:
        raise InvalidInput("no systems to evaluate; give at least one")
    for name in names:
        if not name or any(c.isspace() or c in "/\\" for c in name) or names.count(name) > 1:
            raise InvalidInput(f"system name {name!r} must be unique and free of blanks and slashes; got {names}")


def run_eval(
    queries_path: Path,
    qrels_path: Path,
    systems: Sequence[System],
    run_out: Path | None = None,
    report: Path | None = None,
    k: int = 10,
) -> EvalResult:
    """Runs and scores every system; writes ``run_out/<system>.trec`` and the report (.md, .json, .png) when asked."""
    _check_names(systems)
    queries = load_queries(Path(queries_path))
    all_qrels = load_qrels(Path(qrels_path))
    qrels = {q.id: all_qrels[q.id] for q in queries if q.id in all_qrels}
    if not qrels:
        raise InvalidInput(f"none of the queries in {queries_path} is judged in {qrels_path}")
    groups = query_groups(qrels, {q.id: q.kind for q in queries}, {q.id: q.style for q in queries})
    results = []
    for system in systems:
        returned, latency = _run_system(system, queries, k)
        if run_out is not None:
            write_run(Path(run_out) / f"{system.name}.trec", system.name, returned)
        per_query = score_queries({qid: [pid for pid, _ in ranking] for qid, ranking in returned.items()}, qrels)
        results.append(SystemResult(system.name, aggregate(per_query, groups), per_query, returned, latency))
    result = EvalResult(str(queries_path), str(qrels_path), k, tuple(queries), qrels, groups, tuple(results))
    if report is not None:
        write_report(result, Path(report))
    return result
