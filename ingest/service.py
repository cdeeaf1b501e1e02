"""One ingest for every caller: ``cyberlex ingest``, an upload (POST /documents) and the tests run ``IngestService``.

A run checks the free space against what it may write, marks the index's integrity record unfinished, parses and
indexes (``pipeline.ingest``: files parsed ahead in a worker, an upload alone in a worker with a time and memory
limit), rebuilds the legal side-index (definitions, references, related provisions) over everything indexed, and
records what is on disk (``index.integrity``). Each instrument that is not the catalogue's own file (a user's file,
an upload, a catalogue instrument replaced on purpose) is noted in ``sources.json``, and an upload keeps its file
under ``uploads/``: a damaged index is not written into but set aside and rebuilt, from the catalogue and those
sources, so that what was indexed before is not lost.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.errors import IndexDamaged
from cyberlex.corpus.model import Instrument, Passage
from cyberlex.index import integrity
from cyberlex.index.edge_store import EdgeStore, _acquire
from cyberlex.index.embedders import DenseEncoder
from cyberlex.index.indexer import Indexer
from cyberlex.index.legal import LegalIndex, build_legal_index
from cyberlex.index.store import Store, open_store
from cyberlex.ingest.convert import Budget
from cyberlex.ingest.pipeline import PARSE_AHEAD, IngestReport, Isolation, Parsed, ingest, resolve_sources
from cyberlex.settings import Settings

log = logging.getLogger(__name__)

SOURCES_FILE = "sources.json"
UPLOADS = "uploads"
DAMAGED = "edge.damaged"
# Bytes of source file per passage, estimated low (half the corpus's), so that the space a run needs, estimated
# before its files are parsed, is estimated high.
BYTES_PER_PASSAGE = 400

Progress = Callable[[Instrument, Parsed | None, object], None]
Source = tuple[Path, Instrument]


@dataclass
class Outcome:
    report: IngestReport
    legal: LegalIndex | None  # None when nothing was indexed
    rebuilt: str = ""  # why the whole index was rebuilt, when it was
    lost: dict[str, str] = field(default_factory=dict)  # instrument → why a rebuild could not restore it


class IngestService:
    """Ingests into ``store``. ``open`` gives one on the store the settings name, which it closes and records on
    exit; a service on a store already open (the API's) records after each run, the store flushed."""

    def __init__(self, settings: Settings, store: Store, catalog: Catalog, encoder: DenseEncoder | None = None,
                 owned: bool = False):
        self.settings, self.store, self.catalog = settings, store, catalog
        self.indexer = Indexer(settings, store, encoder)
        self.rebuild = ""  # why the store was set aside: the next run re-ingests what it held
        self._held: list[str] = []  # the instruments the store held, as recorded, when it was set aside
        self._owned = owned
        self.wrote = False  # whether a run has started writing into the store

    @classmethod
    @contextmanager
    def open(cls, settings: Settings, catalog: Catalog, encoder: DenseEncoder | None = None) -> Iterator[IngestService]:
        """The service on the settings' store, closed and recorded on exit. A damaged embedded store (its files or
        its probes differ from its record, or it fails to open) is set aside first; ``rebuild`` says why."""
        why, held = "", []
        try:
            store = integrity.open_verified(settings, unfinished_ok=True)  # an interrupted run is finished, not redone
        except IndexDamaged as exc:
            why, held = str(exc), _held(settings)
        if why:
            set_aside(settings)
            store = open_store(settings)
        service = cls(settings, store, catalog, encoder, owned=True)
        service.rebuild, service._held = why.removesuffix(integrity.REBUILD), held
        try:
            yield service
        finally:
            if encoder is None:
                service.indexer.encoder.close()
            store.close()
            if service.wrote and not settings.qdrant_url:
                integrity.record_closed(settings)

    def run(self, sources: list[Source], on_progress: Progress = lambda *_: None, parse_ahead: int = PARSE_AHEAD,
            isolation: Isolation | None = None, keep: bool = False) -> Outcome:
        """Ingest ``sources``; with ``keep`` (an upload, whose file is temporary), each indexed file is kept under
        ``uploads/`` for a rebuild. Raises DiskFull, before writing, when the disk has too little room."""
        rebuilt, self.rebuild = self.rebuild, ""
        lost: dict[str, str] = {}
        if rebuilt:
            sources, lost = self._restoring(sources)
        size = sum(_size(path) for path, _ in sources)
        integrity.check_space(self.settings, size // BYTES_PER_PASSAGE, size if keep else 0)
        files = {instrument.id: path for path, instrument in sources}
        done: list[Parsed] = []

        def progress(instrument: Instrument, parsed: Parsed | None, change: object) -> None:
            if parsed is not None:
                done.append(parsed)
                self._note(parsed.instrument, files[instrument.id], keep)
            on_progress(instrument, parsed, change)

        self._start_writing()
        try:
            report = ingest(sources, self._index, progress, Budget.of(self.settings), parse_ahead,
                            self.indexer.embed_ahead, isolation)
            legal = build_legal_index(self.settings, done, self.store, self.indexer.encoder, self.catalog) \
                if done else None
        except Exception as exc:
            raise integrity.no_space(self.settings, exc) or exc
        finally:
            if not self._owned and not self.settings.qdrant_url:  # a store kept open: recorded as it is now
                integrity.record(self.settings, self.store)
        return Outcome(report, legal, rebuilt, lost)

    def _start_writing(self) -> None:
        if not self.wrote and not self.settings.qdrant_url:
            integrity.mark_unfinished(self.settings)
        self.wrote = True

    def _index(self, instrument_id: str, passages: list[Passage]) -> object:
        integrity.check_space(self.settings, len(passages))
        try:
            return self.indexer.index(instrument_id, passages)
        except Exception as exc:
            raise integrity.no_space(self.settings, exc, len(passages)) or exc

    # ---- the sources a rebuild needs ----------------------------------------------------------------------------

    def _note(self, instrument: Instrument, path: Path, keep: bool) -> None:
        """Remember where an instrument that is not the catalogue's own file came from (forget it when it is)."""
        sources = load_sources(self.settings)
        if instrument.id in self.catalog and instrument.file == self.catalog.get(instrument.id).file:
            sources.pop(instrument.id, None)
        else:
            path = (self._keep(instrument.id, path) if keep else path).absolute()
            sources[instrument.id] = {"file": str(path), "instrument": _facts(replace(instrument, file=str(path)))}
        save_sources(self.settings, sources)

    def _keep(self, instrument_id: str, path: Path) -> Path:
        folder = self.settings.data_dir / UPLOADS
        folder.mkdir(parents=True, exist_ok=True)
        for earlier in folder.glob(f"{instrument_id}.*"):
            earlier.unlink()
        kept = folder / f"{instrument_id}{path.suffix.lower()}"
        temporary = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
        shutil.copyfile(path, temporary)
        temporary.replace(kept)
        return kept

    def _restoring(self, sources: list[Source]) -> tuple[list[Source], dict[str, str]]:
        """``sources``, after the sources of the instruments the set-aside store held (every catalogue instrument
        when its record did not say): a catalogue instrument from its own file, unless an earlier run noted a file
        in its place; any other from the file noted. Those with no file left are lost, with the reason."""
        catalogue = {inst.id: (path, inst) for path, inst in resolve_sources(self.catalog, self.settings.corpus_dir)}
        noted = load_sources(self.settings)
        chosen: dict[str, Source] = {}
        lost: dict[str, str] = {}
        for iid in self._held or list(catalogue):
            if iid in noted and Path(noted[iid]["file"]).is_file():
                chosen[iid] = (Path(noted[iid]["file"]), _instrument(noted[iid]["instrument"]))
            elif iid in catalogue:
                chosen[iid] = catalogue[iid]
            else:
                lost[iid] = f"its file {noted[iid]['file']} is gone" if iid in noted else "no file of it is known"
        chosen.update({inst.id: (path, inst) for path, inst in sources})
        for iid in chosen.keys() & lost.keys():
            del lost[iid]
        return list(chosen.values()), lost


def _held(settings: Settings) -> list[str]:
    """The instruments a store's record says it held; [] when the record is unreadable or says nothing."""
    try:
        found = integrity.load_record(settings)
    except IndexDamaged:
        return []
    return list(found.instruments) if found is not None else []


def set_aside(settings: Settings) -> Path:
    """Move the damaged embedded store out of the way (to ``edge.damaged``, replacing an earlier one), holding its
    lock, so that the run builds a new one."""
    lock = _acquire(settings.edge_path.parent / f"{settings.edge_path.name}.lock", settings.edge_path)
    try:
        target = settings.data_dir / DAMAGED
        shutil.rmtree(target, ignore_errors=True)
        if settings.edge_path.exists():
            settings.edge_path.rename(target)
        integrity.record_path(settings).unlink(missing_ok=True)
        log.warning("the damaged index was moved to %s; it is rebuilt from its sources", target)
        return target
    finally:
        lock.release()


def load_sources(settings: Settings) -> dict[str, dict[str, Any]]:
    try:
        return json.loads((settings.data_dir / SOURCES_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def save_sources(settings: Settings, sources: dict[str, dict[str, Any]]) -> None:
    path = settings.data_dir / SOURCES_FILE
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(sources, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(path)


def _facts(instrument: Instrument) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(instrument).items()}


def _instrument(facts: dict[str, Any]) -> Instrument:
    known = {f.name for f in fields(Instrument)}
    values = {k: v for k, v in facts.items() if k in known}
    values["adopted"] = date.fromisoformat(values["adopted"]) if values.get("adopted") else None
    values["aliases"] = tuple(values.get("aliases") or ())
    return Instrument(**values)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0

