"""`cyberlex ingest` over a folder of bad and hostile files and good ones: each bad file is reported with its reason,
quickly, the good ones (and the odd but readable ones) are indexed completely, the exit code says some failed, nothing
crashes. A user's file never takes a catalogue instrument's place or name unless told to. The files are made here, at
test time (the hostile ones by cyberlex.evals.faults); the good ones are copies of two small corpus texts."""

from __future__ import annotations

import io
import json
import random
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from dataclasses import replace

import pytest
from pypdf import PdfWriter
from typer.testing import CliRunner, Result

from cyberlex.cli import app
from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.errors import ConversionError, InvalidInput
from cyberlex.corpus.model import Passage
from cyberlex.evals.faults import doctype_subset, high_bytes, nested_html, page_tree_bomb, utf16_without_bom
from cyberlex.index.documents import point_id
from cyberlex.index.legal import legal_path, load_legal_index
from cyberlex.index.search import Filters, Searcher
from cyberlex.index.store import open_store
from cyberlex.settings import Settings
from cyberlex.ingest.convert import MB, Budget
from cyberlex.ingest.pipeline import ingest, parse_instrument, resolve_sources, user_instrument

GOOD = {"treaty-copy.md": "north-atlantic-treaty-1949.md", "paris-copy.md": "paris-call-2018.md"}  # copy → text
TREATY_TEXT = (
    "Article 1\nScope\nThis Agreement applies to the security of network and information systems "
    "operated in the territory of a Party, including those of cafés, hôtels and other small businesses.\n\n"
    "Article 2\nCo-operation\nThe Parties shall co-operate in the investigation of incidents affecting such systems.\n"
)


