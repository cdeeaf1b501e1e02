"""Adapt the embedder to legal text with pairs the corpus itself provides, no hand-labelled data.

Each pair is (anchor, positive): something a user might type, and the passage text (in the form the index
embeds, ``embedding_text``) that answers it. The anchor's own words are taken out of the positive where the
index would otherwise match them verbatim (the heading, the anchor sentence), so the model
learns to reach the content rather than to spot a copy of the query:

- ``heading``: a provision's heading → each of its passages;
- ``term``: a defined term ("traffic data") → its definition;
- ``sentence``: the first sentence of a paragraph → the rest of its passage (the inverse cloze task).

Two more kinds were tried and left out because they made dense retrieval worse at the same budget: a heading →
each single paragraph of its provision, and a chapter or section title → a member provision (both too loose).

Fine-tuning uses sentence-transformers' trainer with in-batch negatives on the CPU; the result lands in a
directory named by a hash of everything that shaped it, so the index keys its vectors by a new model identity.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cyberlex.corpus.errors import InvalidInput
from cyberlex.corpus.model import Block, Passage, Provision
from cyberlex.index.embedders import embedding_text
from cyberlex.index.onnx_backend import model_identity, require_model_dir
from cyberlex.settings import TRAINING_RECIPE, Settings
from cyberlex.ingest.definitions import Definition, extract_definitions
from cyberlex.ingest.pipeline import Parsed

# Bump when pair construction or the training loop changes: the model directory name follows it.
TRAINING_CODE_VERSION = "4"  # 4: the segmenter cuts run-on short-form definitions, text_ends cuts page furniture
GENERIC_HEADING_MIN_COUNT = 4  # a heading this common ("Definitions") names no provision without its instrument
SHORT_TITLE_RATE = 0.25  # share of the other headings that are also trained with the instrument's short title
MIN_POSITIVE_CHARS = 40

UNIT_WORDS = re.compile(
    r"\b(?:art(?:icle)?|arts|s|sec(?:tion)?|chapter|part|title|rule|recital|annex|para(?:graph)?|"
    r"sub-?section|schedule)\b|§|[第条項章節款号]|มาตรา|المادة|\b[ivxlcdm]+\b|[\d๐-๙٠-٩]+",
    re.IGNORECASE,
)
NUMBERING = re.compile(r"^(?:\s*(?:\(?[0-9a-zA-Z๐-๙]{1,5}[.)]|\*\d+\*|มาตรา\s*[\d๐-๙]+|—|-)\s+)+")
THAI = re.compile(r"[\u0e00-\u0e7f]")
SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+(?=[(“\"‘]?[^\W\d_])|(?<=。)")


@dataclass(frozen=True)
class HyperParams:
    """Everything besides the pairs and the base model that changes the trained weights."""

    epochs: int = 1
    batch_size: int = 32
    lr: float = 5e-5  # beat 2e-5 on dense retrieval at 4,000 pairs, with and without the dropped pair kinds
    seed: int = 42
    max_pairs: int = 4000
    warmup_ratio: float = 0.1
    max_seq_length: int = 128  # tokens per text while training only; the saved model keeps the base's limit

    def __post_init__(self) -> None:
        limits = {
            "epochs": (self.epochs, 1, 100), "batch_size": (self.batch_size, 2, 4096), "lr": (self.lr, 1e-7, 1e-2),
            "max_pairs": (self.max_pairs, self.batch_size, 10_000_000), "max_seq_length": (self.max_seq_length, 8, 512),
        }
        for name, (value, low, high) in limits.items():
            if not low <= value <= high:
                raise InvalidInput(f"{name}={value!r} is out of range; valid: {low} to {high}")


# What `cyberlex ingest` trains when Settings.adapt is on: 1,600 pairs gained about what 4,000 did (dev hybrid nDCG@10 +0.013
# to +0.015, dev2 +0.001 to +0.006 over two seeds) in 40% of the time, three to four minutes on two cores
# (docs/retrieval.md).
ADAPT_PARAMS = HyperParams(max_pairs=1600)


# ---------------------------------------------------------------- pairs


def training_pairs(parsed: Iterable[Parsed], seed: int) -> list[tuple[str, str]]:
    """(anchor, positive) pairs of every kind, deduplicated and shuffled with ``seed``."""
    return [(anchor, positive) for _, anchor, positive in labelled_pairs(parsed, seed)]


def labelled_pairs(parsed: Iterable[Parsed], seed: int) -> list[tuple[str, str, str]]:
    """(kind, anchor, positive) triples: ``training_pairs`` with the kind kept, for counting."""
    rng = random.Random(seed)
    instruments = list(parsed)
    generic = _generic_headings(instruments)
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str, str]] = []
    for item in instruments:
        by_unit: dict[str, list[Passage]] = {}
        for passage in item.passages:
            by_unit.setdefault(passage.unit_id, []).append(passage)
        triples = (
            triple
            for provision in item.provisions
            if (passages := by_unit.get(provision.id))
            for triple in _provision_pairs(provision, passages, item.instrument.short_title, generic, rng)
        )
        for kind, anchor, positive in triples:
            anchor = anchor.strip()
            if _trivial(anchor) or len(positive) < MIN_POSITIVE_CHARS or (anchor, positive) in seen:
                continue
            seen.add((anchor, positive))
            out.append((kind, anchor, positive))
    rng.shuffle(out)
    return out


def _generic_headings(instruments: list[Parsed]) -> set[str]:
    counts = Counter(p.heading.strip().lower() for item in instruments for p in item.provisions if p.heading)
    return {h for h, n in counts.items() if n >= GENERIC_HEADING_MIN_COUNT}


def _provision_pairs(
    provision: Provision, passages: list[Passage], short_title: str, generic: set[str], rng: random.Random
) -> Iterator[tuple[str, str, str]]:
    heading = provision.heading.strip().rstrip(".")
    if heading:
        qualified = heading.lower() in generic or rng.random() < SHORT_TITLE_RATE
        anchor = f"{heading} — {short_title}" if qualified else heading
        for passage in passages:
            yield "heading", anchor, embedding_text(replace(passage, heading=""))
    definitions = extract_definitions([provision])
    for passage in passages:
        for definition in _starting_in(passage, definitions):
            yield "term", definition.term, embedding_text(replace(passage, text=definition.text))
        yield from _sentence_pairs(passage, provision.blocks)


def _in_passage(passage: Passage, blocks: Sequence[Block]) -> list[Block]:
    return [b for b in blocks if passage.start <= b.start and b.end <= passage.end and b.text in passage.text]


def _starting_in(passage: Passage, definitions: Sequence[Definition]) -> list[Definition]:
    """The definitions whose first line is in the passage; the positive is the whole definition, which may run
    on into the provision's next passage."""
    return [d for d in definitions if d.text.split("\n", 1)[0] in passage.text]


