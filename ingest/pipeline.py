"""Ingestion, start to end: source file → text → provisions → passages → the index.

One instrument at a time, so that a bad file is reported and skipped while the rest ingests: a file
that cannot be read, is over the size limit, yields no text, or trips a bug in a parser is recorded in
the report with its reason, and nothing of it reaches the index. Parsing (pure Python, one core) runs a few
files ahead in a worker process while this one embeds (ONNX Runtime, every core), and the passages of the
files already parsed can be embedded in one pool before the first of them is indexed (``embed_ahead``).
"""

from __future__ import annotations

import logging
import os
import re
import resource
import signal
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import islice
from multiprocessing import get_context, parent_process
from multiprocessing.connection import Connection, wait
from pathlib import Path

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.errors import ConversionError, CyberlexError, DiskFull, InvalidInput
from cyberlex.corpus.manifest import checksums, verify
from cyberlex.corpus.model import Instrument, Passage, Provision
from cyberlex.ingest.convert import SUFFIXES, Budget, convert
from cyberlex.ingest.passages import to_passages
from cyberlex.ingest.segment import segment

# Files parsed ahead of the one being indexed (a parsed text file pickles to about twice its size). Fewer than 6 left
# the worker idle behind files slow to index on a re-ingest from the embedding cache.
PARSE_AHEAD = 6
# Passages embedded in one call at most when embedding ahead: a pool of 1,000 ran 6% faster than the same corpus
# instrument by instrument; a larger one would add little and lose more work to an interrupt.
EMBED_POOL = 1000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parsed:
    instrument: Instrument
    provisions: list[Provision]
    passages: list[Passage]


@dataclass(frozen=True)
class Isolation:
    """Limits of a parse in a process of its own (``parse_isolated``)."""

    seconds: float
    memory_mb: int


@dataclass
class IngestReport:
    """What one run did, per instrument; `failed` maps a file to the reason it was skipped, `errors` to the error."""

    provisions: dict[str, int] = field(default_factory=dict)
    passages: dict[str, int] = field(default_factory=dict)
    changes: dict[str, object] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, Exception] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.failed


def parse_instrument(path: Path, instrument: Instrument, budget: Budget = Budget()) -> Parsed:
    """Convert and segment one file. Raises ConversionError for unreadable input, or for a file over ``budget``
    (checked while it is read): embedding tens of megabytes of text takes hours on two cores."""
    budget.check_size(path)
    if instrument.sha256:
        verify(path, instrument.sha256)
    converted = convert(path, instrument.format or None, budget)
    if instrument.text_ends and (end := converted.text.find(instrument.text_ends)) >= 0:
        converted = replace(converted, text=converted.text[:end])
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
        unit="paragraph", file=str(path), format=SUFFIXES.get(path.suffix.lower(), ""),
    )
    defaults.update({k: v for k, v in facts.items() if v is not None})
    return Instrument(**defaults)  # type: ignore[arg-type]


def resolve_sources(
    catalog: Catalog,
    corpus_dir: Path,
    paths: Iterable[Path] = (),
    instrument_id: str | None = None,
    replace_catalogued: bool = False,
    **facts: object,
) -> list[tuple[Path, Instrument]]:
    """Pair each source file with its instrument: the catalogue's, read from its own files, or the given files.

    A catalogue instrument comes only from the catalogue's own file in ``corpus_dir``; any other file is a user's
    instrument under its own id (``instrument_id``, else its file name). One whose id is a catalogue instrument's
    would take that instrument's place, and one whose title is a catalogue instrument's name would be cited as it:
    both are refused, naming the instrument, unless ``replace_catalogued`` says to index the file in the catalogue
    instrument's place (under its id and facts)."""
    sums = checksums(corpus_dir)
    if not paths:
        return [(corpus_dir / inst.file, replace(inst, sha256=sums.get(inst.file, ""))) for inst in catalog]
    own = {(corpus_dir / inst.file).resolve(): inst for inst in catalog}
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p])
    if instrument_id and len(files) != 1:
        raise CyberlexError(f"--instrument-id names one instrument but {len(files)} files were given")
    pairs, clashes = [], []
    for f in files:
        catalogued = own.get(f.resolve())
        if catalogued is not None and instrument_id in (None, catalogued.id):
            pairs.append((f, replace(catalogued, sha256=sums.get(catalogued.file, ""))))
            continue
        instrument = user_instrument(f, instrument_id, **facts)
        if instrument.id in catalog:
            base = catalog.get(instrument.id)
            if not replace_catalogued:
                clashes.append(f"{f}: its id {base.id!r} is the catalogue's {base.short_title}, which is read only from "
                               f"its own file ({corpus_dir / base.file}); rename the file or give it --instrument-id, "
                               "or pass --replace to index it in the catalogue instrument's place")
                continue
            instrument = replace(base, file=str(f), format=SUFFIXES.get(f.suffix.lower(), base.format))
        elif (owner := namesake(catalog, instrument)) is not None:
            clashes.append(f"{f}: its title {instrument.title!r} is a name of the catalogue's {owner.id}; give it "
                           "a title of its own with --title")
            continue
        pairs.append((f, instrument))
    if clashes:
        raise InvalidInput("; ".join(clashes))
    return pairs


