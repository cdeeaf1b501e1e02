"""Is the embedded index whole, and is there room to write to it? Asked before the engine trusts a store or writes one.

Qdrant Edge maps its segment files into memory, and none of their damage is an error when the store opens: a
truncated vector file reads as zeros (other results), random bytes in a payload page fail only the requests that
read that page, a deleted segments/ folder leaves what the write-ahead log still holds; and a write to a full disk
kills the process with SIGBUS. So:

- every write ends by recording what is on disk, in ``integrity.json`` beside the store: the passages per
  instrument, the size and sha256 of every segment file with one checksum over that manifest, and probe searches
  with their answers (what a fixed dense vector and the sparse vector of a stored passage's text find: content
  hashes and scores). A write marks the record unfinished before it starts, so a writer killed half-way is noticed;
- ``verify_files`` compares the files with the record before the store is opened (mapping a damaged file can crash
  the process that reads it), ``verify_store`` the counts and the probes once it is open; ``cyberlex serve`` and
  ``cyberlex check`` run both, and /health runs them again (``Watch``), hashing only files whose size or time changed;
- ``check_space`` compares what a write will need with the free space, before anything is written.

A store without a record (built before records were kept, or by a test) cannot be checked and is used as it is. A
Qdrant server keeps its own data, and is not checked here.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from haystack.dataclasses import SparseEmbedding

from cyberlex.corpus.errors import CyberlexError, DiskFull, IndexDamaged
from cyberlex.index.documents import HASH_FIELD
from cyberlex.index.sparse import encode_query
from cyberlex.index.store import Store
from cyberlex.settings import Settings

log = logging.getLogger(__name__)

RECORD_FILE = "integrity.json"
FORMAT = 1
# Edge rewrites its config file when it loads a store, and its write-ahead log on every open; a flush leaves journals
# that the next load applies and deletes. None of them is compared.
UNCHECKED = ("wal", "edge_config.json")
TRANSIENT = "_journal.dat"
PROBE_K = 10
PROBE_SEED = 185  # the dense probe is a fixed random direction; any seed does
SCORE_TOLERANCE = 1e-4
MB = 1_000_000
# What a write needs on disk, estimated high: per passage, its vectors and payload in a segment, the write-ahead log's
# copy of them and the embedding cache's row; and once per write, room for the write-ahead log's next file and the
# model's ONNX export, when either has to be made. Optimizing at the end rewrites the segments, so their present size
# counts too.
POINT_BYTES = 16_000
RESERVE_BYTES = 128 * MB


@dataclass(frozen=True)
class Probe:
    """A search and what it found: (content hash, score) of each point, best first."""

    answer: list[tuple[str, float]]
    dense: list[float] | None = None
    sparse: dict[str, list] | None = None  # SparseEmbedding's indices and values

    def run(self, store: Store) -> list[tuple[str, float]]:
        sparse = SparseEmbedding(**self.sparse) if self.sparse else None
        found = store.query(dense=self.dense, sparse=sparse, limit=PROBE_K)
        return [(payload.get(HASH_FIELD, ""), round(float(score), 5)) for payload, score in found]


@dataclass(frozen=True)
class Record:
    finished: bool  # False from the start of a write until it is recorded
    points: int = 0
    instruments: dict[str, int] = field(default_factory=dict)  # passages per instrument: what a rebuild restores
    files: dict[str, tuple[int, str]] = field(default_factory=dict)  # path under the store → (size, sha256)
    manifest: str = ""  # sha256 of the files' listing
    probes: tuple[Probe, ...] = ()
    writer: int = 0  # pid of the process that wrote last


def record_path(settings: Settings) -> Path:
    return settings.data_dir / RECORD_FILE


def load_record(settings: Settings) -> Record | None:
    """The store's record; None when there is none (or it is not one this version reads)."""
    try:
        data = json.loads(record_path(settings).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise damaged(settings, f"its integrity record cannot be read: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    files = {path: (int(size), digest) for path, (size, digest) in data["files"].items()}
    probes = tuple(Probe([(h, s) for h, s in p["answer"]], p.get("dense"), p.get("sparse")) for p in data["probes"])
    return Record(data["finished"], data["points"], data["instruments"], files, data["manifest"], probes,
                  data["writer"])


def save_record(settings: Settings, record: Record) -> None:
    """Written whole to a temporary file, then renamed: a reader sees the old record or the new one."""
    path = record_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"format": FORMAT, **asdict(record)}), encoding="utf-8")
    temporary.replace(path)


