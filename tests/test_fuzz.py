"""Schemathesis against the app's own OpenAPI schema, over what `cyberlex ingest` builds from two small corpus
texts: no generated request, valid or not, makes the API answer 5xx, and every answer matches the schema.
Bounded to stay well under a minute.

Valid filter values and ids live in the catalogue and the index, not in the schema, so half the generated
searches keep only their random query text, with valid filters and k, and half the generated ids start
with a real unit's id, instead of random words the API rightly refuses with 422 or 404: the fuzzing then
reaches the retrieval pipeline and the provision reader with random text, not only the checks before them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance

from typer.testing import CliRunner

from cyberlex.api.main import create_app
from cyberlex.cli import app as cli
from cyberlex.corpus.catalog import load_catalog
from cyberlex.index.search import Searcher
from cyberlex.settings import Settings

KEY = "fuzz-key"
FILES = ("north-atlantic-treaty-1949.md", "us-cfaa-18usc1030.md")
EXAMPLES = 40  # per operation and phase
FILTERS = {"instrument": "id", "jurisdiction": "jurisdiction", "kind": "kind", "language": "language",
           "status": "status"}  # query parameter → catalogue field
STATUSES: Counter[tuple[str, int]] = Counter()  # (operation, status) → cases


def valid_filters() -> st.SearchStrategy[dict[str, Any]]:
    catalog = load_catalog()
    values = {param: sorted({getattr(i, field) for i in catalog}) for param, field in FILTERS.items()}
    optional = {p: st.lists(st.sampled_from(v), min_size=1, max_size=2) for p, v in values.items()}
    return st.fixed_dictionaries({"k": st.integers(1, 100)}, optional=optional)


def real_ids(units: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """A real unit id, alone or followed by random subdivisions; its instrument id for the instrument route."""
    tails = st.lists(st.text(min_size=1, max_size=5), max_size=3).map(lambda parts: "".join(f"/{t}" for t in parts))
    return st.builds(lambda unit, tail: {"provision_id": unit + tail, "instrument_id": unit.split("/")[0]},
                     st.sampled_from(units), tails)


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("fuzz-data"), api_key=KEY, max_upload_mb=0.1)
    ingested = CliRunner(env={"CYBERLEX_DATA_DIR": str(settings.data_dir)}).invoke(
        cli, ["ingest", *(str(settings.corpus_dir / f) for f in FILES)]
    )
    assert ingested.exit_code == 0, ingested.output
    catalog = load_catalog()
    searcher = Searcher(settings, catalog=catalog)
    try:
        units = sorted({p["unit_id"] for _, p in searcher.store.scroll(fields=["unit_id"])})
        loaded = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, searcher, catalog))

        @loaded.hook
        def flatmap_query(context: Any, query: dict[str, Any] | None) -> st.SearchStrategy:
            if not query or "q" not in query:
                return st.just(query)
            kept = {k: v for k, v in query.items() if k in ("q", "mode")}
            return st.one_of(st.just(query), valid_filters().map(lambda valid: {**kept, **valid}))

        @loaded.hook
        def flatmap_path_parameters(context: Any, params: dict[str, Any] | None) -> st.SearchStrategy:
            if not params:
                return st.just(params)
            real = real_ids(units).map(lambda ids: {k: ids.get(k, v) for k, v in params.items()})
            return st.one_of(st.just(params), real)

        yield loaded
    finally:
        searcher.close()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case: schemathesis.Case) -> None:
    response = case.call_and_validate(headers={"X-API-Key": KEY}, excluded_checks=[positive_data_acceptance])
    STATUSES[(f"{case.method} {case.path}", response.status_code)] += 1


def test_the_fuzzing_reached_the_search_pipeline() -> None:
    """Runs after the fuzz test (file order); prints what the cases got, for the record."""
    if not STATUSES:
        pytest.skip("the fuzz test did not run")
    print(f"\nschemathesis: {sum(STATUSES.values())} cases, 5xx: 0;", dict(sorted(STATUSES.items())))
    assert STATUSES[("GET /search", 200)] >= 5
    assert not [key for key in STATUSES if key[1] >= 500]