def namesake(catalog: Catalog, instrument: Instrument) -> Instrument | None:
    """The catalogue instrument whose title, short title, citation or alias a user's instrument takes as its title
    or citation (case, spacing and punctuation aside): results would cite the user's text as the official one."""
    own = {_name_key(n) for n in (instrument.title, instrument.short_title, instrument.citation)}
    for official in catalog:
        if official.id != instrument.id and own & {_name_key(n) for n in (
                official.title, official.short_title, official.citation, official.id, *official.aliases)}:
            return official
    return None


def _name_key(name: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", name.casefold()).split())


def ingest(
    sources: list[tuple[Path, Instrument]],
    index: Callable[[str, list[Passage]], object],
    on_progress: Callable[[Instrument, Parsed | None, object], None] = lambda *_: None,
    budget: Budget = Budget(),
    parse_ahead: int = PARSE_AHEAD,
    embed_ahead: Callable[[dict[str, list[Passage]]], object] | None = None,
    isolation: Isolation | None = None,
) -> IngestReport:
    """Parse and index each source; a file that fails is recorded in the report and the run goes on, except when
    the disk is full (``DiskFull`` ends the run: every file after it would fail the same way).

    A worker process parses up to ``parse_ahead`` files ahead of the one being indexed; with 0, or a single
    source (no process start-up to pay for one file), each file is parsed here, just before it is indexed.
    With ``isolation``, each file is parsed alone in a process of its own under those limits (``parse_isolated``).

    ``embed_ahead``, when given, receives the passages of an instrument about to be indexed together with those of
    the next ones the worker has already parsed (up to EMBED_POOL passages), before the first of them is indexed:
    the model embeds one long list sorted by length faster than the same texts list by list."""
    report = IngestReport()
    files: dict[str, Path] = {}  # instrument id → the file indexed under it in this run
    embedded = 0  # sources before this position have been handed to embed_ahead
    with _parses(sources, budget, parse_ahead if len(sources) > 1 else 0, isolation) as parses:
        for position, ((path, instrument), parse) in enumerate(zip(sources, parses)):
            try:
                if instrument.id in files:
                    raise InvalidInput(f"{path}: instrument id {instrument.id!r} is already taken by "
                                       f"{files[instrument.id]} in this run; ingest it alone with --instrument-id")
                parsed = parse()
                if not parsed.passages:
                    raise ConversionError(str(path), "no text found to index")
                if embed_ahead is not None and position >= embedded:
                    pool = _pool(parsed, parses.ready())
                    embedded = position + len(pool)
                    _embed(embed_ahead, pool)
                change = index(instrument.id, parsed.passages)
            except DiskFull:
                raise
            except Exception as exc:
                reason = str(exc) if isinstance(exc, CyberlexError) else _unexpected(path, exc)
                report.failed[str(path)] = reason
                report.errors[str(path)] = exc
                on_progress(instrument, None, reason)
                continue
            files[instrument.id] = path
            report.provisions[instrument.id] = len(parsed.provisions)
            report.passages[instrument.id] = len(parsed.passages)
            report.changes[instrument.id] = change
            on_progress(instrument, parsed, change)
    return report


def _pool(first: Parsed, following: list[Parsed]) -> list[Parsed]:
    pool = [first]
    for parsed in following:
        if sum(len(p.passages) for p in pool) >= EMBED_POOL:
            break
        pool.append(parsed)
    return pool


def _embed(embed_ahead: Callable[[dict[str, list[Passage]]], object], pool: list[Parsed]) -> None:
    """Embedding ahead only saves time: if it fails, each instrument embeds its own passages when indexed, and the
    one whose text is to blame fails there, with its file named."""
    instruments = {parsed.instrument.id: parsed.passages for parsed in pool}
    try:
        embed_ahead(instruments)
    except Exception:
        log.warning("embedding ahead failed for %s; each is embedded when it is indexed", ", ".join(instruments),
                    exc_info=True)


class _Inline:
    """Each source's parse as a call that runs ``parse`` here, when the ingest gets to it."""

    def __init__(self, sources: list[tuple[Path, Instrument]], parse: Callable[[Path, Instrument], Parsed]):
        self._sources, self._parse = sources, parse

    def __iter__(self) -> Iterator[Callable[[], Parsed]]:
        return (partial(self._parse, path, instrument) for path, instrument in self._sources)

    def ready(self) -> list[Parsed]:
        return []


class _Ahead:
    """Each source's parse as a call that returns it or raises its error, parsed in a worker process ``ahead``
    files ahead of the one taken."""

    def __init__(self, pool: ProcessPoolExecutor, sources: list[tuple[Path, Instrument]], budget: Budget, ahead: int):
        self._submit = partial(pool.submit, _parse_in_worker, budget=budget)
        self._sources = iter(sources)
        self._futures: deque[Future[Parsed]] = deque()
        for path, instrument in islice(self._sources, ahead):
            self._futures.append(self._submit(path, instrument))

    def __iter__(self) -> Iterator[Callable[[], Parsed]]:
        for path, instrument in self._sources:
            self._futures.append(self._submit(path, instrument))
            yield self._futures.popleft().result
        while self._futures:
            yield self._futures.popleft().result

    def ready(self) -> list[Parsed]:
        """The parses of the files after the one last taken that are already done, up to the first that is not
        done or failed: a peek that never waits."""
        done = []
        for future in self._futures:
            if not future.done() or future.exception() is not None or not future.result().passages:
                break
            done.append(future.result())
        return done


@contextmanager
def _parses(sources: list[tuple[Path, Instrument]], budget: Budget, ahead: int,
            isolation: Isolation | None = None) -> Iterator[_Inline | _Ahead]:
    """Each source's parse in source order; ``ahead`` > 0 runs them in a worker process, ``isolation`` each in a
    process of its own. Workers are spawned, not forked: this process runs ONNX Runtime's threads. On any exit,
    Ctrl-C included, the parse under way ends and the rest are dropped."""
    if isolation is not None:
        yield _Inline(sources, partial(parse_isolated, budget=budget, isolation=isolation))
        return
    if not ahead:
        yield _Inline(sources, partial(parse_instrument, budget=budget))
        return
    pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=_start_worker)
    try:
        yield _Ahead(pool, sources, budget, ahead)
    finally:
        pool.shutdown(cancel_futures=True)


