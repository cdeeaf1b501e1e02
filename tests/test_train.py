"""Training pairs from the corpus itself, the versioned model directory, and a tiny real fine-tuning run."""

from __future__ import annotations

import json
import shutil
import re
from dataclasses import replace
from pathlib import Path

import pytest

from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.errors import InvalidInput
from cyberlex.corpus.model import Block, Provision
from cyberlex.index.onnx_backend import OnnxEncoder, model_identity
from cyberlex.settings import TRAINING_RECIPE, Settings
from cyberlex.index.train import (
    ADAPT_PARAMS, HyperParams, adapt, corpus_fingerprint, labelled_pairs, model_version, train, training_pairs,
)
from cyberlex.ingest.definitions import extract_definitions
from cyberlex.ingest.passages import to_passages
from cyberlex.ingest.pipeline import Parsed, parse_instrument


@pytest.fixture(scope="module")
def budapest() -> Parsed:
    instrument = load_catalog().get("budapest-convention")
    return parse_instrument(Settings().corpus_dir / instrument.file, instrument)


@pytest.fixture(scope="module")
def budapest_pairs(budapest: Parsed) -> list[tuple[str, str, str]]:
    return labelled_pairs([budapest], seed=7)


def _handmade(heading: str, text: str) -> Parsed:
    """One instrument with one provision, cut into passages by the real passage splitter."""
    instrument = replace(load_catalog().get("budapest-convention"), id="handmade", short_title="Handmade Act")
    block = Block(sub=(), text=text, start=0, end=len(text))
    provision = Provision(
        id="handmade/art-5", instrument_id="handmade", unit="art-5", label="Art. 5", heading=heading,
        path=(), blocks=(block,), start=0, end=len(text),
    )
    return Parsed(instrument, [provision], to_passages([provision], instrument))


def test_budapest_yields_every_kind_of_pair(budapest_pairs):
    assert {kind for kind, _, _ in budapest_pairs} == {"heading", "term", "sentence"}


def test_defined_term_traffic_data_points_to_its_definition(budapest_pairs):
    positives = [p for kind, anchor, p in budapest_pairs if kind == "term" and anchor == "traffic data"]
    assert len(positives) == 1
    assert re.search(r"traffic data\W+means any computer data relating to a communication", positives[0])
    assert "subscriber information" not in positives[0]  # the next definition is not part of it


def test_term_pairs_are_the_definitions_the_legal_index_finds(budapest, budapest_pairs):
    terms = {anchor for kind, anchor, _ in budapest_pairs if kind == "term"}
    assert terms == {d.term for d in extract_definitions(budapest.provisions)}


def test_an_unquoted_term_of_a_definitions_section_gets_its_pair():
    text = ("Access refers to instruction, communication with, storing data in, retrieving data from, or otherwise "
            "making use of any resources of a computer system.")
    pairs = labelled_pairs([_handmade("Definitions", text)], seed=1)
    terms = [(anchor, positive.endswith(text)) for kind, anchor, positive in pairs if kind == "term"]
    assert terms == [("Access", True)]


def test_heading_pair_leaves_the_heading_out_of_the_positive(budapest_pairs):
    heading = "Expedited preservation of stored computer data"
    positives = [p for kind, a, p in budapest_pairs if kind == "heading" and a.startswith(heading)]
    assert positives
    assert all(re.fullmatch(r"Art\. (16|29)(\(\d+\))?", p.split("\n")[0]) for p in positives)  # label, no heading


def test_first_sentence_pair_removes_the_sentence_from_its_passage(budapest_pairs):
    sentences = [(a, p) for kind, a, p in budapest_pairs if kind == "sentence"]
    assert sentences
    assert all(anchor not in positive for anchor, positive in sentences)


def test_no_anchor_is_only_a_unit_label(budapest_pairs):
    for _, anchor, _ in budapest_pairs:
        assert not re.fullmatch(r"(Art\.?|Article|Chapter|Section|Title)\s*[\dIVX]+", anchor)
        assert sum(c.isalpha() for c in anchor) >= 3


@pytest.mark.parametrize(
    ("heading", "pairs_with_heading"),
    [("Article 5", 0), ("", 0), ("第五条", 0), ("Misuse of devices", 1)],
)
def test_heading_pairs_only_for_headings_that_name_a_topic(heading, pairs_with_heading):
    parsed = _handmade(heading, "Each Party shall adopt such legislative and other measures as may be necessary.")
    kinds = [kind for kind, _, _ in labelled_pairs([parsed], seed=0)]
    assert kinds.count("heading") == pairs_with_heading


def test_pairs_are_unique(budapest_pairs):
    pairs = [(a, p) for _, a, p in budapest_pairs]
    assert len(pairs) == len(set(pairs))


def test_pairs_are_deterministic_for_a_seed(budapest):
    assert training_pairs([budapest], seed=3) == training_pairs([budapest], seed=3)
    assert training_pairs([budapest], seed=3) != training_pairs([budapest], seed=4)


@pytest.mark.parametrize(
    ("pairs", "params"),
    [
        ([("a heading", "a passage"), ("another", "text")], HyperParams(epochs=2)),
        ([("a heading", "a passage"), ("another", "text")], HyperParams(lr=3e-5)),
        ([("a heading", "a passage"), ("another", "text")], HyperParams(seed=1)),
        ([("a heading", "a passage")], HyperParams()),
        ([("a heading", "another passage"), ("another", "text")], HyperParams()),
    ],
)
def test_model_version_changes_with_pairs_and_hyper_parameters(pairs, params):
    reference = model_version("base-1", [("a heading", "a passage"), ("another", "text")], HyperParams())
    assert model_version("base-1", pairs, params) != reference


