"""Parsing ahead in a worker process changes nothing but the speed: the same report, the same passages, the same
reasons for bad files and bugs, progress in source order; and the worker never outlives the ingest, killed or
interrupted. Small corpus texts, one PDF among them, beside bad files made at test time."""

from __future__ import annotations

import inspect
import multiprocessing
import os
import pickle
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from child_signals import answer_ctrl_c

from cyberlex.corpus import errors
from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.model import Instrument, Passage
from cyberlex.ingest.convert import Budget
from cyberlex.ingest.pipeline import (
    IngestReport,
    Isolation,
    Parsed,
    ingest,
    parse_instrument,
    parse_isolated,
    resolve_sources,
    user_instrument,
)
from cyberlex.settings import PACKAGE_ROOT, Settings

CORPUS = Settings().corpus_dir
PARIS, TREATY, SINGAPORE, PROTOCOL, ISRAEL = (CORPUS / name for name in (
    "paris-call-2018.md", "north-atlantic-treaty-1949.md", "singapore-cybersecurity-act-2018.pdf",
    "budapest-protocol-1-xenophobia.md", "israel-position-international-law-cyber-2020.md"))


@dataclass
class Run:
    report: IngestReport
    indexed: list[tuple[str, list[Passage], list[dict]]]  # what index() got, passages' metadata apart (not compared)
    progress: list[tuple[str, Parsed | None, object]]
    pools: list[tuple[list[str], int]]  # each call to embed_ahead: its instruments, and how many were indexed before


def run(sources: list[tuple[Path, Instrument]], parse_ahead: int,
        embed_ahead: Callable[[dict[str, list[Passage]]], object] | None = None, first_index_takes: float = 0) -> Run:
    done = Run(IngestReport(), [], [], [])

    def embed(instruments: dict[str, list[Passage]]) -> object:
        done.pools.append((list(instruments), len(done.indexed)))
        return embed_ahead(instruments) if embed_ahead else None

    def index(instrument_id: str, passages: list[Passage]) -> str:
        if not done.indexed:
            time.sleep(first_index_takes)
        done.indexed.append((instrument_id, passages, [p.metadata for p in passages]))
        return f"{len(passages)} indexed"

    done.report = ingest(sources, index, lambda inst, parsed, change: done.progress.append((inst.id, parsed, change)),
                         parse_ahead=parse_ahead, embed_ahead=embed if embed_ahead else None)
    return done


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Instrument]]:
    """Good files, a corrupt PDF, an empty file, and one file twice (its second id is taken)."""
    bad = tmp_path_factory.mktemp("bad")
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + random.Random(1).randbytes(4000))
    (bad / "empty.txt").write_bytes(b"")
    return resolve_sources(load_catalog(), CORPUS, [PARIS, bad / "corrupt.pdf", TREATY, bad / "empty.txt", PARIS,
                                                    SINGAPORE])


@pytest.fixture(scope="module")
def inline(sources: list[tuple[Path, Instrument]]) -> Run:
    return run(sources, parse_ahead=0)


@pytest.fixture(scope="module")
def ahead(sources: list[tuple[Path, Instrument]]) -> Run:
    return run(sources, parse_ahead=2)


def test_parsing_ahead_gives_the_same_report_and_passages_as_parsing_inline(inline: Run, ahead: Run) -> None:
    assert sorted(ahead.report.passages) == ["north-atlantic-treaty-1949", "paris-call-2018",
                                             "singapore-cybersecurity-act-2018"]
    assert ahead.report == inline.report
    assert ahead.indexed == inline.indexed
    assert ahead.progress == inline.progress


def test_progress_comes_in_source_order(sources: list[tuple[Path, Instrument]], ahead: Run) -> None:
    assert [iid for iid, _, _ in ahead.progress] == [instrument.id for _, instrument in sources]


def test_a_bad_file_fails_with_the_same_reason_either_way(sources: list[tuple[Path, Instrument]], inline: Run,
                                                          ahead: Run) -> None:
    corrupt, empty, twice = (str(sources[i][0]) for i in (1, 3, 4))
    assert ahead.report.failed == inline.report.failed
    assert ahead.report.failed[corrupt].startswith(f"{corrupt}: corrupt PDF")
    assert ahead.report.failed[empty] == f"{empty}: empty file"
    assert "instrument id 'paris-call-2018' is already taken by" in ahead.report.failed[twice]


