"""The ``cyberlex`` command: parses arguments and delegates; the work lives in ingest/, index/, api/ and evals/."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cyberlex.corpus.errors import CyberlexError, IndexDamaged, StoreUnavailable
from cyberlex.index.allocator import restart_with
from cyberlex.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Cited-passage search over cyber-law texts.")

Multi = Annotated[Optional[list[str]], typer.Option(help="repeatable")]


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


@app.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="files or folders; default: the whole corpus")] = None,
    instrument_id: Annotated[Optional[str], typer.Option(help="id for a single file (a catalogue id or a new one)")] = None,
    title: Optional[str] = None,
    unit: Annotated[Optional[str], typer.Option(help="article | section | rule | paragraph")] = None,
    language: Optional[str] = None,
    jurisdiction: Optional[str] = None,
    kind: Optional[str] = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="index a file whose id is a catalogue instrument's in that instrument's place")] = False,
) -> None:
    """Ingest the corpus (or the given files) into the index; prints provisions found per instrument.

    A catalogue instrument is read only from the catalogue's own file; a file of yours is an instrument of its own,
    and one that would take a catalogue instrument's id or name is refused unless --replace says to take its place.
    A damaged index is set aside and rebuilt from the catalogue and the files of earlier runs.
    With CYBERLEX_ADAPT=true the embedder is first adapted to the catalogue's texts: minutes of training the first
    time and when the texts change, nothing otherwise.

    Exit codes: 0 all indexed, 1 some files failed (each reported with its reason; the rest is indexed),
    2 nothing could start or the run stopped (bad arguments, the index locked by another process, too little disk
    space), 130 interrupted."""
    from cyberlex.corpus.catalog import load_catalog
    from cyberlex.index import integrity
    from cyberlex.index.legal import summary
    from cyberlex.index.train import adapt
    from cyberlex.ingest.pipeline import resolve_sources
    from cyberlex.ingest.service import IngestService

    settings = Settings()
    catalog = load_catalog()

    def show(instrument, parsed, change) -> None:
        if parsed is None:
            typer.echo(f"FAILED  {instrument.id}: {change}", err=True)
        else:
            typer.echo(f"{instrument.id:55} {len(parsed.provisions):5} provisions {len(parsed.passages):6} passages  {change}")

    try:
        sources = resolve_sources(
            catalog, settings.corpus_dir, paths or (), instrument_id, replace,
            title=title, unit=unit, language=language, jurisdiction=jurisdiction, kind=kind,
        )
        with IngestService.open(settings, catalog) as service:
            adapt(settings, on_progress=lambda message: typer.echo(message, err=True))  # before anything is embedded
            if service.rebuild:
                typer.echo(f"{service.rebuild}: set aside, rebuilding it from the catalogue and earlier runs' files",
                           err=True)
            outcome = service.run(sources, show)
    except KeyboardInterrupt:
        typer.echo("interrupted: instruments listed above are indexed, none half-written; run again to finish", err=True)
        raise typer.Exit(130) from None
    except CyberlexError as exc:
        _fail(exc)
    except OSError as exc:  # the data directory unwritable, say: one line, as for any start-up failure
        _fail(integrity.no_space(settings, exc) or exc)
    report = outcome.report
    for instrument_id, why in outcome.lost.items():
        typer.echo(f"LOST    {instrument_id}: the damaged index held it, but {why}; ingest it again", err=True)
    typer.echo(
        f"{len(report.provisions)} instruments, {sum(report.provisions.values())} provisions, "
        f"{sum(report.passages.values())} passages; {len(report.failed)} failed"
    )
    if outcome.legal is not None:
        typer.echo(summary(outcome.legal))
    if report.failed or outcome.lost:
        raise typer.Exit(1)


@app.command()
def search(
    query: str,
    k: int = 10,
    instrument: Multi = None,
    jurisdiction: Multi = None,
    kind: Multi = None,
    language: Multi = None,
    status: Multi = None,
    binding: Optional[bool] = None,
    mode: str = "hybrid",
    understand: Annotated[bool, typer.Option(help="read named instruments, places and intent from the query")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object, results in rank order")] = False,
) -> None:
    """Search and print ranked provisions with citation, heading, score and text."""
    from cyberlex.index.search import Filters, Searcher

    settings = Settings()
    filters = Filters(
        instrument=tuple(instrument or ()), jurisdiction=tuple(jurisdiction or ()), kind=tuple(kind or ()),
        language=tuple(language or ()), status=tuple(status or ()), binding=binding,
    )
    try:
        searcher = Searcher(settings)
        try:
            searcher.check_model()
            found = searcher.query(query, k=k, filters=filters, mode=mode, understand=understand)
        finally:
            searcher.close()
    except CyberlexError as exc:
        _fail(exc)
    hits = found.hits
    if as_json:
        results = [
            {
                "provision_id": h.passage.provision_id, "citation": h.passage.citation, "label": h.passage.label,
                "heading": h.passage.heading, "instrument_id": h.passage.instrument_id, "score": h.score,
                "via": h.via, "weak": h.weak, "path": list(h.passage.path), "page": h.passage.page,
                "text": h.passage.text,
            }
            for h in hits
        ]
        out = {"query": query, "understood": found.understood.to_dict(), "notice": found.notice, "results": results}
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        typer.echo()
        return
    if found.notice:
        typer.echo(found.notice)
    if not hits:
        typer.echo("no results")
    for rank, h in enumerate(hits, 1):
        p = h.passage
        typer.secho(f"{rank:2}. {p.citation}  [{p.provision_id}]  score {h.score:.4f} ({h.via})", bold=True)
        if p.heading:
            typer.echo(f"    {p.heading}")
        typer.echo("    " + p.text[:600].replace("\n", "\n    ") + ("…" if len(p.text) > 600 else ""))


@app.command("eval")
def evaluate(
    queries: Annotated[Optional[Path], typer.Option(help="JSONL: id, query, kind, style?; default: the shipped sets")] = None,
    qrels: Annotated[Optional[Path], typer.Option(help="TREC qrels: qid 0 provision_id grade")] = None,
    sets: Annotated[str, typer.Option("--set", help="shipped sets to run when no --queries: dev, dev2")] = "dev,dev2",
    systems: Annotated[str, typer.Option(help="comma-separated: hybrid, dense, sparse, bm25")] = "hybrid,dense,bm25",
    run_out: Annotated[Optional[Path], typer.Option(help="write DIR/<set>/<system>.trec")] = None,
    report: Annotated[Optional[Path], typer.Option(help="Markdown report per set (NAME-<set>.md); .json and .png beside it")] = None,
) -> None:
    """Measure retrieval quality of each system on a query set, side by side, by kind and by style."""
    from cyberlex.evals.baselines import build_systems
    from cyberlex.evals.report import print_table
    from cyberlex.evals.run import SETS, SETS_DIR, run_eval
    from cyberlex.index.search import Searcher

    if (queries is None) != (qrels is None):
        _fail(CyberlexError("give --queries and --qrels together, or neither (the shipped sets)"))
    if queries is not None:
        runs = {"": (queries, qrels)}
    else:
        names = [n.strip() for n in sets.split(",") if n.strip()]
        if unknown := [n for n in names if n not in SETS]:
            _fail(CyberlexError(f"unknown set {unknown[0]!r}; valid sets: {', '.join(SETS)}"))
        runs = {n: (SETS_DIR / f"{n}.jsonl", SETS_DIR / f"{n}.qrels") for n in names}
    try:
        searcher = Searcher(Settings())
        try:
            chosen = build_systems(searcher, [n.strip() for n in systems.split(",") if n.strip()])
            for name, (q, r) in runs.items():
                out = run_out / name if run_out and name else run_out
                where = report.with_name(f"{report.stem}-{name}{report.suffix}") if report and name else report
                print_table(run_eval(q, r, chosen, out, where))
        finally:
            searcher.close()
    except CyberlexError as exc:
        _fail(exc)


@app.command()
def train(
    epochs: int = 1,
    batch_size: int = 32,
    seed: int = 42,
    lr: float = 5e-5,
    max_pairs: Annotated[int, typer.Option(help="pairs trained on, drawn evenly across pair kinds")] = 4000,
) -> None:
    """Fine-tune the embedder on pairs the corpus provides; prints the model directory for CYBERLEX_MODEL."""
    from cyberlex.index.train import train as run_train

    try:
        model_dir = run_train(
            Settings(), epochs=epochs, batch_size=batch_size, seed=seed, lr=lr, max_pairs=max_pairs,
            on_progress=lambda message: typer.echo(message, err=True),
        )
    except CyberlexError as exc:
        _fail(exc)
    typer.echo(model_dir)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API and the page (http://HOST:PORT/). Refuses to start while another process holds the
    embedded index (an ingest, another server), when the index differs from what the last ingest recorded
    (see `cyberlex check`), when its passages were embedded by another model than questions would be
    (CYBERLEX_MODEL or CYBERLEX_ADAPT changed since the ingest), or when the disk is too full to open it; a Qdrant
    server has no such limits."""
    import uvicorn

    from cyberlex.api.main import create_app
    from cyberlex.index import integrity
    from cyberlex.index.search import Searcher

    settings = Settings()
    store = searcher = None
    try:
        store = integrity.open_verified(settings)  # opened now, so a locked or damaged index stops the start
        searcher = Searcher(settings, store=store)
        searcher.warm_up()
    except IndexDamaged as exc:
        _close(settings, searcher, store)
        _fail(exc)
    except StoreUnavailable as exc:  # a Qdrant server that is down: the app starts and answers 503 with the reason
        _close(settings, searcher, store)
        store = searcher = None
        typer.echo(f"warning: {exc}", err=True)
    except CyberlexError as exc:
        _close(settings, searcher, store)
        _fail(exc)
    except Exception as exc:  # the model or its runtime failing to load: one line, the log has nothing more to add
        _close(settings, searcher, store)
        _fail(RuntimeError(f"cannot start: {type(exc).__name__}: {exc}"))
    served = create_app(settings, searcher)
    try:
        uvicorn.run(served, host=host, port=port)
    except CyberlexError as exc:
        _fail(exc)
    finally:
        _close(settings, searcher, store, served.state.wrote)


