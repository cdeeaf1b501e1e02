"""The ONNX Runtime embedding backend: same vectors as sentence-transformers on torch, cached export, fallback."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from cyberlex.corpus.errors import InvalidInput
from cyberlex.index.onnx_backend import OnnxEncoder, TorchEncoder, export_onnx, load_encoder, model_identity
from cyberlex.settings import Settings, bundled_model_path

MODEL = bundled_model_path()
SENTENCE_SOURCES = {  # corpus file → how many of its sentences to embed
    "budapest-convention.md": 4,
    "gdpr-2016-679.txt": 4,
    "kenya-computer-misuse-cybercrimes-act-2018.md": 4,
    "echr-1950.md": 4,
    "japan-unauthorized-computer-access-act-1999-ja.md": 2,
    "saudi-anti-cyber-crime-law-2007-ar.md": 2,
}


def _corpus_sentences(name: str, count: int) -> list[str]:
    text = (Settings().corpus_dir / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    sentences = (s.strip() for line in lines for s in re.split(r"(?<=[.;。])\s*", line))
    return [s for s in sentences if 30 <= len(s) <= 400][:count]


def _long_passage(words: int = 300) -> str:
    text = (Settings().corpus_dir / "budapest-convention.md").read_text(encoding="utf-8")
    return " ".join(text.split()[:words])


SENTENCES = [s for name, count in SENTENCE_SOURCES.items() for s in _corpus_sentences(name, count)]
TEXTS = [*SENTENCES, _long_passage(), "unauthorised access"]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def fp32(settings: Settings) -> OnnxEncoder:
    return OnnxEncoder(MODEL, settings.cache_dir / "onnx")


@pytest.fixture(scope="module")
def int8(settings: Settings) -> OnnxEncoder:
    return OnnxEncoder(MODEL, settings.cache_dir / "onnx", quantize=True)


@pytest.fixture(scope="module")
def torch_encoder() -> TorchEncoder:
    return TorchEncoder(MODEL)


@pytest.fixture(scope="module")
def vectors(fp32: OnnxEncoder, int8: OnnxEncoder, torch_encoder: TorchEncoder) -> dict[str, np.ndarray]:
    return {name: enc.encode(TEXTS) for name, enc in (("fp32", fp32), ("int8", int8), ("torch", torch_encoder))}


def test_test_texts_cover_scripts_and_truncation() -> None:
    tokenizer = Tokenizer.from_file(str(Path(MODEL) / "tokenizer.json"))
    tokenizer.no_truncation()
    assert len(SENTENCES) == sum(SENTENCE_SOURCES.values())
    assert any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", s) for s in SENTENCES)
    assert any(re.search(r"[\u0600-\u06ff]", s) for s in SENTENCES)
    assert len(tokenizer.encode(_long_passage()).ids) > 256  # over max_seq_length: the truncation is exercised


@pytest.mark.parametrize("i", range(len(TEXTS)), ids=[t[:30] for t in TEXTS])
def test_onnx_fp32_matches_sentence_transformers_on_torch(vectors: dict[str, np.ndarray], i: int) -> None:
    assert float(vectors["fp32"][i] @ vectors["torch"][i]) >= 0.9999


@pytest.mark.parametrize("i", range(len(TEXTS)), ids=[t[:30] for t in TEXTS])
def test_onnx_int8_stays_close_to_fp32(vectors: dict[str, np.ndarray], i: int) -> None:
    assert float(vectors["int8"][i] @ vectors["fp32"][i]) >= 0.97


def test_vectors_are_unit_length_float32_of_the_model_dimension(fp32: OnnxEncoder, vectors: dict) -> None:
    assert fp32.get_sentence_embedding_dimension() == 384
    assert vectors["fp32"].dtype == np.float32
    assert vectors["fp32"].shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors["fp32"], axis=1), 1.0, atol=1e-5)


def test_encode_keeps_input_order_across_length_sorted_batches(fp32: OnnxEncoder) -> None:
    mixed = ["short", _long_passage(), SENTENCES[0], "data", SENTENCES[-1], _long_passage(120), "x y"]
    one_by_one = np.vstack([fp32.encode([text]) for text in mixed])
    np.testing.assert_allclose(fp32.encode(mixed, batch_size=3), one_by_one, atol=1e-5)


def test_encode_of_no_texts_is_an_empty_matrix(fp32: OnnxEncoder) -> None:
    assert fp32.encode([]).shape == (0, 384)


def test_model_id_differs_per_backend_and_names_the_model(
    fp32: OnnxEncoder, int8: OnnxEncoder, torch_encoder: TorchEncoder
) -> None:
    ids = [fp32.model_id, int8.model_id, torch_encoder.model_id]
    assert len(set(ids)) == 3
    assert all(model_id.endswith(model_identity(MODEL)) for model_id in ids)


def test_export_happens_once_per_model_identity(settings: Settings, fp32: OnnxEncoder, int8: OnnxEncoder) -> None:
    export_dir = settings.cache_dir / "onnx"
    files = {quantize: export_onnx(MODEL, export_dir, quantize=quantize) for quantize in (False, True)}
    stamps = {quantize: path.stat().st_mtime_ns for quantize, path in files.items()}
    assert {path.parent for path in files.values()} == {export_dir / model_identity(MODEL)}
    assert {q: export_onnx(MODEL, export_dir, quantize=q).stat().st_mtime_ns for q in (False, True)} == stamps
    assert sorted(p.name for p in (export_dir / model_identity(MODEL)).iterdir()) == ["model-int8.onnx", "model.onnx"]


@pytest.mark.parametrize(
    ("backend", "prefix"), [("torch", "torch:"), ("onnx", "onnx-fp32:"), ("onnx-int8", "onnx-int8:")]
)
def test_load_encoder_follows_embed_backend(settings: Settings, fp32: OnnxEncoder, backend: str, prefix: str) -> None:
    encoder = load_encoder(settings.model_copy(update={"embed_backend": backend}))
    assert encoder.model_id.startswith(prefix)


def test_load_encoder_falls_back_to_torch_when_the_export_is_unusable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path, embed_backend="onnx")
    corrupt = settings.cache_dir / "onnx" / model_identity(MODEL) / "model.onnx"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_bytes(b"not an onnx model")
    with caplog.at_level(logging.WARNING, logger="cyberlex.index.onnx_backend"):
        encoder = load_encoder(settings)
    assert encoder.model_id.startswith("torch:")
    assert "using torch" in caplog.text


@pytest.mark.parametrize(
    "make",
    [
        lambda bad, tmp: OnnxEncoder(bad, tmp),
        lambda bad, tmp: export_onnx(bad, tmp),
        lambda bad, tmp: load_encoder(Settings(model=bad, data_dir=tmp, embed_backend="onnx")),
        lambda bad, tmp: load_encoder(Settings(model=bad, data_dir=tmp, embed_backend="torch")),
    ],
    ids=["OnnxEncoder", "export_onnx", "load_encoder-onnx", "load_encoder-torch"],
)
def test_bad_model_path_raises_an_error_naming_it(tmp_path: Path, make: Callable[[str, Path], object]) -> None:
    bad = str(tmp_path / "no-such-model")
    with pytest.raises(InvalidInput, match=re.escape(bad)):
        make(bad, tmp_path)
