"""Sentence embeddings on ONNX Runtime: the same vectors as sentence-transformers on torch (fp32) or nearly the
same (int8, cosine ~0.99), for less CPU per passage and a fraction of torch's per-query latency, without
importing torch once the model is exported.

The model is exported once per model identity with torch's TorchScript exporter (sentence-transformers' own
``backend="onnx"`` drags optimum and downgrades transformers) and cached on disk. ``load_encoder`` picks the
backend from ``Settings.embed_backend`` and falls back to torch when ONNX Runtime or the export fails.
Every encoder has ``model_id``: the embedding-cache key, distinct per backend and per model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from cyberlex.corpus.errors import InvalidInput
from cyberlex.settings import Settings, bundled_model_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Encoding

log = logging.getLogger(__name__)

ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


class Encoder(Protocol):
    """What the dense embedder needs: the subset of SentenceTransformer it calls, plus a cache key."""

    model_id: str

    def encode(self, texts: list[str], batch_size: int = 32, normalize_embeddings: bool = True) -> np.ndarray: ...

    def get_sentence_embedding_dimension(self) -> int: ...


def require_model_dir(model_path: str) -> Path:
    """The model's directory, or an error naming the path: ONNX needs the files, not a hub name."""
    path = Path(model_path)
    missing = [name for name in ("config.json", "tokenizer.json", "modules.json") if not (path / name).is_file()]
    if missing:
        raise InvalidInput(
            f"model path {model_path!r} is not a local sentence-transformers model directory "
            f"(missing {', '.join(missing)}); valid: a directory such as the bundled {bundled_model_path()!r}"
        )
    return path


def model_identity(model_path: str) -> str:
    """Name plus a digest of the config files and weight sizes: another model at the same path gets another key."""
    path = Path(model_path)
    if not path.is_dir():
        return model_path
    digest = hashlib.blake2b(digest_size=8)
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode())
        digest.update(file.read_bytes() if file.suffix == ".json" else str(file.stat().st_size).encode())
    return f"{path.name}-{digest.hexdigest()}"


def export_onnx(model_path: str, out_dir: Path, quantize: bool = False) -> Path:
    """``out_dir/<model identity>/model.onnx`` (or ``model-int8.onnx``), exported on first use only.

    Files are written under a temporary name and renamed, so concurrent processes never read a partial model.
    """
    model_dir = require_model_dir(model_path)
    target_dir = out_dir / model_identity(str(model_dir))
    fp32 = target_dir / "model.onnx"
    if not fp32.exists():
        target_dir.mkdir(parents=True, exist_ok=True)
        _atomic_write(fp32, lambda tmp: _export_fp32(model_dir, tmp))
    if not quantize:
        return fp32
    int8 = target_dir / "model-int8.onnx"
    if not int8.exists():
        _atomic_write(int8, lambda tmp: _quantize(fp32, tmp))
    return int8