def _sentence_pairs(passage: Passage, blocks: Sequence[Block]) -> Iterator[tuple[str, str, str]]:
    """The first sentence of each paragraph starting in the passage → the passage without that sentence."""
    for block in _in_passage(passage, blocks):
        if block.sub and len(block.sub) > 1:
            continue  # points are too short to stand for a query
        sentence = _first_sentence(block.text)
        body = NUMBERING.sub("", sentence).strip()
        if not 25 <= len(body) <= 300 or body.endswith((":", "—", "-")) or not _mostly_words(body):
            continue
        rest = passage.text.replace(sentence, "", 1).strip()
        yield "sentence", body, embedding_text(replace(passage, text=rest))


def _mostly_words(text: str) -> bool:
    """False for references and numbers ("OJ L 178, 17.7.2000, p. 1."), which no one searches for."""
    letters = sum(c.isalpha() for c in text)
    return letters >= 0.7 * len(re.sub(r"\s", "", text))


def _first_sentence(text: str) -> str:
    """Up to the first sentence end; Thai marks the end of a sentence with a space rather than a stop."""
    head = SENTENCE_END.split(text, maxsplit=1)[0]
    if len(head) > 300 and THAI.search(head):
        head = re.split(rf"\s+(?={THAI.pattern})", head, maxsplit=1)[0]
    return head.strip()


def _trivial(anchor: str) -> bool:
    """True for anchors that carry no topic: empty, "Article 5", "s. 14", "第五条"."""
    return len(re.sub(r"[\W_]", "", UNIT_WORDS.sub("", anchor))) < 3


# ---------------------------------------------------------------- training


def model_version(base_identity: str, pairs: Sequence[tuple[str, str]], params: HyperParams) -> str:
    """A short hash of everything that shapes the trained weights: same inputs, same directory."""
    digest = hashlib.sha256()
    digest.update(json.dumps([TRAINING_CODE_VERSION, base_identity, asdict(params)]).encode())
    for anchor, positive in pairs:
        digest.update(anchor.encode())
        digest.update(b"\0")
        digest.update(positive.encode())
        digest.update(b"\1")
    return digest.hexdigest()[:12]