def pdf(encrypt: bool = False) -> bytes:
    """A one-page PDF with no text layer (what a scan without OCR looks like); encrypted when asked."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if encrypt:
        writer.encrypt("a password nobody gave us")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fifty_megabytes(text: bytes) -> bytes:
    return text * (50 * MB // len(text) + 1)


HTML_WITH_SCRIPTS = (
    "<html><head><title>Policy</title><script>alert('head script')</script><style>p {color: red}</style></head>"
    "<body><script>document.write('body script')</script><noscript>enable javascript</noscript>"
    "<h2>Section 1 Purpose</h2><p>This policy sets how staff report suspected phishing messages "
    "to the security team within one working day.</p>"
    "<h2>Section 2 Logs</h2><p>Access logs of every server are kept for twelve months.</p></body></html>"
)
NO_STRUCTURE = (
    "Some thoughts on handling a breach of the customer database.\n\n"
    "First, isolate the affected machines from the network.\n\n"
    "Then tell the insurer and the regulator what happened, in writing.\n"
)

# file name → its bytes, and the reason it must fail with (None: it must be indexed)
FILES: dict[str, tuple[Callable[[], bytes], str | None]] = {
    "corrupt.pdf": (lambda: b"%PDF-1.7\n" + random.Random(1).randbytes(4000), "corrupt PDF"),
    "encrypted.pdf": (lambda: pdf(encrypt=True), "encrypted PDF"),
    "scanned.pdf": (pdf, "no text layer (scanned PDF?)"),
    "empty.txt": (lambda: b"", "empty file"),
    "junk.md": (lambda: random.Random(2).randbytes(20000), "binary content, not text"),
    "huge.txt": (lambda: fifty_megabytes(TREATY_TEXT.encode()),
                 "file too large: 50 MB, over the 20 MB limit (CYBERLEX_MAX_FILE_MB)"),
    "notes.docx": (lambda: b"PK\x03\x04 not really a word file", "unsupported file type '.docx'"),
    "latin1.txt": (lambda: TREATY_TEXT.encode("latin-1"), None),
    "utf16.txt": (lambda: TREATY_TEXT.encode("utf-16"), None),
    "scripts.html": (lambda: HTML_WITH_SCRIPTS.encode(), None),
    "no-structure.txt": (lambda: NO_STRUCTURE.encode(), None),
    "bomb.pdf": (page_tree_bomb, "49,152 pages, over the limit of 2,000 (CYBERLEX_MAX_PAGES)"),
    "dag.pdf": (lambda: page_tree_bomb(3), "malformed PDF: its page tree lists 3 pages 24 times"),
    "high-bytes.md": (high_bytes, "binary content, not text"),
    "nested.html": (nested_html, None),
    "doctype.html": (doctype_subset, None),
    "utf16-no-bom.txt": (utf16_without_bom, None),
}
FAILING = {name: reason for name, (_, reason) in FILES.items() if reason}
READABLE = [name for name, (_, reason) in FILES.items() if not reason] + list(GOOD)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bad-files")
    for name, (make, _) in FILES.items():
        (path / name).write_bytes(make())
    for name, text in GOOD.items():
        shutil.copyfile(Settings().corpus_dir / text, path / name)
    return path


def ingest_cli(data_dir: Path, *args: str) -> Result:
    return CliRunner(env={"CYBERLEX_DATA_DIR": str(data_dir)}).invoke(app, ["ingest", *args])


@pytest.fixture(scope="module")
def run(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Settings, float]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("bad-files-data"))
    started = time.monotonic()
    result = ingest_cli(settings.data_dir, str(folder))
    return result, settings, time.monotonic() - started


@pytest.fixture(scope="module")
def searcher(run: tuple[Result, Settings, float]) -> Iterator[Searcher]:
    opened = Searcher(run[1])
    yield opened
    opened.close()


def expected_passages(folder: Path, name: str) -> list[Passage]:
    (path, instrument), = resolve_sources(load_catalog(), folder, [folder / name])
    return parse_instrument(path, instrument).passages


def test_the_run_finishes_and_its_exit_code_says_some_files_failed(run: tuple[Result, Settings, float]) -> None:
    result, _, seconds = run
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    assert any(line.endswith(f"; {len(FAILING)} failed") for line in result.stdout.splitlines()), result.stdout
    assert seconds < 120  # the page-tree bomb alone took over 90 s before it was refused on its page count


def test_the_run_builds_the_legal_index_of_what_it_indexed(run: tuple[Result, Settings, float]) -> None:
    assert {"treaty-copy", "nested", "utf16-no-bom"} <= set(load_legal_index(legal_path(run[1])).sections)


@pytest.mark.parametrize(("name", "reason"), FAILING.items())
def test_each_bad_file_is_reported_with_its_reason(run: tuple[Result, Settings, float], folder: Path, name: str,
                                                   reason: str) -> None:
    lines = [line for line in run[0].stderr.splitlines() if line.startswith("FAILED") and f"{folder / name}:" in line]
    assert len(lines) == 1, run[0].stderr
    assert reason in lines[0]


@pytest.mark.parametrize("name", READABLE)
def test_every_readable_file_is_indexed_completely(searcher: Searcher, folder: Path, name: str) -> None:
    passages = expected_passages(folder, name)
    assert passages
    assert searcher.store.point_ids_of(passages[0].instrument_id) == {point_id(p.key) for p in passages}


@pytest.mark.parametrize(
    ("query", "instrument", "fragment"),
    [
        ("network security of cafés and hôtels", "latin1", "cafés, hôtels"),
        ("network security of cafés and hôtels", "utf16", "cafés, hôtels"),
        ("report suspected phishing to the security team", "scripts", "suspected phishing messages"),
        ("tell the insurer and the regulator about a breach", "no-structure", "tell the insurer"),
        ("networks of cafés and hôtels", "utf16-no-bom", "cafés and hôtels"),
        ("deep in the nest", "nested", "Deep in the nest."),
    ],
)
def test_odd_but_readable_files_are_searchable(searcher: Searcher, query: str, instrument: str, fragment: str) -> None:
    hits = searcher.search(query, k=3, filters=Filters(instrument=(instrument,)))
    assert fragment in hits[0].passage.text


def test_a_document_without_structure_is_indexed_as_numbered_paragraphs(searcher: Searcher) -> None:
    units = sorted(p["unit_id"] for _, p in searcher.store.scroll({"instrument_id": ["no-structure"]}))
    assert units == ["no-structure/para-1", "no-structure/para-2", "no-structure/para-3"]


def test_a_doctypes_internal_subset_never_reaches_the_index(searcher: Searcher) -> None:
    texts = [p["text"] for _, p in searcher.store.scroll({"instrument_id": ["doctype"]})]
    assert "This notice applies to every system." in " ".join(texts)
    assert not any("]>" in text for text in texts)


def test_scripts_and_styles_of_html_never_reach_the_index(searcher: Searcher) -> None:
    texts = " ".join(p["text"] for _, p in searcher.store.scroll({"instrument_id": ["scripts"]}))
    assert "Access logs of every server" in texts
    assert not any(s in texts for s in ("alert", "document.write", "color: red", "enable javascript"))


def test_the_size_limit_is_a_setting(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 2400)
    with pytest.raises(ConversionError, match=r"file too large: 0.012 MB, over the 0.01 MB limit"):
        parse_instrument(big, user_instrument(big), Budget(mb=0.01))
    assert parse_instrument(big, user_instrument(big), Budget(mb=0.02)).passages


def test_two_files_under_one_id_are_not_allowed_to_overwrite_each_other(tmp_path: Path) -> None:
    for suffix in (".md", ".txt"):
        (tmp_path / f"policy{suffix}").write_text(NO_STRUCTURE)
    indexed: list[str] = []
    report = ingest(resolve_sources(load_catalog(), tmp_path, [tmp_path]),
                    lambda iid, passages: indexed.append(iid))
    assert indexed == ["policy"]
    assert "instrument id 'policy' is already taken by" in report.failed[str(tmp_path / "policy.txt")]


def test_an_error_while_indexing_one_file_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(NO_STRUCTURE)

    def index(instrument_id: str, passages: list[Passage]) -> str:
        if instrument_id == "a":
            raise InvalidInput("passages with the same unit and chunk would share a point: a/para-1#0")
        if instrument_id == "b":
            raise KeyError("a bug")
        return "indexed"

    (tmp_path / "c.txt").write_text(NO_STRUCTURE)
    report = ingest(resolve_sources(load_catalog(), tmp_path, [tmp_path]), index)
    assert report.passages == {"c": 3}
    assert report.failed[str(tmp_path / "a.txt")].endswith("would share a point: a/para-1#0")
    assert "unexpected KeyError (a cyberlex bug; the log has the traceback)" in report.failed[str(tmp_path / "b.txt")]


# ---- a user's file and the catalogue ----------------------------------------------------------------------------

@pytest.fixture()
def impostor(tmp_path: Path) -> Path:
    """A user's own text saved in a subfolder under the file name of a catalogue text."""
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "budapest-convention.md"
    path.write_text("## Article 1 – Scope\n\nEvery Party shall do whatever this file says.\n", encoding="utf-8")
    return tmp_path