def _atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".onnx")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _export_fp32(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    class LastHiddenState(torch.nn.Module):
        """A plain positional forward: the tracer cannot bind inputs to BertModel's keyword-heavy signature."""

        def __init__(self, model: torch.nn.Module):
            super().__init__()
            self.model = model

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    model = AutoModel.from_pretrained(model_dir, local_files_only=True, attn_implementation="eager")
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    # Two lengths, so the traced graph carries real padding through the attention mask.
    sample = tokenizer(["a short one", "a longer sample sentence, with padding"], padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "sequence"} for name in (*ONNX_INPUTS, "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        # The TorchScript exporter is deprecated and warns about traced shape checks; the tests pin the output.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(model).eval(),
            tuple(sample[name] for name in ONNX_INPUTS),
            str(out),
            input_names=list(ONNX_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _quantize(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(fp32, out, per_channel=True, weight_type=QuantType.QInt8)


class OnnxEncoder:
    """Tokenize (the model's fast tokenizer), run ONNX Runtime, mean-pool over the attention mask, L2-normalise:
    the sentence-transformers pipeline of a Transformer + mean Pooling (+ Normalize) model."""

    def __init__(self, model_path: str, export_dir: Path, quantize: bool = False, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = require_model_dir(model_path)
        self._dim, self._always_normalize = _mean_pooling_pipeline(model_dir)
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._pad_id = (self._tokenizer.padding or {}).get("pad_id", 0)
        self._tokenizer.no_padding()  # padding happens per length-sorted batch in encode()
        self._tokenizer.enable_truncation(max_length=_max_seq_length(model_dir))

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or len(os.sched_getaffinity(0))
        options.inter_op_num_threads = 1
        # Idle pool threads sleep instead of spinning: under concurrent queries, or beside other work on a small
        # machine, spinning threads take the cores that requests need (8 clients on 2 cores: +50% requests/s).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        onnx_file = export_onnx(str(model_dir), export_dir, quantize=quantize)
        self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.model_id = f"{'onnx-int8' if quantize else 'onnx-fp32'}:{model_identity(str(model_dir))}"

    def get_sentence_embedding_dimension(self) -> int:
        return self._dim

    def encode(self, texts: list[str], batch_size: int = 32, normalize_embeddings: bool = True) -> np.ndarray:
        """float32 (len(texts), dim), in input order; batches are formed by token length to minimise padding."""
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids), reverse=True)
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            out[batch] = self._pool(_pad([encodings[i] for i in batch], self._pad_id))
        if normalize_embeddings or self._always_normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def _pool(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        (hidden,) = self._session.run(["last_hidden_state"], inputs)
        weights = inputs["attention_mask"][:, :, None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def _pad(encodings: list[Encoding], pad_id: int) -> dict[str, np.ndarray]:
    """Right-pad one batch to its longest member; the mask keeps padding out of attention and pooling."""
    shape = (len(encodings), max(len(e.ids) for e in encodings))
    arrays = {name: np.zeros(shape, dtype=np.int64) for name in ONNX_INPUTS}
    arrays["input_ids"].fill(pad_id)
    for row, e in enumerate(encodings):
        n = len(e.ids)
        arrays["input_ids"][row, :n] = e.ids
        arrays["attention_mask"][row, :n] = e.attention_mask
        arrays["token_type_ids"][row, :n] = e.type_ids
    return arrays


def _mean_pooling_pipeline(model_dir: Path) -> tuple[int, bool]:
    """(dimension, whether it normalises) of a Transformer → mean Pooling [→ Normalize] model; refuses others."""
    modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise InvalidInput(
            f"model {str(model_dir)!r} has modules {kinds}; the ONNX backend runs Transformer, Pooling[, Normalize]"
        )
    pooling = json.loads((model_dir / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
    legacy = [k.removeprefix("pooling_mode_") for k, on in pooling.items() if k.startswith("pooling_mode_") and on]
    mode = pooling.get("pooling_mode") or legacy
    if mode not in ("mean", ["mean_tokens"]):
        raise InvalidInput(f"model {str(model_dir)!r} pools with {mode!r}; the ONNX backend supports 'mean' only")
    return int(pooling.get("embedding_dimension") or pooling["word_embedding_dimension"]), kinds[-1] == "Normalize"


def _max_seq_length(model_dir: Path) -> int:
    """sentence-transformers' truncation length (256 for MiniLM), else the model's position limit."""
    st_config = model_dir / "sentence_bert_config.json"
    if st_config.is_file() and (length := json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length")):
        return int(length)
    return int(json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["max_position_embeddings"])


class TorchEncoder:
    """sentence-transformers on torch, with the same interface and a ``model_id`` of its own."""

    def __init__(self, model_path: str):
        from sentence_transformers import SentenceTransformer

        try:
            self._model: SentenceTransformer = SentenceTransformer(model_path, device="cpu", local_files_only=True)
        except OSError as exc:
            raise InvalidInput(
                f"model {model_path!r} cannot be loaded ({exc}); valid: a local model directory such as the bundled "
                f"{bundled_model_path()!r}, or a hub name already in the local cache"
            ) from exc
        self.model_id = f"torch:{model_identity(model_path)}"

    def get_sentence_embedding_dimension(self) -> int:
        return int(self._model.get_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int = 32, normalize_embeddings: bool = True) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=normalize_embeddings,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32)


def load_encoder(settings: Settings) -> Encoder:
    """The encoder ``settings.embed_backend`` names; torch, with a warning, when ONNX cannot be set up."""
    if settings.embed_backend == "torch":
        return TorchEncoder(settings.model_path)
    require_model_dir(settings.model_path)  # a bad path fails on torch too: say so now, naming it
    try:
        return OnnxEncoder(
            settings.model_path, settings.cache_dir / "onnx", quantize=settings.embed_backend == "onnx-int8"
        )
    except Exception as exc:  # whatever broke in onnxruntime or the exporter, torch still works
        log.warning("embed backend %r unavailable (%r); using torch", settings.embed_backend, exc)
        return TorchEncoder(settings.model_path)
