"""How well the deontic tagger (ingest/deontic.py) agrees with hand labels: ``python -m evals.obligations``.

``data/obligation_labels.jsonl`` holds provisions and paragraphs of several instruments, one a line:
``{"provision_id", "force": [...], "addressees": [...], "split"}``, labelled by reading the text, under
the decisions written at the top of ingest/deontic.py. ``split`` is ``dev`` for the labels the rules were
tuned against and ``heldout`` for labels written afterwards and never used to change a rule: the held-out
scores are the honest estimate. Each labelled id is tagged from the text of its blocks (a paragraph with
its points, or a whole provision) and scored per tag, then micro-averaged.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cyberlex.corpus.catalog import Catalog, load_catalog
from cyberlex.corpus.errors import NotFound
from cyberlex.corpus.model import Provision, ProvisionId
from cyberlex.settings import Settings
from cyberlex.ingest.deontic import ADDRESSEES, FORCES, Tags, tag
from cyberlex.ingest.pipeline import parse_instrument

LABELS = Path(__file__).with_name("data") / "obligation_labels.jsonl"


@dataclass(frozen=True)
class Label:
    provision_id: str
    force: tuple[str, ...]
    addressees: tuple[str, ...]
    split: str = "dev"


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_labels(path: Path = LABELS) -> list[Label]:
    labels = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            force, addressees = tuple(raw["force"]), tuple(raw["addressees"])
            labels.append(Label(raw["provision_id"], force, addressees, raw.get("split", "dev")))
    return labels


def predict(labels: Iterable[Label], catalog: Catalog, corpus_dir: Path) -> dict[str, Tags]:
    """Tag every labelled id, parsing each instrument once."""
    labels = list(labels)
    provisions: dict[str, Provision] = {}
    for instrument_id in sorted({ProvisionId.parse(label.provision_id).instrument for label in labels}):
        instrument = catalog.get(instrument_id)
        provisions.update((p.id, p) for p in parse_instrument(corpus_dir / instrument.file, instrument).provisions)
    return {label.provision_id: _tag_id(label.provision_id, provisions) for label in labels}


def _tag_id(provision_id: str, provisions: dict[str, Provision]) -> Tags:
    asked = ProvisionId.parse(provision_id)
    provision, sub = provisions.get(asked.unit_id), asked.sub
    blocks = [b for b in provision.blocks if b.sub[: len(sub)] == sub] if provision else []
    if not provision or not blocks:
        raise NotFound(f"labelled id {provision_id!r} is not among the parsed provisions")
    return tag("\n".join(b.text for b in blocks), provision.heading, provision.unit.split("-")[0])


def score(labels: Iterable[Label], predicted: dict[str, Tags]) -> dict[str, Score]:
    """Per-tag counts, plus ``micro-force``, ``micro-addressees`` and ``micro-all``."""
    counts = {name: [0, 0, 0] for name in (*FORCES, *ADDRESSEES)}
    for label in labels:
        tags = predicted[label.provision_id]
        for gold, guess in ((set(label.force), set(tags.force)), (set(label.addressees), set(tags.addressees))):
            for name in gold & guess:
                counts[name][0] += 1
            for name in guess - gold:
                counts[name][1] += 1
            for name in gold - guess:
                counts[name][2] += 1
    scores = {name: Score(*c) for name, c in counts.items()}
    groups = (("micro-force", FORCES), ("micro-addressees", ADDRESSEES), ("micro-all", (*FORCES, *ADDRESSEES)))
    for group, names in groups:
        scores[group] = Score(*(sum(counts[n][i] for n in names) for i in range(3)))
    return scores


def format_report(scores: dict[str, Score]) -> str:
    lines = [f"{'tag':18} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}"]
    for name, s in scores.items():
        lines.append(f"{name:18} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.tp:4d} {s.fp:4d} {s.fn:4d}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--errors", action="store_true", help="also list each id where tags and labels differ")
    args = parser.parse_args(argv)
    labels = load_labels(args.labels)
    predicted = predict(labels, load_catalog(), Settings().corpus_dir)
    for split in sorted({label.split for label in labels}) + ["all"]:
        chosen = [label for label in labels if split in ("all", label.split)]
        print(f"\n{split}: {len(chosen)} labelled provisions and paragraphs")
        print(format_report(score(chosen, predicted)))
    if args.errors:
        for label in labels:
            tags = predicted[label.provision_id]
            if set(tags.force) != set(label.force) or set(tags.addressees) != set(label.addressees):
                print(f"{label.provision_id}: gold {list(label.force)} {list(label.addressees)}"
                      f" | got {list(tags.force)} {list(tags.addressees)}")


if __name__ == "__main__":
    main()