def mark_unfinished(settings: Settings) -> None:
    """Before a write: until ``record`` runs, the store is not what the record says."""
    previous = load_record(settings)
    if previous is None or previous.finished:
        save_record(settings, Record(False, **({} if previous is None else _facts(previous)), writer=os.getpid()))


def _facts(record: Record) -> dict[str, Any]:
    return {"points": record.points, "instruments": record.instruments, "files": record.files,
            "manifest": record.manifest, "probes": record.probes}


def record(settings: Settings, store: Store) -> Record:
    """Record an open store as it is now; it is flushed first, so that its files hold what it holds."""
    store.flush()
    return _save(settings, store.facet("instrument_id"), take_probes(store, settings))


def record_closed(settings: Settings) -> Record:
    """Record a store no process holds: opened, probed and closed again, its files as the next reader finds them
    (the first opening after an optimization rewrites a segment's state)."""
    from cyberlex.index.edge_store import EdgeStore

    with EdgeStore(settings.edge_path) as store:
        instruments, probes = store.facet("instrument_id"), take_probes(store, settings)
    return _save(settings, instruments, probes)


def _save(settings: Settings, instruments: dict[str, int], probes: tuple[Probe, ...]) -> Record:
    files = file_manifest(settings.edge_path)
    taken = Record(True, sum(instruments.values()), dict(sorted(instruments.items())), files, manifest_sum(files),
                   probes, os.getpid())
    save_record(settings, taken)
    return taken


def take_probes(store: Store, settings: Settings) -> tuple[Probe, ...]:
    """A dense probe (a fixed direction, so that no model is needed to repeat it) and a sparse one (the text of the
    first stored passage)."""
    first = next(iter(store.scroll(fields=["text"])), None)
    if first is None:
        return ()
    rng = np.random.default_rng(PROBE_SEED)
    direction = rng.standard_normal(_dense_size(settings))
    dense = (direction / np.linalg.norm(direction)).astype(np.float32).tolist()
    sparse = encode_query(first[1]["text"])
    probes = [Probe([], dense=dense), Probe([], sparse={"indices": list(sparse.indices), "values": list(sparse.values)})]
    return tuple(Probe(p.run(store), p.dense, p.sparse) for p in probes)


def _dense_size(settings: Settings) -> int:
    config = json.loads((settings.edge_path / "edge_config.json").read_text(encoding="utf-8"))
    return int(config["vectors"]["dense"]["size"])


def file_manifest(root: Path, only: set[str] | None = None) -> dict[str, tuple[int, str]]:
    """Path under ``root`` → (size, sha256) of every file that is compared (of ``only`` those, when given)."""
    return {path.relative_to(root).as_posix(): _digest(path) for path in _files(root)
            if only is None or path.relative_to(root).as_posix() in only}


def _digest(path: Path) -> tuple[int, str]:
    """Size and sha256 of a file; of a JSON file, those of its content with keys sorted: Edge writes its segments'
    JSON again on every flush, in the order of a hash map that changes from process to process."""
    if path.suffix == ".json":
        try:
            canonical = json.dumps(json.loads(path.read_bytes()), sort_keys=True).encode()
        except ValueError:
            canonical = path.read_bytes()  # not JSON any more: compared as it is, and found changed
        return len(canonical), hashlib.sha256(canonical).hexdigest()
    with path.open("rb") as f:
        return path.stat().st_size, hashlib.file_digest(f, "sha256").hexdigest()


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.relative_to(root).parts[0] not in UNCHECKED and not path.name.endswith(TRANSIENT):
            yield path


def manifest_sum(files: dict[str, tuple[int, str]]) -> str:
    return hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()


# ---- checking ---------------------------------------------------------------------------------------------------

