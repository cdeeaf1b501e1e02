"""Ingestion, start to end: source file → text → provisions → passages → the index.

One instrument at a time, so that a bad file is reported and skipped while the rest ingests: a file
that cannot be read, is over the size limit, yields no text, or trips a bug in a parser is recorded in
the report with its reason, and nothing of it reaches the index.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from corpus.catalog import Catalog
from corpus.errors import ConversionError, CyberlexError, InvalidInput
from corpus.model import Instrument, Passage, Provision
from ingest.convert import convert
from ingest.passages import to_passages
from ingest.segment import segment

FORMATS = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html", ".pdf": "pdf"}
MB = 1_000_000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parsed:
    instrument: Instrument
    provisions: list[Provision]
    passages: list[Passage]


@dataclass
class IngestReport:
    """What one run did, per instrument; `failed` maps a file to the reason it was skipped."""

    provisions: dict[str, int] = field(default_factory=dict)
    passages: dict[str, int] = field(default_factory=dict)
    changes: dict[str, object] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def parse_instrument(path: Path, instrument: Instrument, max_mb: float | None = None) -> Parsed:
    """Convert and segment one file. Raises ConversionError for unreadable input, or for a file over
    ``max_mb`` before reading it: embedding tens of megabytes of text takes hours on two cores."""
    if max_mb is not None:
        _check_size(path, max_mb)
    converted = convert(path, instrument.format or None)
    provisions = segment(converted.text, instrument, converted.pages)
    return Parsed(instrument, provisions, to_passages(provisions, instrument))


def user_instrument(path: Path, instrument_id: str | None = None, **facts: object) -> Instrument:
    """An instrument for a file that is not in the catalogue (a user's own copy of a text).

    Its id comes from ``--instrument-id`` or the file name; the unit defaults to paragraphs, which is
    also what a text without recognisable structure falls back to.
    """
    iid = instrument_id or re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "document"
    title = str(facts.pop("title", None) or path.stem)
    defaults: dict[str, object] = dict(
        id=iid, title=title, short_title=title, kind="document", jurisdiction="unknown", language="en",
        adopted=None, binding=False, status="not-applicable", official_url="", citation=title,
        unit="paragraph", file=str(path), format=FORMATS.get(path.suffix.lower(), ""),
    )
    defaults.update({k: v for k, v in facts.items() if v is not None})
    return Instrument(**defaults)  # type: ignore[arg-type]


def resolve_sources(
    catalog: Catalog, corpus_dir: Path, paths: Iterable[Path] = (), instrument_id: str | None = None, **facts: object
) -> list[tuple[Path, Instrument]]:
    """Pair each source file with its instrument: catalogue entries by file name, others as user instruments."""
    by_file = {inst.file: inst for inst in catalog}
    if not paths:
        return [(corpus_dir / inst.file, inst) for inst in catalog]
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p])
    if instrument_id and len(files) != 1:
        raise CyberlexError(f"--instrument-id names one instrument but {len(files)} files were given")
    pairs = []
    for f in files:
        if instrument_id:
            base = catalog.get(instrument_id) if instrument_id in catalog else None
            inst = replace(base, file=str(f), format=FORMATS.get(f.suffix.lower(), base.format)) if base else \
                user_instrument(f, instrument_id, **facts)
        else:
            inst = by_file.get(f.name) or user_instrument(f, **facts)
        pairs.append((f, inst))
    return pairs


def ingest(
    sources: list[tuple[Path, Instrument]],
    index: Callable[[str, list[Passage]], object],
    on_progress: Callable[[Instrument, Parsed | None, object], None] = lambda *_: None,
    max_file_mb: float | None = None,
) -> IngestReport:
    """Parse and index each source; a file that fails is recorded in the report and the run goes on."""
    report = IngestReport()
    files: dict[str, Path] = {}  # instrument id → the file indexed under it in this run
    for path, instrument in sources:
        try:
            if instrument.id in files:
                raise InvalidInput(f"{path}: instrument id {instrument.id!r} is already taken by "
                                   f"{files[instrument.id]} in this run; ingest it alone with --instrument-id")
            parsed = parse_instrument(path, instrument, max_file_mb)
            if not parsed.passages:
                raise ConversionError(str(path), "no text found to index")
            change = index(instrument.id, parsed.passages)
        except Exception as exc:
            reason = str(exc) if isinstance(exc, CyberlexError) else _unexpected(path, exc)
            report.failed[str(path)] = reason
            on_progress(instrument, None, reason)
            continue
        files[instrument.id] = path
        report.provisions[instrument.id] = len(parsed.provisions)
        report.passages[instrument.id] = len(parsed.passages)
        report.changes[instrument.id] = change
        on_progress(instrument, parsed, change)
    return report


def _check_size(path: Path, max_mb: float) -> None:
    try:
        size = path.stat().st_size
    except OSError:
        return  # convert names the file as unreadable
    if size > max_mb * MB:
        raise ConversionError(
            str(path), f"file too large: {size / MB:.3g} MB, over the {max_mb:g} MB limit (CYBERLEX_MAX_FILE_MB)"
        )


def _unexpected(path: Path, exc: Exception) -> str:
    """A bug met on one file: logged with its traceback for the fix, reported as that file's failure."""
    log.error("unexpected error ingesting %s", path, exc_info=exc)
    return f"{path}: unexpected {type(exc).__name__} (a cyberlex bug; the log has the traceback): {exc}"