def _close(settings: Settings, searcher, store, wrote: bool = False) -> None:
    from cyberlex.index import integrity

    if searcher is not None:
        searcher.close()
    if store is not None:
        integrity.close_store(settings, store, wrote)


@app.command()
def check() -> None:
    """Check the embedded index against what the last ingest recorded: its segment files (size and sha256), its
    number of passages, and probe searches with known answers; the same checks `cyberlex serve` and /health run.

    Exit codes: 0 the index is as recorded, 1 it has no record to check against (built before records were kept:
    run cyberlex ingest once), 2 it is damaged, half-written, locked or unreachable (the message says what to do)."""
    from cyberlex.index import integrity

    settings = Settings()
    if settings.qdrant_url:
        _fail(CyberlexError(f"{settings.qdrant_url} is a Qdrant server, which keeps its own data; cyberlex check "
                            "checks the embedded index (CYBERLEX_QDRANT_URL unset)"))
    try:
        store = integrity.open_verified(settings)
    except CyberlexError as exc:
        _fail(exc)
    try:
        passages = store.count()
    finally:
        store.close()
    found = integrity.load_record(settings)
    if found is None:
        typer.echo(f"warning: the index at {settings.data_dir} ({passages:,} passages) has no integrity record to "
                   "check it against; run cyberlex ingest once to record it", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: the index at {settings.data_dir} is as its last ingest recorded it: {passages:,} passages, "
               f"{len(found.files)} files (manifest {found.manifest[:12]}), {len(found.probes)} probe searches")