def _balanced(triples: list[tuple[str, str, str]], max_pairs: int, seed: int) -> list[tuple[str, str, str]]:
    """At most ``max_pairs``, taken from each kind in turn, so the rarer kinds (terms) are kept whole."""
    by_kind: dict[str, list[tuple[str, str, str]]] = {}
    for triple in triples:
        by_kind.setdefault(triple[0], []).append(triple)
    queues = [iter(by_kind[kind]) for kind in sorted(by_kind)]
    chosen: list[tuple[str, str, str]] = []
    while queues and len(chosen) < max_pairs:
        for queue in list(queues):
            if len(chosen) == max_pairs:
                break
            if (triple := next(queue, None)) is None:
                queues.remove(queue)
            else:
                chosen.append(triple)
    random.Random(seed).shuffle(chosen)
    return chosen


def is_complete(model_dir: Path) -> bool:
    """The recipe is written last, so its presence means the directory holds a whole model."""
    return (model_dir / TRAINING_RECIPE).is_file() and all(
        (model_dir / name).is_file() for name in ("config.json", "tokenizer.json", "modules.json")
    )


def corpus_parsed(settings: Settings) -> list[Parsed]:
    """Every catalogued instrument, parsed as ingestion parses it."""
    from cyberlex.corpus.catalog import load_catalog
    from cyberlex.ingest.pipeline import parse_instrument, resolve_sources

    return [parse_instrument(path, inst) for path, inst in resolve_sources(load_catalog(), settings.corpus_dir)]


def train(
    settings: Settings,
    out_dir: Path | None = None,
    epochs: int = 1,
    batch_size: int = 32,
    seed: int = 42,
    lr: float = 5e-5,
    max_pairs: int = 4000,
    max_seq_length: int = 128,
    parsed: Iterable[Parsed] | None = None,
    on_progress: Callable[[str], None] = lambda _: None,
) -> Path:
    """Fine-tune ``settings.base_model_path`` on the corpus's own pairs; returns the model directory.

    The directory is ``out_dir`` (default ``data_dir/models``) / ``cyberlex-minilm-<version>``; when it is
    already complete nothing is trained. ``parsed`` defaults to the whole catalogue.
    """
    params = HyperParams(epochs, batch_size, lr, seed, max_pairs, max_seq_length=max_seq_length)
    base = str(require_model_dir(settings.base_model_path))
    on_progress("collecting training pairs")
    triples = _chosen(corpus_parsed(settings) if parsed is None else parsed, params)
    pairs = [(anchor, positive) for _, anchor, positive in triples]
    model_dir = (out_dir or settings.data_dir / "models") / f"cyberlex-minilm-{model_version(model_identity(base), pairs, params)}"
    if is_complete(model_dir):
        on_progress(f"already trained: {model_dir}")
        return model_dir
    _train_into(model_dir, base, triples, params, on_progress)
    return model_dir


def adapt(
    settings: Settings, params: HyperParams = ADAPT_PARAMS, on_progress: Callable[[str], None] = lambda _: None
) -> Path | None:
    """The adapted model ``settings.model_path`` then names, trained on the catalogue unless the one there was
    trained on the same texts, base model, code and parameters; None when ``settings.adapt`` is off.

    Keyed on the texts' bytes rather than on the pairs, so that an ingest with nothing to train does not parse the
    whole catalogue to find out; a change of the segmenter alone therefore needs ``TRAINING_CODE_VERSION`` bumped.
    """
    if not settings.adapt:
        return None
    target = settings.adapted_model_dir
    base = str(require_model_dir(settings.base_model_path))
    fingerprint = corpus_fingerprint(settings, model_identity(base), params)
    if is_complete(target) and recipe(target).get("fingerprint") == fingerprint:
        return target
    on_progress("adapting the embedder to the corpus (once; minutes): collecting training pairs")
    _train_into(target, base, _chosen(corpus_parsed(settings), params), params, on_progress, {"fingerprint": fingerprint})
    return target


