"""How well related provisions (index/legal.py) find known counterparts: ``python -m evals.related``.

``data/concordance.tsv`` groups, one topic a line, provisions of different instruments that deal with the
same thing (illegal access: Budapest art. 2, Kenya s. 14, CFAA § 1030(a)(2), ...), written by hand. Every
concordance provision is a query; the provisions sharing a line with it from other instruments are its
relevant set, taken at unit level since related provisions are computed per unit (``s-1030/a/2`` counts
through ``s-1030``). Scored with ir_measures: R@5 (the headline), Success@5 and RR@10.

By default the legal index ``cyberlex ingest`` built (``CYBERLEX_DATA_DIR/legal.json``) is scored.
``--compare`` parses the corpus instead and scores each combination of signals; the shipped one is the
combination with the best R@5, chosen once over the whole concordance, with no per-pair adjustment.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from statistics import fmean

import ir_measures
from ir_measures import RR, R, Success

from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.errors import NotFound
from cyberlex.corpus.model import Passage, ProvisionId
from cyberlex.index.embedders import DenseEncoder
from cyberlex.index.legal import RELATED_K, SIGNALS, legal_path, load_legal_index, related_units
from cyberlex.settings import Settings
from cyberlex.ingest.convert import Budget
from cyberlex.ingest.pipeline import parse_instrument, resolve_sources
from cyberlex.ingest.references import known_ids_of

CONCORDANCE = Path(__file__).with_name("data") / "concordance.tsv"
MEASURES = (R @ 5, Success @ 5, RR @ 10)
VARIANTS = (("dense",), ("lexical",), ("dense", "headings"), ("dense", "lexical"), SIGNALS)

Qrels = dict[str, set[str]]  # unit id -> unit ids of its counterparts in other instruments


def load_concordance(path: Path = CONCORDANCE) -> dict[str, list[str]]:
    """Topic → provision ids, as written."""
    topics = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            topic, _, ids = line.partition("\t")
            if not ids.split():
                raise NotFound(f"{path}:{n}: topic {topic!r} lists no provision ids (TOPIC<TAB>id id ...)")
            topics[topic] = ids.split()
    return topics


def counterparts(topics: Mapping[str, Sequence[str]]) -> Qrels:
    """Each provision's unit → the units of other instruments it shares a topic with (over all its topics)."""
    qrels: Qrels = defaultdict(set)
    for ids in topics.values():
        units = [ProvisionId.parse(i) for i in ids]
        for unit in units:
            qrels[unit.unit_id] |= {u.unit_id for u in units if u.instrument != unit.instrument}
    return {unit: found for unit, found in qrels.items() if found}


def check_ids(topics: Mapping[str, Sequence[str]], known_ids: Iterable[str]) -> None:
    """Raises NotFound naming every concordance id the index does not produce."""
    known = set(known_ids)
    missing = sorted({i for ids in topics.values() for i in ids if i not in known})
    if missing:
        raise NotFound(f"concordance ids missing from the index: {', '.join(missing)}")


def score(related: Mapping[str, Sequence[str]], qrels: Qrels) -> dict[str, float]:
    """Mean of each measure over the queries; a query with no related list scores zero."""
    run = {q: {u: float(len(related.get(q, [])) - rank) for rank, u in enumerate(related.get(q, []))} for q in qrels}
    judged = [ir_measures.Qrel(q, u, 1) for q, units in qrels.items() for u in units]
    values: dict[str, list[float]] = defaultdict(list)
    for metric in ir_measures.iter_calc(MEASURES, judged, {q: r for q, r in run.items() if r}):
        values[str(metric.measure)].append(metric.value)
    return {str(m): sum(values[str(m)]) / len(qrels) for m in MEASURES}


def misses(related: Mapping[str, Sequence[str]], qrels: Qrels, depth: int = 5) -> dict[str, list[str]]:
    """Counterparts not among a query's first ``depth`` related units."""
    return {q: sorted(units - set(related.get(q, [])[:depth])) for q, units in qrels.items()
            if units - set(related.get(q, [])[:depth])}


def corpus_passages(settings: Settings) -> tuple[list[Passage], set[str]]:
    """Every passage of the catalogued corpus and every id its provisions produce."""
    passages: list[Passage] = []
    known: set[str] = set()
    for path, instrument in resolve_sources(load_catalog(), settings.corpus_dir):
        parsed = parse_instrument(path, instrument, Budget.of(settings))
        passages += parsed.passages
        known |= known_ids_of(parsed.provisions)
    return passages, known


def _table(rows: Mapping[str, Mapping[str, float]]) -> str:
    names = [str(m) for m in MEASURES]
    width = max(len(label) for label in rows)
    lines = [f"{'signals':{width}} " + " ".join(f"{n:>10}" for n in names)]
    lines += [f"{label:{width}} " + " ".join(f"{values[n]:10.3f}" for n in names) for label, values in rows.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concordance", type=Path, default=CONCORDANCE)
    parser.add_argument("--compare", action="store_true", help="score each combination of signals over the corpus")
    parser.add_argument("--misses", action="store_true", help="list the counterparts missed in the top 5")
    args = parser.parse_args(argv)
    settings = Settings()
    topics = load_concordance(args.concordance)
    qrels = counterparts(topics)
    print(f"{len(topics)} topics, {sum(len(ids) for ids in topics.values())} provisions, {len(qrels)} queries")
    if args.compare:
        passages, known = corpus_passages(settings)
        check_ids(topics, known)
        encoder = DenseEncoder(settings)
        rows, related = {}, {}
        for signals in VARIANTS:
            found = related_units(passages, encoder, load_catalog(), RELATED_K, signals)
            related = {q: [u for u, _ in found.get(q, [])] for q in qrels}
            rows[" + ".join(signals)] = score(related, qrels)
        encoder.close()
    else:
        legal = load_legal_index(legal_path(settings))
        check_ids(topics, set().union(*(s.known_ids for s in legal.sections.values())))
        related = {q: [r.unit.id for r in legal.related(q)] if q in legal.units else [] for q in qrels}
        rows = {" + ".join(SIGNALS) + " (legal.json)": score(related, qrels)}
    print(_table(rows))
    if args.misses:
        for query, missed in misses(related, qrels).items():
            print(f"{query}: top 5 {related.get(query, [])[:5]} misses {missed}")
    print(f"mean counterparts per query: {fmean(len(u) for u in qrels.values()):.2f} (R@5 is below 1 by construction"
          " when a query has more than 5)")


if __name__ == "__main__":
    main()