REBUILD = "; run cyberlex ingest to rebuild"


def damaged(settings: Settings, reason: str) -> IndexDamaged:
    return IndexDamaged(f"the index at {settings.data_dir} is damaged ({reason}){REBUILD}")


def unfinished(settings: Settings, found: Record) -> IndexDamaged:
    return IndexDamaged(f"the index at {settings.data_dir} was left half-written by an ingest or upload that stopped "
                        f"(pid {found.writer}); run cyberlex ingest again to finish it")


def verify_files(settings: Settings, unfinished_ok: bool = False) -> Record | None:
    """The store's record, after checking the files against it; None when the store has no record (a warning).
    Raises IndexDamaged, saying what differs, before anything maps a damaged file; and for a store left half-written,
    unless ``unfinished_ok`` (the record then says nothing of its files)."""
    found = load_record(settings)
    if found is None:
        if any(_files(settings.edge_path)):
            log.warning("the index at %s has no integrity record, so it cannot be checked; run cyberlex ingest once "
                        "to record it", settings.data_dir)
        return None
    if not found.finished:
        if unfinished_ok:
            return found
        raise unfinished(settings, found)
    differences = compare(found.files, file_manifest(settings.edge_path))
    if differences:
        raise damaged(settings, differences)
    return found


def compare(recorded: dict[str, tuple[int, str]], found: dict[str, tuple[int, str]]) -> str:
    """What differs between two manifests, in a few words; "" when nothing does."""
    missing = sorted(recorded.keys() - found.keys())
    extra = sorted(found.keys() - recorded.keys())
    resized = [n for n in sorted(recorded.keys() & found.keys()) if recorded[n][0] != found[n][0]]
    changed = [n for n in sorted(recorded.keys() & found.keys()) if recorded[n] != found[n] and n not in resized]
    parts = []
    for names, what in ((missing, "missing"), (resized, "of another size"), (changed, "changed"), (extra, "unknown")):
        if names:
            more = f" and {len(names) - 1} more" if len(names) > 1 else ""
            parts.append(f"{what}: {names[0]}{more}")
    return "; ".join(parts)


def verify_store(settings: Settings, store: Store, expected: Record) -> None:
    """The open store holds the recorded number of points and answers the probes as it did; raises IndexDamaged."""
    try:
        points = store.count()
        if points != expected.points:
            raise damaged(settings, f"{points:,} passages, the last ingest wrote {expected.points:,}")
        instruments = store.facet("instrument_id")
        if instruments != expected.instruments:
            differ = sorted(i for i in instruments.keys() | expected.instruments.keys()
                            if instruments.get(i) != expected.instruments.get(i))
            raise damaged(settings, f"the passages of {', '.join(differ[:3])} are not those the last ingest wrote")
        for probe in expected.probes:
            if not _same(probe.run(store), probe.answer):
                raise damaged(settings, "a probe search finds other passages than when it was recorded")
    except IndexDamaged:
        raise
    except Exception as exc:  # a damaged payload page fails inside Edge, as whatever Edge raises
        raise damaged(settings, f"reading it fails: {type(exc).__name__}: {exc}") from exc


def open_verified(settings: Settings, unfinished_ok: bool = False) -> Store:
    """The store the settings name, once it has passed every check: room to open it, its files (before it is
    opened), its count and its probes. Raises IndexDamaged, DiskFull, StoreLocked or StoreUnavailable; whatever
    else opening it raises is damage too. A store left half-written is refused unless ``unfinished_ok``."""
    from cyberlex.index.store import open_store

    if settings.qdrant_url:
        return open_store(settings)
    check_space(settings)
    expected = verify_files(settings, unfinished_ok)
    try:
        store = open_store(settings)
    except CyberlexError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # Edge fails to load a damaged shard with whatever it raises, a Rust panic included
        raise damaged(settings, f"opening it fails: {type(exc).__name__}: {exc}") from exc
    if expected is not None and expected.finished:
        try:
            verify_store(settings, store, expected)
        except BaseException:
            store.close()
            raise
    return store