def corpus_fingerprint(settings: Settings, base_identity: str, params: HyperParams) -> str:
    """A digest of everything an adapted model comes from: the catalogue's texts, the base model, the code and
    the hyper-parameters."""
    from cyberlex.corpus.catalog import load_catalog
    from cyberlex.ingest.pipeline import resolve_sources

    digest = hashlib.sha256(json.dumps([TRAINING_CODE_VERSION, base_identity, asdict(params)]).encode())
    for path, instrument in sorted(resolve_sources(load_catalog(), settings.corpus_dir), key=lambda s: s[1].id):
        digest.update(instrument.id.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def recipe(model_dir: Path) -> dict[str, Any]:
    """What a trained model was trained from, and how long it took (written last, see ``is_complete``)."""
    return json.loads((model_dir / TRAINING_RECIPE).read_text(encoding="utf-8"))


def _chosen(parsed: Iterable[Parsed], params: HyperParams) -> list[tuple[str, str, str]]:
    """The (kind, anchor, positive) triples trained on: ``params.max_pairs`` of them, the kinds in turn."""
    return _balanced(labelled_pairs(parsed, params.seed), params.max_pairs, params.seed)


def _train_into(
    model_dir: Path, base: str, triples: list[tuple[str, str, str]], params: HyperParams,
    on_progress: Callable[[str], None], extra: dict[str, object] | None = None,
) -> None:
    """Train into a temporary directory and move it into place whole, replacing what ``model_dir`` held: a
    process killed half-way leaves the old model or none, never a partial one."""
    pairs = [(anchor, positive) for _, anchor, positive in triples]
    counts = dict(sorted(Counter(kind for kind, _, _ in triples).items()))
    on_progress(f"{len(pairs)} pairs {counts}; training on {base}")
    started, cpu_started = time.monotonic(), time.process_time()
    tmp = model_dir.with_name(f".{model_dir.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _fit(base, pairs, params, tmp, on_progress)
        written = {
            "base_model": base, "base_model_identity": model_identity(base), "code_version": TRAINING_CODE_VERSION,
            "pairs": len(pairs), "pairs_by_kind": counts, "hyper_parameters": asdict(params), **(extra or {}),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "duration_seconds": round(time.monotonic() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu_started, 1),
        }
        (tmp / TRAINING_RECIPE).write_text(json.dumps(written, indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(model_dir, ignore_errors=True)
        try:
            tmp.rename(model_dir)
        except OSError:  # another process finished the same model first
            if not is_complete(model_dir):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    on_progress(f"saved {model_dir}")


def _fit(
    base: str, pairs: list[tuple[str, str]], params: HyperParams, out: Path, on_progress: Callable[[str], None]
) -> None:
    """One run of SentenceTransformerTrainer with MultipleNegativesRankingLoss, seeded, on the CPU."""
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import SentenceTransformerTrainingArguments
    from transformers import PrinterCallback, TrainerCallback, set_seed

    class Report(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):  # type: ignore[no-untyped-def]
            if logs and "loss" in logs:
                on_progress(f"step {state.global_step}/{state.max_steps} loss {logs['loss']:.4f}")

    set_seed(params.seed)
    model = SentenceTransformer(base, device="cpu", local_files_only=True)
    inference_length, model.max_seq_length = model.max_seq_length, params.max_seq_length
    dataset = Dataset.from_dict({"anchor": [a for a, _ in pairs], "positive": [p for _, p in pairs]})
    steps = params.epochs * -(-len(pairs) // params.batch_size)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(out / "checkpoints"),
        num_train_epochs=params.epochs,
        per_device_train_batch_size=params.batch_size,
        learning_rate=params.lr,
        warmup_steps=round(steps * params.warmup_ratio),
        seed=params.seed,
        data_seed=params.seed,
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        use_cpu=True,
        save_strategy="no",
        logging_steps=max(1, steps // 20),
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    trainer = SentenceTransformerTrainer(
        model=model, args=args, train_dataset=dataset, loss=MultipleNegativesRankingLoss(model), callbacks=[Report()]
    )
    trainer.remove_callback(PrinterCallback)  # progress goes through on_progress, never to stdout
    trainer.train()
    shutil.rmtree(out / "checkpoints", ignore_errors=True)
    model.max_seq_length = inference_length
    model.save(str(out), create_model_card=False)
    _record_max_seq_length(out, inference_length)


def _record_max_seq_length(model_dir: Path, length: int) -> None:
    """Write the truncation length where the ONNX backend reads it (sentence-transformers 6 keeps it in the
    tokenizer config only), so both backends cut the model's input where the base model's did."""
    config_file = model_dir / "sentence_bert_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
    config_file.write_text(json.dumps({**config, "max_seq_length": length}, indent=2) + "\n", encoding="utf-8")