def test_model_version_changes_with_the_base_model():
    pairs = [("a heading", "a passage")]
    assert model_version("base-1", pairs, HyperParams()) != model_version("base-2", pairs, HyperParams())
    assert model_version("base-1", pairs, HyperParams()) == model_version("base-1", pairs, HyperParams())


@pytest.mark.parametrize(
    ("field", "value"), [("epochs", 0), ("batch_size", 1), ("lr", 0.0), ("max_pairs", 16), ("max_seq_length", 4)]
)
def test_out_of_range_hyper_parameters_are_refused_by_name(field, value):
    with pytest.raises(InvalidInput, match=field):
        HyperParams(**{field: value})


@pytest.fixture(scope="module")
def tiny_run(budapest: Parsed, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """Two training steps over eight Budapest pairs, then the same call again."""
    out = tmp_path_factory.mktemp("models")
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    options = dict(out_dir=out, batch_size=4, max_pairs=8, max_seq_length=64, parsed=[budapest])
    first = train(settings, **options)
    messages: list[str] = []
    second = train(settings, on_progress=messages.append, **options)
    return first, second, messages


@pytest.mark.slow
def test_tiny_training_writes_a_versioned_model_dir_with_its_recipe(tiny_run):
    model_dir, _, _ = tiny_run
    assert re.fullmatch(r"cyberlex-minilm-[0-9a-f]{12}", model_dir.name)
    recipe = json.loads((model_dir / TRAINING_RECIPE).read_text(encoding="utf-8"))
    assert recipe["pairs"] == 8
    assert recipe["hyper_parameters"]["batch_size"] == 4
    assert sum(recipe["pairs_by_kind"].values()) == 8
    assert not [p.name for p in model_dir.parent.iterdir() if p.name.startswith(".")]  # no partial dir left


@pytest.mark.slow
def test_second_identical_call_skips_training(tiny_run):
    first, second, messages = tiny_run
    assert second == first
    assert any(m.startswith("already trained") for m in messages)
    assert not any(m.startswith("step ") for m in messages)


@pytest.mark.slow
def test_trained_model_loads_on_both_backends_with_its_own_identity(tiny_run, tmp_path):
    from sentence_transformers import SentenceTransformer

    model_dir, _, _ = tiny_run
    torch_vector = SentenceTransformer(str(model_dir), device="cpu").encode(["traffic data"], normalize_embeddings=True)
    onnx = OnnxEncoder(str(model_dir), tmp_path)
    assert onnx.encode(["traffic data"]) @ torch_vector[0] == pytest.approx(1.0, abs=1e-4)
    assert model_identity(str(model_dir)) != model_identity(Settings().model_path)
    assert json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"] == 256


# ---------------------------------------------------------------- adapting at ingest


def test_model_path_is_the_base_model_until_an_ingest_has_adapted_it(tmp_path):
    settings = Settings(data_dir=tmp_path, adapt=True)
    assert settings.model_path == settings.base_model_path
    settings.adapted_model_dir.mkdir(parents=True)
    assert settings.model_path == settings.base_model_path  # a directory without its recipe is not a whole model
    (settings.adapted_model_dir / TRAINING_RECIPE).write_text("{}", encoding="utf-8")
    assert settings.model_path == str(settings.adapted_model_dir)
    assert Settings(data_dir=tmp_path, adapt=False).model_path == settings.base_model_path


def test_adapting_turned_off_trains_nothing(tmp_path):
    assert adapt(Settings(data_dir=tmp_path, adapt=False)) is None
    assert not (tmp_path / "models").exists()


def test_corpus_fingerprint_follows_the_texts_the_base_model_and_the_parameters(tmp_path):
    shipped = Settings(data_dir=tmp_path)
    fingerprint = corpus_fingerprint(shipped, "base-a", ADAPT_PARAMS)
    assert corpus_fingerprint(shipped, "base-a", ADAPT_PARAMS) == fingerprint
    assert corpus_fingerprint(shipped, "base-b", ADAPT_PARAMS) != fingerprint
    assert corpus_fingerprint(shipped, "base-a", replace(ADAPT_PARAMS, seed=7)) != fingerprint
    edited = tmp_path / "texts"
    shutil.copytree(shipped.corpus_dir, edited)
    text = edited / load_catalog().get("budapest-convention").file
    text.write_bytes(text.read_bytes() + b"\n")
    assert corpus_fingerprint(Settings(data_dir=tmp_path, corpus_dir=edited), "base-a", ADAPT_PARAMS) != fingerprint


@pytest.mark.slow
def test_adapting_trains_once_for_the_same_texts_and_the_model_path_then_names_it(tmp_path):
    settings = Settings(data_dir=tmp_path, adapt=True)
    tiny = HyperParams(batch_size=4, max_pairs=8, max_seq_length=64)
    model_dir = adapt(settings, tiny)
    assert model_dir == settings.adapted_model_dir
    assert settings.model_path == str(model_dir)
    recipe = json.loads((model_dir / TRAINING_RECIPE).read_text(encoding="utf-8"))
    assert recipe["fingerprint"] == corpus_fingerprint(settings, model_identity(settings.base_model_path), tiny)
    assert recipe["pairs"] == 8
    messages: list[str] = []
    assert adapt(settings, tiny, on_progress=messages.append) == model_dir
    assert messages == []  # same texts, model and parameters: nothing parsed, nothing trained
    assert not [p.name for p in model_dir.parent.iterdir() if p.name.startswith(".")]  # no partial dir left


def test_adapting_is_off_unless_asked_for():
    """Off by default: the adapted model answers questions in everyday words worse (docs/retrieval.md)."""
    assert Settings.model_fields["adapt"].default is False