@app.command()
def mcp() -> None:
    """Serve the MCP tools over stdio, for an agent whose MCP client starts this command (`cyberlex serve` serves
    the same tools over HTTP at /mcp). Refuses to start while another process holds the embedded index."""
    from cyberlex.api.main import create_app
    from cyberlex.index.search import Searcher

    settings = Settings()
    # stdout carries the protocol: what opening the index and loading the model print goes to stderr (while
    # serving, the SDK diverts it there itself)
    quiet = contextlib.redirect_stdout(sys.stderr)
    try:
        with quiet:
            searcher = Searcher(settings)
    except CyberlexError as exc:
        _fail(exc)
    try:
        with quiet:
            searcher.warm_up()
        create_app(settings, searcher).state.mcp.run("stdio")
    except CyberlexError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    finally:
        searcher.close()


@app.command()
def bench(
    out: Annotated[Optional[Path], typer.Option(help="write DIR/bench.json and DIR/bench.md")] = None,
    sizes: Annotated[str, typer.Option(help="synthetic index sizes, comma-separated; '' for none")] = "100000,1000000",
    queries: Annotated[int, typer.Option(help="distinct queries behind each latency figure")] = 200,
    api_seconds: Annotated[float, typer.Option(help="length of the concurrent API load test")] = 15.0,
    work: Annotated[Optional[Path], typer.Option(help="scratch directory (default: a temporary one, removed)")] = None,
) -> None:
    """Measure ingest, embedding, search and API speed in one run, in temporary indexes; print a Markdown table."""
    import tempfile

    from cyberlex.evals.bench import BenchConfig, parse_sizes, run_bench, to_markdown, write_report

    try:
        config = BenchConfig(sizes=parse_sizes(sizes), queries=queries, api_seconds=api_seconds)
        with tempfile.TemporaryDirectory(prefix="cyberlex-bench-", dir=work) as scratch:
            report = run_bench(Settings(), Path(scratch), config, progress=lambda m: typer.echo(m, err=True))
    except CyberlexError as exc:
        _fail(exc)
    if out is not None:
        for written in write_report(report, out):
            typer.echo(f"wrote {written}", err=True)
    typer.echo(to_markdown(report))


def main() -> None:
    """The ``cyberlex`` command: restarted on the allocator the settings name, then the command runs."""
    restart_with(Settings().allocator)
    app()


if __name__ == "__main__":
    main()