def close_store(settings: Settings, store: Store, wrote: bool) -> None:
    """Close a store, recording it again when this process wrote into it (closing then optimizes it, which rewrites
    its segments) and its files are still those it recorded: damage met since is left for the next check to find."""
    intact = wrote and not settings.qdrant_url and _intact(settings)
    store.close()
    if intact:
        record_closed(settings)
    elif wrote and not settings.qdrant_url:
        log.error("the index at %s changed since it was last recorded; it is left for the next check to report",
                  settings.data_dir)


def _intact(settings: Settings) -> bool:
    try:
        return verify_files(settings) is not None
    except IndexDamaged:
        return False


def _same(found: list[tuple[str, float]], expected: list[tuple[str, float]]) -> bool:
    return [h for h, _ in found] == [h for h, _ in expected] and all(
        abs(a - b) <= SCORE_TOLERANCE for (_, a), (_, b) in zip(found, expected))


class Watch:
    """The checks again, for /health: files are hashed again only when their size or modification time changed since
    they were last found right, and not while this process writes (``writing``)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[int, int]] = {}  # path → (size, mtime) when last found right
        self._record_stamp: int | None = None

    def writing(self) -> threading.Lock:
        """Held by a writer of this process for the length of its write."""
        return self._lock

    def check(self, store: Store) -> None:
        """Raises IndexDamaged; does nothing while a write holds the lock, or when the store has no record."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            expected = self._record()
            if expected is None:
                return
            stats = {p.relative_to(self.settings.edge_path).as_posix(): _stat(p) for p in _files(self.settings.edge_path)}
            stale = {name for name, stat in stats.items() if self._seen.get(name) != stat}
            hashed = file_manifest(self.settings.edge_path, stale)
            found = {name: hashed.get(name) or expected.files.get(name) for name in stats}
            differences = compare(expected.files, {n: v for n, v in found.items() if v is not None})
            if differences:
                self._seen.clear()
                raise damaged(self.settings, differences)
            verify_store(self.settings, store, expected)
            self._seen = stats
        finally:
            self._lock.release()

    def _record(self) -> Record | None:
        try:
            stamp = record_path(self.settings).stat().st_mtime_ns
        except FileNotFoundError:
            return None
        if stamp != self._record_stamp:
            self._seen.clear()
            self._record_stamp = stamp
        found = load_record(self.settings)
        if found is not None and not found.finished:
            raise unfinished(self.settings, found)
        return found


def _stat(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


# ---- space ------------------------------------------------------------------------------------------------------

def space_needed(settings: Settings, passages: int, extra_bytes: int = 0) -> int:
    """Bytes a write of ``passages`` passages (plus ``extra_bytes`` of files) may take at most; with none, what
    opening the store may take."""
    segments = sum(p.stat().st_blocks * 512 for p in _files(settings.edge_path / "segments")) if passages else 0
    return RESERVE_BYTES + segments + passages * POINT_BYTES + extra_bytes


def check_space(settings: Settings, passages: int = 0, extra_bytes: int = 0) -> None:
    """Raises DiskFull, before anything is written, when the data directory's disk has less free space than a write
    of ``passages`` passages needs."""
    need = space_needed(settings, passages, extra_bytes)
    free = shutil.disk_usage(_existing(settings.data_dir)).free
    if need > free:
        raise DiskFull(f"disk full at {settings.data_dir} (needs ~{_mb(need)} MB, {_mb(free)} MB free)")


def no_space(settings: Settings, exc: BaseException, passages: int = 0) -> DiskFull | None:
    """The DiskFull a failed write means, when it failed for want of space; None for any other failure."""
    if isinstance(exc, DiskFull):
        return exc
    text = str(exc)
    if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or "No space left on device" in text \
            or "database or disk is full" in text:
        return DiskFull(f"disk full at {settings.data_dir} (needs ~{_mb(space_needed(settings, passages))} MB)")
    return None


def _existing(path: Path) -> Path:
    """``path``, or its nearest ancestor that exists (a data directory not made yet)."""
    path = path.absolute()
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _mb(size: int) -> str:
    return f"{max(1, round(size / MB)):,}"
