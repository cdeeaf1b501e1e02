"""Presenting an ``EvalResult``: a terminal table, and a report (Markdown + JSON + bar chart PNG) on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from cyberlex.evals.metrics import MEASURE_NAMES

if TYPE_CHECKING:
    from cyberlex.evals.run import EvalResult

WORST = 10  # queries listed in the report's "worst queries" section
LATENCIES = ("p50", "p95")


def _rows(result: EvalResult) -> list[tuple[str, str, list[float]]]:
    """(group label, measure, one value per system) for every group and measure."""
    return [
        (f"{group} ({len(qids)})", name, [s.scores[group][name] for s in result.systems])
        for group, qids in result.groups.items()
        for name in MEASURE_NAMES
    ]


def _best(value: float, values: list[float]) -> bool:
    """Worth highlighting: the row's maximum, when the systems differ at all."""
    return value == max(values) > min(values)


def render_table(result: EvalResult) -> Table:
    """Systems side by side as columns; one row per (query group, measure), the best value of a row in bold."""
    table = Table(title=f"Retrieval quality, top {result.k} ({result.queries_path})")
    table.add_column("queries")
    table.add_column("measure")
    for system in result.systems:
        table.add_column(system.name, justify="right")
    rows = _rows(result)
    for i, (group, name, values) in enumerate(rows):
        cells = [f"[bold]{v:.3f}[/bold]" if _best(v, values) else f"{v:.3f}" for v in values]
        last_of_group = i + 1 == len(rows) or rows[i + 1][0] != group
        table.add_row(group if name == MEASURE_NAMES[0] else "", name, *cells, end_section=last_of_group)
    for stat in LATENCIES:
        cells = [f"{s.latency_ms[stat]:.1f}" for s in result.systems]
        table.add_row("latency" if stat == LATENCIES[0] else "", f"{stat} ms", *cells)
    return table


def print_table(result: EvalResult, console: Console | None = None) -> None:
    (console or Console()).print(render_table(result))


def worst_queries(result: EvalResult, n: int = WORST) -> list[str]:
    """Ids of the first system's judged queries with the lowest nDCG@10 (file order breaks ties)."""
    per_query = result.systems[0].per_query
    return sorted(per_query, key=lambda qid: per_query[qid][MEASURE_NAMES[0]])[:n]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(result: EvalResult, chart: str | None = None) -> str:
    """The report; ``chart`` is the bar chart's file name, relative to the report."""
    names = [s.name for s in result.systems]
    lines = [
        "# Retrieval evaluation",
        "",
        f"Queries `{result.queries_path}` ({len(result.queries)}, {len(result.qrels)} judged), "
        f"qrels `{result.qrels_path}`, top {result.k} per query. Returned provisions are credited to the judged "
        "provision they lie under, once each (see `evals/README.md`). Best value of each row in bold.",
        "",
        "## Scores",
        "",
        f"| queries | measure | {' | '.join(names)} |",
        f"| --- | --- |{' ---: |' * len(names)}",
    ]
    for group, name, values in _rows(result):
        cells = [f"**{v:.3f}**" if _best(v, values) else f"{v:.3f}" for v in values]
        lines.append(f"| {group} | {name} | {' | '.join(cells)} |")
    lines += ["", "## Latency of search(), ms per query (after one warm-up query)", "",
              f"| | {' | '.join(names)} |", f"| --- |{' ---: |' * len(names)}"]
    for stat in LATENCIES:
        lines.append(f"| {stat} | {' | '.join(f'{s.latency_ms[stat]:.1f}' for s in result.systems)} |")
    if chart:
        lines += ["", f"![{', '.join(MEASURE_NAMES)} per system and query kind]({chart})"]
    first = result.systems[0]
    texts = {q.id: q for q in result.queries}
    lines += ["", f"## Worst queries of {first.name} (lowest {MEASURE_NAMES[0]})", "",
              f"| query | kind | {MEASURE_NAMES[0]} | returned at rank 1 | judged (grade) |",
              "| --- | --- | ---: | --- | --- |"]
    for qid in worst_queries(result):
        ranking = first.returned.get(qid) or [("(nothing)", 0.0)]
        by_grade = sorted(result.qrels[qid].items(), key=lambda judged: -judged[1])
        judged = ", ".join(f"`{pid}` ({grade})" for pid, grade in by_grade)
        lines.append(
            f"| {qid}: {_md(texts[qid].text)} | {texts[qid].kind} | {first.per_query[qid][MEASURE_NAMES[0]]:.3f} "
            f"| `{ranking[0][0]}` | {judged} |"
        )
    if result.unjudged:
        lines += ["", f"Not scored (no judgements): {', '.join(result.unjudged)}."]
    return "\n".join(lines) + "\n"


def write_chart(result: EvalResult, path: Path) -> None:
    """One panel per measure; in each, bars per system for every query group."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = list(result.groups)
    width = 0.8 / len(result.systems)
    fig, axes = plt.subplots(2, (len(MEASURE_NAMES) + 1) // 2, figsize=(12, 8), squeeze=False)
    for ax, name in zip(axes.flat, MEASURE_NAMES):
        for i, system in enumerate(result.systems):
            xs = [g + (i - (len(result.systems) - 1) / 2) * width for g in range(len(groups))]
            ax.bar(xs, [system.scores[group][name] for group in groups], width, label=system.name)
        ax.set_title(name)
        ax.set_ylim(0, 1)
        ax.set_xticks(range(len(groups)), [f"{g}\n({len(result.groups[g])})" for g in groups], fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    axes.flat[0].legend()
    fig.suptitle(f"Retrieval quality per query kind, top {result.k}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(result: EvalResult, path: Path) -> None:
    """``path`` (Markdown), and beside it ``.json`` (``EvalResult.to_dict()``) and ``.png`` (the bar chart)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chart = path.with_suffix(".png")
    write_chart(result, chart)
    path.with_suffix(".json").write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    path.write_text(to_markdown(result, chart.name), encoding="utf-8")