def _start_worker() -> None:
    """Ctrl-C reaches the whole process group; the main process alone handles it. And the worker ends with the
    main process, even killed: waiting for work on a queue it holds both ends of, it would never see it go."""

    def exit_with_parent() -> None:
        wait([parent_process().sentinel])
        os._exit(1)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=exit_with_parent, daemon=True).start()


class _ParseBug(Exception):
    """A bug met in the worker, sent back as text: its exception might not unpickle, and a result that does not
    unpickle breaks the pool for every file after it."""

    def __init__(self, name: str, message: str, trace: str):
        super().__init__(name, message, trace)
        self.name, self.message, self.trace = name, message, trace


def _parse_in_worker(path: Path, instrument: Instrument, budget: Budget) -> Parsed:
    try:
        return parse_instrument(path, instrument, budget)
    except CyberlexError:
        raise
    except Exception as exc:
        raise _ParseBug(type(exc).__name__, str(exc), traceback.format_exc()) from None


def parse_isolated(path: Path, instrument: Instrument, budget: Budget, isolation: Isolation) -> Parsed:
    """Parse in a process of its own, under a wall-clock and a memory limit: for a file nobody vetted (an upload),
    whose parse may run on or balloon, at the cost of that request alone, never of the server's core or memory."""
    context = get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_parse_limited, args=(sender, path, instrument, budget, isolation.memory_mb),
                             daemon=True)
    worker.start()
    sender.close()
    try:
        if not receiver.poll(isolation.seconds):
            raise ConversionError(str(path), f"parsing took over {isolation.seconds:g} s, the limit "
                                             "(CYBERLEX_PARSE_SECONDS)")
        try:
            outcome = receiver.recv()
        except EOFError:
            worker.join()
            raise ConversionError(str(path), f"the parser stopped (exit code {worker.exitcode})") from None
    finally:
        worker.kill()
        worker.join()
        receiver.close()
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _parse_limited(sender: Connection, path: Path, instrument: Instrument, budget: Budget, memory_mb: int) -> None:
    """The isolated parse: its outcome, the parse or the error, goes back through ``sender``."""
    limit = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    outcome: Parsed | Exception
    try:
        outcome = parse_instrument(path, instrument, budget)
    except MemoryError:
        outcome = ConversionError(str(path), f"parsing needed over {memory_mb} MB, the limit (CYBERLEX_PARSE_MEMORY_MB)")
    except CyberlexError as exc:
        outcome = exc
    except Exception as exc:
        outcome = _ParseBug(type(exc).__name__, str(exc), traceback.format_exc())
    sender.send(outcome)


def _unexpected(path: Path, exc: Exception) -> str:
    """A bug met on one file: logged with its traceback for the fix, reported as that file's failure."""
    if isinstance(exc, _ParseBug):
        log.error("unexpected error ingesting %s, in the parse worker:\n%s", path, exc.trace.rstrip())
        name, message = exc.name, exc.message
    else:
        log.error("unexpected error ingesting %s", path, exc_info=exc)
        name, message = type(exc).__name__, str(exc)
    return f"{path}: unexpected {name} (a cyberlex bug; the log has the traceback): {message}"