def test_a_users_file_named_as_a_catalogue_text_is_refused_and_nothing_is_written(impostor: Path,
                                                                                   tmp_path: Path) -> None:
    result = ingest_cli(tmp_path / "data", str(impostor))
    assert result.exit_code == 2
    assert "its id 'budapest-convention' is the catalogue's Budapest Convention, which is read only from its own " \
           "file" in result.stderr
    assert "pass --replace" in result.stderr
    assert not (tmp_path / "data" / "edge").exists()


def test_with_replace_a_users_file_takes_the_catalogue_instruments_place(impostor: Path, tmp_path: Path) -> None:
    result = ingest_cli(tmp_path / "data", str(impostor), "--replace")
    assert result.exit_code == 0, result.stderr
    with open_store(Settings(data_dir=tmp_path / "data")) as store:
        texts = [p["text"] for _, p in store.scroll({"instrument_id": ["budapest-convention"]})]
    assert [text.strip() for text in texts] == ["Every Party shall do whatever this file says."]
    noted = json.loads((tmp_path / "data" / "sources.json").read_text())["budapest-convention"]
    assert noted["file"] == str(impostor / "sub" / "budapest-convention.md")  # a rebuild takes the same file


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--title", "Convention on Cybercrime"], "its title 'Convention on Cybercrime' is a name of the catalogue's "
                                                  "budapest-convention; give it a title of its own with --title"),
        (["--title", "gdpr"], "its title 'gdpr' is a name of the catalogue's gdpr-2016-679"),
        (["--instrument-id", "gdpr-2016-679"], "its id 'gdpr-2016-679' is the catalogue's GDPR"),
    ],
)
def test_a_users_file_may_not_take_a_catalogue_instruments_name(tmp_path: Path, args: list[str], reason: str) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(NO_STRUCTURE, encoding="utf-8")
    result = ingest_cli(tmp_path / "data", str(notes), *args)
    assert result.exit_code == 2
    assert reason in result.stderr


def test_the_catalogues_own_file_given_by_path_is_the_catalogue_instrument(tmp_path: Path) -> None:
    corpus = Settings().corpus_dir
    (path, instrument), = resolve_sources(load_catalog(), corpus, [corpus / "paris-call-2018.md"])
    assert instrument == replace(load_catalog().get("paris-call-2018"), sha256=instrument.sha256)
    assert instrument.sha256  # held to the manifest, as in a run over the whole catalogue
