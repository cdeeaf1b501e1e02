"""Hostile files and damaged stores, run against the real engine: what a user sees, how long it takes, and what
is lost (which must be nothing).

    python -m cyberlex.evals.faults [--work DIR] [--full [--seed-cache data/cache]]

Prints one row per case: the case, its outcome (the line a user reads), the time it took, and what was lost. Every
case runs in a scratch data directory (a temporary one, or under ``--work``), never in CYBERLEX_DATA_DIR, through the
``cyberlex`` command and the API in this process:

- hostile files: each is ingested by ``cyberlex ingest`` beside a good text, then uploaded (POST /documents); it
  must be refused with its reason, quickly, or indexed whole, and the good text indexed whole either way;
- damaged stores: an index (three small corpus texts, a user's file and an upload; the whole corpus with ``--full``)
  is damaged as a failing disk or a careless hand would; ``cyberlex check`` and ``cyberlex serve`` must refuse it in
  one line, /health answer 503, and ``cyberlex ingest`` rebuild it as it was: "lost" compares every passage (point
  id and content hash) with the index before the damage;
- a full disk (the free space ``shutil.disk_usage`` reports, made small): ingest, serve and an upload must refuse
  before writing, and the index stay as it was.

The hostile files are built here; tests/test_bad_files.py, tests/test_convert.py and tests/test_faults.py use the
same builders.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# ---- hostile files ---------------------------------------------------------------------------------------------

PAGE_TEXT = b"BT /F1 12 Tf 72 720 Td (Article 1 Every Party shall adopt such measures.) Tj ET"


def page_tree_bomb(levels: int = 14, pages: int = 3) -> bytes:
    """A PDF of ``pages`` real pages under a /Pages node whose /Kids list the node below twice, ``levels`` deep: a
    DAG whose /Count is pages * 2**levels (49,152 for the defaults) in about two kilobytes."""
    objects = {
        2: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        3: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(PAGE_TEXT), PAGE_TEXT),
    }
    leaves = list(range(4, 4 + pages))
    node = leaves[-1] + 1
    for leaf in leaves:
        objects[leaf] = (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 2 0 R >> "
                         b">> /Contents 3 0 R >>" % node)
    objects[node] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % n for n in leaves), pages)
    count = pages
    for _ in range(levels):
        count *= 2
        objects[node + 1] = b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count %d >>" % (node, node, count)
        node += 1
    objects[1] = b"<< /Type /Catalog /Pages %d 0 R >>" % node
    return _pdf(objects)


def _pdf(objects: dict[int, bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, objects[number]))
    xref, size = out.tell(), max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    out.write(b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size)))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return out.getvalue()


def nested_html(depth: int = 5000) -> bytes:
    """Text ``depth`` <div>s deep, between two ordinary paragraphs."""
    return (b"<html><body><p>Section 1 Before the nest.</p>" + b"<div>" * depth + b"Section 2 Deep in the nest."
            + b"</div>" * depth + b"<p>Section 3 After the nest.</p></body></html>")


def doctype_subset() -> bytes:
    """A DOCTYPE with an internal subset, whose "]>" an HTML parser leaves as text."""
    return (b'<!DOCTYPE html [ <!ENTITY notice "x"> ]><html><body><h2>Section 1 Scope</h2>'
            b"<p>This notice applies to every system.</p></body></html>")


UTF16_TEXT = "Section 1 Scope\nThis policy applies to the networks of cafés and hôtels.\n"


def utf16_without_bom(byteorder: str = "le") -> bytes:
    return UTF16_TEXT.encode(f"utf-16-{byteorder}")


def high_bytes(size: int = 20_000, seed: int = 3) -> bytes:
    """Random bytes from 0x80 up: no control character of C0, but no text either."""
    return bytes(random.Random(seed).randrange(0x80, 0x100) for _ in range(size))


NO_STRUCTURE = "Some thoughts on a breach of the customer database.\n\nFirst, isolate the affected machines.\n"

# name → (its bytes, what it must give: a reason it is refused with, or None when it must be indexed)
HOSTILE: dict[str, tuple[Callable[[], bytes], str | None]] = {
    "page-tree-bomb.pdf": (page_tree_bomb, "49,152 pages, over the limit of 2,000"),
    "repeated-pages.pdf": (lambda: page_tree_bomb(3), "malformed PDF: its page tree lists 3 pages 24 times"),
    "nested-5000.html": (nested_html, None),
    "doctype-subset.html": (doctype_subset, None),
    "utf16-no-bom.txt": (utf16_without_bom, None),
    "high-bytes.md": (high_bytes, "binary content, not text"),
    "corrupt.pdf": (lambda: b"%PDF-1.7\n" + random.Random(1).randbytes(4000), "corrupt PDF"),
    "empty.txt": (lambda: b"", "empty file"),
}
GOOD = "paris-call-2018.md"  # ingested beside each hostile file, under another name (a copy is a user's file)
SMALL = ("paris-call-2018.md", "north-atlantic-treaty-1949.md", "budapest-protocol-1-xenophobia.md")
KEY = "faults"

Snapshot = dict[str, str]  # point id → content hash


@dataclass
class Row:
    case: str
    outcome: str
    seconds: float
    lost: str


# ---- damaged stores ----------------------------------------------------------------------------------------------

def _segment_files(data_dir: Path, part: str) -> list[Path]:
    return sorted((data_dir / "edge" / "segments").glob(f"*/{part}"), key=lambda p: p.stat().st_size, reverse=True)


def overwrite_payload_page(data_dir: Path) -> None:
    """Random bytes over the first 4 kB of the largest payload page."""
    with _segment_files(data_dir, "payload_storage/page_*.dat")[0].open("r+b") as page:
        page.write(random.Random(4).randbytes(4096))


def truncate_dense_vectors(data_dir: Path) -> None:
    """The dense vectors cut to half their size: an optimized segment's matrix.dat, else the largest file of an
    appendable segment's vectors."""
    files = [f for f in _segment_files(data_dir, "vector_storage-dense/**/*") if f.is_file()]
    target = next((f for f in files if f.name == "matrix.dat"), files[0])
    os.truncate(target, target.stat().st_size // 2)


def delete_segments(data_dir: Path) -> None:
    shutil.rmtree(data_dir / "edge" / "segments")


def add_stray_file(data_dir: Path) -> None:
    next((data_dir / "edge" / "segments").iterdir()).joinpath("stray.dat").write_bytes(b"\0" * 512)


def stop_a_writer(data_dir: Path) -> None:
    """What a writer killed half-way leaves: the record marked unfinished (the store itself is whole)."""
    from cyberlex.index.integrity import mark_unfinished
    from cyberlex.settings import Settings

    mark_unfinished(Settings(data_dir=data_dir))


DAMAGES: dict[str, Callable[[Path], None]] = {
    "payload page overwritten": overwrite_payload_page,
    "dense vectors truncated": truncate_dense_vectors,
    "segments/ deleted": delete_segments,
    "stray file in a segment": add_stray_file,
    "writer killed half-way": stop_a_writer,
}


def copy_data(source: Path, target: Path) -> None:
    """A scratch copy of a data directory: the store's files as sparse as they are (mostly holes: a plain copy of a
    small store takes a quarter of a gigabyte), the embedding cache and the exported model hard-linked."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        flags = "-al" if entry.name == "cache" else "-a"
        subprocess.run(["cp", flags, "--sparse=always", str(entry), str(target / entry.name)], check=True)


def snapshot(data_dir: Path) -> Snapshot:
    from cyberlex.index.documents import HASH_FIELD
    from cyberlex.index.edge_store import EdgeStore

    with EdgeStore(data_dir / "edge") as store:
        return {pid: payload[HASH_FIELD] for pid, payload in store.scroll(fields=[HASH_FIELD])}


def lost(before: Snapshot, after: Snapshot) -> str:
    missing, changed = before.keys() - after.keys(), {p for p in before.keys() & after.keys() if before[p] != after[p]}
    extra = after.keys() - before.keys()
    if not (missing or changed or extra):
        return "nothing"
    return f"{len(missing)} passages missing, {len(changed)} changed, {len(extra)} unexpected"


# ---- running the engine --------------------------------------------------------------------------------------------

def cli(data_dir: Path, *args: str) -> tuple[int, str, float]:
    """``cyberlex ARGS`` in this process: exit code, the last line it wrote to stderr (or stdout), seconds."""
    from typer.testing import CliRunner

    from cyberlex.cli import app

    started = time.monotonic()
    result = CliRunner(env={"CYBERLEX_DATA_DIR": str(data_dir)}).invoke(app, list(args))
    seconds = time.monotonic() - started
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    lines = (result.stderr or result.stdout).strip().splitlines()
    return result.exit_code, lines[-1] if lines else "", seconds


@contextmanager
def served(data_dir: Path) -> Iterator[object]:
    """The API on the data directory, opened as ``cyberlex serve`` opens it (the app's own start-up checks)."""
    from fastapi.testclient import TestClient

    from cyberlex.api.main import create_app
    from cyberlex.settings import Settings

    with TestClient(create_app(Settings(data_dir=data_dir, api_key=KEY))) as client:
        yield client


def upload(client: object, name: str, content: bytes, instrument_id: str, **fields: str) -> tuple[int, str, float]:
    started = time.monotonic()
    response = client.post("/documents", files={"file": (name, content)}, headers={"X-API-Key": KEY},  # type: ignore[attr-defined]
                           data={"instrument_id": instrument_id, **fields})
    detail = response.json().get("detail", "") if response.status_code != 200 else "indexed"
    return response.status_code, detail, time.monotonic() - started


@contextmanager
def disk_with_free(megabytes: float) -> Iterator[None]:
    """``shutil.disk_usage`` reporting ``megabytes`` free, as on a full disk."""
    real = shutil.disk_usage

    def usage(path: object) -> object:
        total, used, _ = real(path)
        return type(real(path))(total, used, int(megabytes * 1_000_000))

    shutil.disk_usage = usage  # type: ignore[assignment]
    try:
        yield
    finally:
        shutil.disk_usage = real  # type: ignore[assignment]


def corpus_args(full: bool) -> list[str]:
    """``cyberlex ingest`` of the index's corpus texts: the whole corpus, or the small one. A rebuild adds what the
    damaged index held besides (a user's file, an upload)."""
    from cyberlex.settings import Settings

    return ["ingest"] if full else ["ingest", *(str(Settings().corpus_dir / name) for name in SMALL)]


def build_index(data_dir: Path, full: bool) -> None:
    """The index the store cases damage: corpus texts, a user's file and an upload, every write recorded."""
    code, line, _ = cli(data_dir, *corpus_args(full))
    assert code == 0, line
    notes = data_dir.parent / f"{data_dir.name}-notes.md"
    notes.write_text(NO_STRUCTURE, encoding="utf-8")
    code, line, _ = cli(data_dir, "ingest", str(notes), "--title", "Our breach notes")
    assert code == 0, line
    with served(data_dir) as client:
        status, detail, _ = upload(client, "handbook.md", b"# Handbook\n\nCall the partner first.\n", "handbook")
        assert status == 200, detail


# ---- the cases --------------------------------------------------------------------------------------------------

def file_rows(work: Path, names: list[str]) -> Iterator[Row]:
    from cyberlex.settings import Settings

    good_text = (Settings().corpus_dir / GOOD).read_bytes()
    for name in names:
        make, reason = HOSTILE[name]
        folder, data_dir = work / f"files-{name}", work / f"files-{name}-data"
        folder.mkdir()
        (folder / name).write_bytes(make())
        (folder / "good-copy.md").write_bytes(good_text)
        code, line, seconds = cli(data_dir, "ingest", str(folder))
        good = snapshot_instruments(data_dir).get("good-copy")
        with served(data_dir) as client:
            status, detail, upload_seconds = upload(client, name, make(), "hostile-upload")
        found = snapshot_instruments(data_dir)
        indexed = (Path(name).stem in found, status == 200)
        wanted = reason is None
        refused = line.split(": ", 2)[-1] if code else "indexed"
        outcome = f"cli: {refused}; upload: {status} {detail}"
        ok = indexed == (wanted, wanted) and (wanted or (reason in line and reason in detail)) \
            and good and found.get("good-copy") == good
        yield Row(f"file {name}", outcome, seconds + upload_seconds,
                  "nothing" if ok else f"wrong outcome (wanted {reason or 'indexed'})")


def snapshot_instruments(data_dir: Path) -> dict[str, int]:
    from cyberlex.index.integrity import load_record
    from cyberlex.settings import Settings

    found = load_record(Settings(data_dir=data_dir))
    return dict(found.instruments) if found else {}


def store_rows(work: Path, full: bool, names: list[str], seed: Path | None = None) -> Iterator[Row]:
    pristine = work / "store-pristine"
    if seed is not None:
        pristine.mkdir()
        shutil.copytree(seed, pristine / "cache")
    build_index(pristine, full)
    before = snapshot(pristine)
    for name in names:
        damage = DAMAGES[name]
        data_dir = work / f"store-{name.replace(' ', '-').replace('/', '')}"
        copy_data(pristine, data_dir)
        damage(data_dir)
        code, check_line, seconds = cli(data_dir, "check")
        serve_code, serve_line, _ = cli(data_dir, "serve", "--port", "9")
        with served(data_dir) as client:
            health = client.get("/health")  # type: ignore[attr-defined]
        refused = code == 2 and serve_code == 2 and serve_line == check_line and health.status_code == 503
        code, _, rebuild_seconds = cli(data_dir, *corpus_args(full))  # what the message says to run
        after = snapshot(data_dir) if code in (0, 1) else {}
        said = check_line.replace(str(data_dir), "DATA_DIR")
        outcome = (f"check, serve: exit 2, {said!r}; /health {health.status_code}; ingest: exit {code} in "
                   f"{rebuild_seconds:.0f} s" if refused else f"NOT REFUSED: {said}")
        yield Row(f"store: {name}", outcome, seconds, lost(before, after) if refused else "unnoticed")
    yield from disk_rows(work, pristine, before)


def disk_rows(work: Path, pristine: Path, before: Snapshot) -> Iterator[Row]:
    data_dir = work / "store-disk-full"
    copy_data(pristine, data_dir)
    notes = work / "more-notes.md"
    notes.write_text(NO_STRUCTURE.replace("customer", "payroll"), encoding="utf-8")
    record = (data_dir / "integrity.json").read_bytes()
    with disk_with_free(5):
        code, line, seconds = cli(data_dir, "ingest", str(notes))
        yield Row("disk full: ingest", f"exit {code}: {line.replace(str(data_dir), 'DATA_DIR')}", seconds,
                  _unchanged(data_dir, before, record))
        code, line, seconds = cli(data_dir, "serve", "--port", "9")
        yield Row("disk full: serve", f"exit {code}: {line.replace(str(data_dir), 'DATA_DIR')}", seconds,
                  _unchanged(data_dir, before, record))
    with served(data_dir) as client, disk_with_free(5):
        status, detail, seconds = upload(client, "more.md", notes.read_bytes(), "more-notes")
    yield Row("disk full: upload", f"{status}: {detail}", seconds, _unchanged(data_dir, before, record))


def _unchanged(data_dir: Path, before: Snapshot, record: bytes) -> str:
    if (data_dir / "integrity.json").read_bytes() != record:
        return "the index changed"
    return lost(before, snapshot(data_dir))


def run(work: Path, full: bool = False, files: list[str] | None = None, damages: list[str] | None = None,
        seed: Path | None = None) -> list[Row]:
    """Every case (the hostile ``files`` and the ``damages`` named, when given), then the full disk."""
    return [*file_rows(work, list(HOSTILE) if files is None else files),
            *store_rows(work, full, list(DAMAGES) if damages is None else damages, seed)]


def to_markdown(rows: list[Row]) -> str:
    lines = ["| case | outcome | time | lost |", "| --- | --- | --- | --- |"]
    lines += [f"| {r.case} | {r.outcome.replace('|', '/')} | {r.seconds:.1f} s | {r.lost} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, help="scratch directory (default: a temporary one, removed)")
    parser.add_argument("--full", action="store_true", help="damage an index of the whole corpus (minutes more)")
    parser.add_argument("--seed-cache", type=Path, help="an embedding cache to start from (copied), e.g. "
                        "data/cache: the full index then embeds nothing")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cyberlex-faults-", dir=args.work) as scratch:
        rows = run(Path(scratch), args.full, seed=args.seed_cache)
    print(to_markdown(rows))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in rows], indent=1), encoding="utf-8")
    if any(r.lost != "nothing" for r in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