def test_a_bug_met_while_parsing_ahead_is_reported_as_a_bug_and_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    (paris, instrument), treaty = resolve_sources(load_catalog(), CORPUS, [PARIS, TREATY])
    sources = [(paris, replace(instrument, language=["en"])), treaty]  # the segmenter hashes the language: TypeError
    reasons = []
    for parse_ahead in (0, 2):
        caplog.clear()
        report = run(sources, parse_ahead).report
        assert list(report.passages) == ["north-atlantic-treaty-1949"]
        reasons.append(report.failed[str(paris)])
        assert 'segment.py", line' in caplog.text and "TypeError: unhashable type: 'list'" in caplog.text
    assert reasons[0] == reasons[1]
    assert reasons[1] == f"{paris}: unexpected TypeError (a cyberlex bug; the log has the traceback): " \
                         "unhashable type: 'list'"


def test_embedding_ahead_pools_instruments_already_parsed_each_once_before_it_is_indexed(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n" + random.Random(1).randbytes(4000))
    sources = resolve_sources(load_catalog(), CORPUS, [PARIS, TREATY, PROTOCOL, corrupt, ISRAEL])
    # the first instrument takes long enough to index for the worker to parse the next two
    done = run(sources, parse_ahead=4, embed_ahead=lambda instruments: None, first_index_takes=3)
    pools = [pool for pool, _ in done.pools]
    good = ["paris-call-2018", "north-atlantic-treaty-1949", "budapest-protocol-1-xenophobia",
            "israel-position-international-law-cyber-2020"]
    assert [iid for pool in pools for iid in pool] == good
    assert max(map(len, pools)) > 1
    assert not any({good[2], good[3]} <= set(pool) for pool in pools)  # a pool never reaches past a failed file
    assert [indexed for _, indexed in done.pools] == [good.index(pool[0]) for pool in pools]
    assert done.report == run(sources, parse_ahead=4).report


def test_when_embedding_ahead_fails_every_instrument_is_still_indexed(caplog: pytest.LogCaptureFixture) -> None:
    def embed_ahead(instruments: dict[str, list[Passage]]) -> None:
        raise RuntimeError("the model broke")

    sources = resolve_sources(load_catalog(), CORPUS, [PARIS, TREATY])
    report = run(sources, parse_ahead=2, embed_ahead=embed_ahead).report
    assert report.ok and list(report.passages) == ["paris-call-2018", "north-atlantic-treaty-1949"]
    assert "embedding ahead failed for paris-call-2018" in caplog.text
    assert "RuntimeError: the model broke" in caplog.text


def test_a_full_disk_ends_the_run_at_the_file_that_met_it() -> None:
    sources = resolve_sources(load_catalog(), CORPUS, [PARIS, TREATY, PROTOCOL])
    indexed = []

    def index(instrument_id: str, passages: list[Passage]) -> None:
        if instrument_id == "north-atlantic-treaty-1949":
            raise errors.DiskFull("disk full at /data (needs ~200 MB, 12 MB free)")
        indexed.append(instrument_id)

    with pytest.raises(errors.DiskFull, match="disk full at /data"):
        ingest(sources, index, parse_ahead=0)
    assert indexed == ["paris-call-2018"]


# ---- parsing in a process of its own, under limits --------------------------------------------------------------

def test_a_texts_web_page_furniture_is_cut_where_the_catalogue_says_its_text_ends() -> None:
    """Kenya Law's page follows the act with its history, related documents and menus: no provision holds them."""
    kenya = CORPUS / "kenya-computer-misuse-cybercrimes-act-2018.md"
    (path, instrument), = resolve_sources(load_catalog(), CORPUS, [kenya])
    last = parse_instrument(path, instrument).provisions[-1]
    assert last.text.rstrip().endswith("SCHEDULE [s. 69 ] SPENT")
    whole = parse_instrument(path, replace(instrument, text_ends="")).provisions[-1]
    assert "Privacy Policy" in whole.text and "Privacy Policy" not in last.text


MALABO = CORPUS / "au-malabo-convention-2014.pdf"  # seconds to parse


def test_an_isolated_parse_gives_what_a_parse_here_gives() -> None:
    (path, instrument), = resolve_sources(load_catalog(), CORPUS, [PARIS])
    assert parse_isolated(path, instrument, Budget(), Isolation(120, 1024)) == parse_instrument(path, instrument)


@pytest.mark.parametrize(
    ("source", "isolation", "reason"),
    [
        ("malabo", Isolation(1, 1024), "parsing took over 1 s, the limit (CYBERLEX_PARSE_SECONDS)"),
        ("long.txt", Isolation(120, 100), "parsing needed over 100 MB, the limit (CYBERLEX_PARSE_MEMORY_MB)"),
    ],
)
def test_an_isolated_parse_over_its_limits_is_stopped_with_the_reason(tmp_path: Path, source: str,
                                                                      isolation: Isolation, reason: str) -> None:
    path = MALABO if source == "malabo" else tmp_path / source
    if source != "malabo":
        path.write_text(("Words of a paragraph that goes on. " * 20 + "\n\n") * 3000, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(errors.ConversionError) as caught:
        parse_isolated(path, user_instrument(path), Budget(), isolation)
    assert (caught.value.path, caught.value.reason) == (str(path), reason)
    assert time.monotonic() - started < isolation.seconds + 10
    assert not multiprocessing.active_children()


def test_a_bug_met_in_an_isolated_parse_is_reported_as_a_bug() -> None:
    (paris, instrument), = resolve_sources(load_catalog(), CORPUS, [PARIS])
    report = ingest([(paris, replace(instrument, language=["en"]))], lambda *_: None,
                    isolation=Isolation(120, 1024))
    assert report.failed[str(paris)].startswith(f"{paris}: unexpected TypeError (a cyberlex bug; the log has the "
                                                "traceback): unhashable type")


ERRORS = [
    errors.CyberlexError("something went wrong"),
    errors.NotFound("no such thing"),
    errors.InvalidInput("k must be between 1 and 100"),
    errors.UnknownInstrument("gdrp", ["nis2", "gdpr-2016-679"]),
    errors.UnknownProvision("gdpr-2016-679/art-999"),
    errors.CatalogError("entry 'gdpr-2016-679': no title"),
    errors.ConversionError("/corpus/scan.pdf", "no text layer (scanned PDF?)"),
    errors.StoreLocked("the index is in use by pid 1"),
    errors.StoreUnavailable("no index yet"),
    errors.IndexDamaged("the index at /data is damaged (missing: segments/x); run cyberlex ingest to rebuild"),
    errors.DiskFull("disk full at /data (needs ~200 MB, 12 MB free)"),
    errors.ModelMismatch("adapted-0123456789abcdef", "model-a084579c6e92f634"),
]


def test_the_pickle_test_covers_every_error_class() -> None:
    defined = {cls for _, cls in inspect.getmembers(errors, inspect.isclass) if cls.__module__ == errors.__name__}
    assert {type(exc) for exc in ERRORS} == defined


@pytest.mark.parametrize("exc", ERRORS, ids=lambda exc: type(exc).__name__)
def test_every_error_comes_back_from_another_process_as_it_left(exc: errors.CyberlexError) -> None:
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc)
    assert str(back) == str(exc)
    assert vars(back) == vars(exc)


INGEST_THAT_HANGS = """
import multiprocessing, sys, time
from pathlib import Path
from cyberlex.corpus.catalog import load_catalog
from cyberlex.ingest.pipeline import ingest, resolve_sources

def index(instrument_id, passages):
    print(*(child.pid for child in multiprocessing.active_children()), flush=True)
    time.sleep(60)  # a long embedding, to be killed or interrupted in

try:
    ingest(resolve_sources(load_catalog(), Path(sys.argv[1]).parent, [Path(p) for p in sys.argv[1:]]), index)
except KeyboardInterrupt:
    sys.exit(130)
"""


def start_ingest() -> tuple[subprocess.Popen[str], int]:
    """An ingest in a session of its own, stopped in its first index() call; and its parse worker's pid."""
    process = subprocess.Popen([sys.executable, "-c", INGEST_THAT_HANGS, str(PARIS), str(TREATY)], cwd=PACKAGE_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=answer_ctrl_c)
    assert process.stdout is not None
    worker, = map(int, process.stdout.readline().split())
    return process, worker


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_killed_ingest_leaves_no_parse_worker_behind() -> None:
    process, worker = start_ingest()
    process.kill()
    process.communicate(timeout=30)  # returns once every holder of its output, the worker too, is gone
    assert not running(worker)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_ctrl_c_stops_the_ingest_once_and_its_worker_quietly() -> None:
    process, worker = start_ingest()
    time.sleep(0.5)  # the worker done parsing, waiting for more: where a KeyboardInterrupt of its own would show
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert not running(worker)
