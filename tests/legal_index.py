"""A small real index over three Markdown instruments of the corpus, built by ``cyberlex ingest`` itself (so the
legal index is made as users make it), shared by the legal API and page tests: built once per test run,
since embedding the real texts takes a good part of half a minute on two cores."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from typer.testing import CliRunner

from cyberlex import cli
from cyberlex.corpus.catalog import Catalog, load_catalog
from cyberlex.index.search import Searcher
from cyberlex.settings import Settings

BUDAPEST = "budapest-convention"
SINGAPORE = "singapore-computer-misuse-act-1993"
CANADA = "canada-criminal-code-computer-offences"
INSTRUMENTS = (BUDAPEST, SINGAPORE, CANADA)
KENYA = "kenya-computer-misuse-cybercrimes-act-2018"
PHILIPPINES = "philippines-cybercrime-prevention-act-2012"
CFAA = "us-cfaa-18usc1030"
MALABO = "au-malabo-convention-2014"
# the instruments with the counterparts of Budapest art. 2 that the comparison tests look for
COMPARED = (BUDAPEST, KENYA, PHILIPPINES, CFAA, MALABO, SINGAPORE)


def ingest(data_dir: Path, instruments: tuple[str, ...] = INSTRUMENTS) -> str:
    """Runs ``cyberlex ingest FILE...`` into ``data_dir``; returns what it printed."""
    catalog = load_catalog()
    files = [str(Settings().corpus_dir / catalog.get(i).file) for i in instruments]
    result = CliRunner().invoke(cli.app, ["ingest", *files], env={"CYBERLEX_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0, result.output
    return result.output


@cache
def built(instruments: tuple[str, ...] = INSTRUMENTS) -> tuple[Path, str]:
    """The data directory, ingested once per process (removed at exit), and what the ingest printed."""
    data_dir = Path(tempfile.mkdtemp(prefix="cyberlex-legal-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    return data_dir, ingest(data_dir, instruments)


@contextmanager
def legal_index(catalog: Catalog, instruments: tuple[str, ...] = INSTRUMENTS
                ) -> Iterator[tuple[Settings, Searcher, str]]:
    """The settings, an open Searcher over the shared index of ``instruments`` (closed after) and the ingest's
    output."""
    data_dir, output = built(instruments)
    settings = Settings(data_dir=data_dir)
    searcher = Searcher(settings, catalog=catalog)
    searcher.warm_up()
    try:
        yield settings, searcher, output
    finally:
        searcher.close()
