"""The HTTP API, through a real app over a small real index (Qdrant Edge + the bundled model)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cyberlex.api.main import create_app
from cyberlex.api.routes import search as search_route
from api_index import BUDAPEST, GDPR, NIS2, NOTES, small_index
from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.errors import ModelMismatch
from cyberlex.index.search import Searcher
from cyberlex.settings import TRAINING_RECIPE, Settings
from cyberlex.index.store import open_store

RESULT_FIELDS = {"provision_id", "citation", "label", "heading", "instrument_id", "instrument", "status",
                 "status_entry", "path", "text", "score", "via", "page", "force", "addressees", "weak", "truncated"}
INSTRUMENT_FIELDS = {"id", "title", "short_title", "kind", "jurisdiction", "status", "binding", "language",
                     "official_url", "text_as_of"}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[tuple[Settings, Searcher]]:
    with small_index(tmp_path_factory.mktemp("api-index"), catalog) as built:
        yield built


@pytest.fixture(scope="module")
def client(indexed: tuple[Settings, Searcher], catalog: Catalog) -> TestClient:
    settings, searcher = indexed
    return TestClient(create_app(settings, searcher, catalog))


def results(client: TestClient, **params: object) -> list[dict]:
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()["results"]


# ---- search ------------------------------------------------------------------------------

def test_search_returns_cited_results_in_the_documented_shape(client: TestClient) -> None:
    response = client.get("/search", params={"q": "  preserve stored computer data quickly  "})
    body = response.json()
    assert response.status_code == 200
    assert body["query"] == "preserve stored computer data quickly"
    first = body["results"][0]
    assert set(first) == RESULT_FIELDS
    assert set(first["instrument"]) == INSTRUMENT_FIELDS
    assert first["provision_id"].startswith(f"{BUDAPEST}/art-29")
    assert first["citation"].startswith("Convention on Cybercrime (ETS No. 185), art. 29")
    assert first["instrument"]["title"] == "Convention on Cybercrime (ETS No. 185)"
    assert first["path"] == ["Chapter III"]
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_search_gives_one_result_per_provision(client: TestClient) -> None:
    units = [r["provision_id"].split("/")[1] for r in results(client, q="request for preservation of data", k=10)
             if r["instrument_id"] == BUDAPEST]
    assert len(units) == len(set(units))


@pytest.mark.parametrize(
    ("query", "provision_id"),
    [
        ("Budapest art. 29", f"{BUDAPEST}/art-29"),
        ("Article 29(3) of the Budapest Convention", f"{BUDAPEST}/art-29/3"),
        ("GDPR Art. 33", f"{GDPR}/art-33"),
    ],
)
def test_typed_citation_comes_first_via_citation(client: TestClient, query: str, provision_id: str) -> None:
    first = results(client, q=query)[0]
    assert (first["provision_id"], first["via"]) == (provision_id, "citation")


def test_k_caps_the_number_of_results(client: TestClient) -> None:
    assert len(results(client, q="computer data", k=2)) == 2


@pytest.mark.parametrize("mode", ["dense", "sparse"])
def test_mode_chooses_the_retriever(client: TestClient, mode: str) -> None:
    found = results(client, q="personal data breach notification", mode=mode)
    assert found and {r["via"] for r in found} == {mode}


@pytest.mark.parametrize(
    ("params", "field", "allowed"),
    [
        ({"jurisdiction": "EU"}, "jurisdiction", {"EU"}),
        ({"jurisdiction": "eu"}, "jurisdiction", {"EU"}),  # the catalogue's spelling, whatever the case
        ({"jurisdiction": ["EU", "international"]}, "jurisdiction", {"EU", "international"}),
        ({"instrument": BUDAPEST}, "id", {BUDAPEST}),
        ({"kind": "regional-law"}, "kind", {"regional-law"}),
        ({"binding": "false"}, "binding", {False}),
        ({"status": "not-applicable"}, "status", {"not-applicable"}),
        ({"language": "en", "jurisdiction": "Council of Europe"}, "jurisdiction", {"Council of Europe"}),
    ],
)
def test_filters_narrow_results(client: TestClient, params: dict, field: str, allowed: set) -> None:
    everything = results(client, q="data", k=20)
    narrowed = results(client, q="data", k=20, **params)
    assert narrowed and len(narrowed) < len(everything)
    assert {r["instrument"][field] for r in narrowed} <= allowed


def test_a_filter_nothing_matches_gives_an_empty_list(client: TestClient) -> None:
    assert results(client, q="self-defence", jurisdiction="Kenya") == []


def test_an_uncatalogued_text_is_searched_and_described_from_its_passages(client: TestClient) -> None:
    hit = results(client, q="ransomware", jurisdiction="unknown")[0]
    assert hit["instrument_id"] == NOTES
    assert hit["instrument"]["title"] == "Our firm's notes on incident response"
    assert hit["instrument"]["official_url"] == ""


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({}, "q: Field required"),
        ({"q": ""}, "q must not be empty"),
        ({"q": "   "}, "q must not be empty"),
        ({"q": "x" * 1001}, "q is 1001 characters long; the limit is 1000"),
        ({"q": "data", "k": 0}, "k must be between 1 and 100, got 0"),
        ({"q": "data", "k": 10000}, "k must be between 1 and 100, got 10000"),
        ({"q": "data", "k": "ten"}, "k: Input should be a valid integer"),
        ({"q": "data", "mode": "fast"}, "mode: Input should be 'hybrid', 'dense' or 'sparse' (got 'fast')"),
        ({"q": "data", "binding": "perhaps"}, "binding: Input should be a valid boolean"),
        ({"q": "data", "jurisdiction": "Atlantis"}, "unknown jurisdiction 'Atlantis'; valid values: "),
        ({"q": "data", "instrument": "tallinn-manual"}, "unknown instrument 'tallinn-manual'; valid values: "),
        ({"q": "data", "kind": "statute"}, "unknown kind 'statute'; valid values: document, national-law, protocol"),
    ],
)
def test_bad_search_parameters_are_422_with_the_reason(client: TestClient, params: dict, reason: str) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 422
    assert reason in response.json()["detail"]


def test_an_unknown_filter_value_names_the_valid_ones(client: TestClient) -> None:
    detail = client.get("/search", params={"q": "data", "jurisdiction": "Atlantis"}).json()["detail"]
    assert all(name in detail for name in ("Council of Europe", "EU", "Kenya", "US", "unknown"))


def test_search_runs_in_the_threadpool_not_on_the_event_loop() -> None:
    assert not inspect.iscoroutinefunction(search_route.search)


def test_concurrent_searches_each_get_their_own_answer(client: TestClient) -> None:
    asked = {"GDPR Art. 33": f"{GDPR}/art-33", "Budapest art. 30": f"{BUDAPEST}/art-30",
             "NIS2 Art. 23": f"{NIS2}/art-23", "Budapest art. 2": f"{BUDAPEST}/art-2"}
    with ThreadPoolExecutor(max_workers=4) as pool:
        firsts = list(pool.map(lambda q: results(client, q=q)[0]["provision_id"], list(asked) * 3))
    assert firsts == list(asked.values()) * 3


# ---- provisions --------------------------------------------------------------------------

def test_a_unit_id_gives_the_whole_provision_with_its_place_and_neighbours(client: TestClient) -> None:
    response = client.get(f"/provisions/{BUDAPEST}/art-29")
    view = response.json()
    assert response.status_code == 200
    assert (view["label"], view["heading"]) == ("Art. 29", "Expedited preservation of stored computer data")
    assert view["citation"] == "Convention on Cybercrime (ETS No. 185), art. 29"
    assert all(f"{n}. " in view["text"] for n in (1, 2, 3))
    assert (view["previous_id"], view["next_id"]) == (f"{BUDAPEST}/art-2", f"{BUDAPEST}/art-30")
    assert [p["provision_id"] for p in view["passages"]] == [f"{BUDAPEST}/art-29/{n}" for n in (1, 2, 3)]
    assert view["path"] == ["Chapter III"]
    assert view["instrument"]["official_url"].startswith("https://www.coe.int/")
    assert view["instrument"]["citation"] == "Convention on Cybercrime (ETS No. 185)"


def test_a_sub_id_gives_that_paragraph_only(client: TestClient) -> None:
    view = client.get(f"/provisions/{BUDAPEST}/art-29/2").json()
    assert (view["provision_id"], view["unit_id"]) == (f"{BUDAPEST}/art-29/2", f"{BUDAPEST}/art-29")
    assert view["text"].startswith("2. A request for preservation")
    assert "dual criminality" not in view["text"]


@pytest.mark.parametrize("provision_id", [f"{BUDAPEST}/art-99", f"{NIS2}/art-23/9", "no-such-instrument/art-1"])
def test_an_unknown_provision_is_404_naming_it(client: TestClient, provision_id: str) -> None:
    response = client.get(f"/provisions/{provision_id}")
    assert response.status_code == 404
    assert provision_id in response.json()["detail"]


@pytest.mark.parametrize(
    ("provision_id", "says"),
    [
        (f"{BUDAPEST}/art-29/3/3/3", f"{BUDAPEST}/art-29/3 exists; it has no (3)(3)"),
        (f"{GDPR}/art-100", f"GDPR has no Art. 100; its last article is Art. 33 ({GDPR}/art-33)"),
        (f"{BUDAPEST}/art-31", f"Budapest Convention has no Art. 31; its last article is Art. 30 ({BUDAPEST}/art-30)"),
    ],
)
def test_a_provision_the_text_lacks_is_404_naming_what_exists(client: TestClient, provision_id: str, says: str) -> None:
    response = client.get(f"/provisions/{provision_id}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"no provision {provision_id!r} in the index: {says}"


@pytest.mark.parametrize("provision_id", [f"{BUDAPEST}/art-29/", f"{BUDAPEST}/art-29//3", f"{BUDAPEST}/chapter-3"])
def test_a_malformed_provision_id_is_422_naming_it_and_the_grammar(client: TestClient, provision_id: str) -> None:
    response = client.get(f"/provisions/{provision_id}")
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{provision_id!r} is not a provision id")
    assert "INSTRUMENT_ID" in response.json()["detail"]


def test_a_typed_pinpoint_below_the_text_is_answered_at_the_level_it_has(client: TestClient) -> None:
    first = results(client, q="Budapest art. 29(3)(3)(3)")[0]
    assert (first["provision_id"], first["via"]) == (f"{BUDAPEST}/art-29/3", "citation")
    assert first["citation"] == "Convention on Cybercrime (ETS No. 185), art. 29(3)"


def test_a_typed_citation_comes_first_whatever_the_filters(client: TestClient) -> None:
    found = results(client, q="Art. 33(1) GDPR", jurisdiction="Council of Europe")
    assert (found[0]["instrument_id"], found[0]["via"]) == (GDPR, "citation")
    assert {r["instrument_id"] for r in found[1:]} <= {BUDAPEST}


# ---- instruments -------------------------------------------------------------------------

def test_instruments_lists_the_catalogue_with_indexed_counts(client: TestClient, catalog: Catalog) -> None:
    listed = {i["id"]: i for i in client.get("/instruments").json()}
    assert set(catalog.ids) | {NOTES} == set(listed)
    assert (listed[BUDAPEST]["provisions"], listed[BUDAPEST]["passages"]) == (3, 5)
    assert (listed["echr-1950"]["provisions"], listed["echr-1950"]["passages"]) == (0, 0)
    assert "Budapest" in listed[BUDAPEST]["aliases"]


def test_one_instrument_by_id(client: TestClient) -> None:
    entry = client.get(f"/instruments/{GDPR}").json()
    assert (entry["short_title"], entry["jurisdiction"], entry["provisions"]) == ("GDPR", "EU", 1)


def test_an_unknown_instrument_is_404_naming_the_valid_ids(client: TestClient) -> None:
    response = client.get("/instruments/tallinn-manual")
    assert response.status_code == 404
    assert "unknown instrument 'tallinn-manual'" in response.json()["detail"]
    assert BUDAPEST in response.json()["detail"]


# ---- health, failures, app set-up --------------------------------------------------------

def test_health_reports_the_store_the_passages_and_the_model(client: TestClient) -> None:
    assert client.get("/health").json() == {
        "status": "ok", "store": "edge", "passages": 10, "model": "all-MiniLM-L6-v2 (bundled)",
    }


def test_health_names_the_adapted_copy_when_questions_are_embedded_with_it(
    indexed: tuple[Settings, Searcher], catalog: Catalog, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, adapt=True)
    settings.adapted_model_dir.mkdir(parents=True)
    (settings.adapted_model_dir / TRAINING_RECIPE).write_text("{}", encoding="utf-8")
    health = TestClient(create_app(settings, indexed[1], catalog)).get("/health").json()
    assert health["model"] == f"all-MiniLM-L6-v2 (bundled), adapted to the corpus ({settings.adapted_model_dir})"


def record_model(settings: Settings, model: str) -> None:
    """A legal index that says the passages were embedded with ``model``."""
    (settings.data_dir / "legal.json").write_text(json.dumps({"format": 1, "model": model}), encoding="utf-8")


@pytest.mark.parametrize("runtime", ["onnx-fp32", "torch", "onnx-int8"])
def test_an_index_embedded_by_the_same_model_on_another_runtime_is_searched(
    indexed: tuple[Settings, Searcher], catalog: Catalog, tmp_path: Path, runtime: str
) -> None:
    settings = Settings(data_dir=tmp_path)
    same = indexed[1].encoder.identity.split(":", 1)[1]
    record_model(settings, f"{runtime}:{same}")
    Searcher(settings, store=indexed[1].store, embedder=indexed[1].encoder, catalog=catalog).check_model()


def test_an_index_embedded_by_another_model_is_refused_naming_both_and_what_to_do(
    indexed: tuple[Settings, Searcher], catalog: Catalog, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    record_model(settings, "onnx-fp32:adapted-0123456789abcdef")
    searcher = Searcher(settings, store=indexed[1].store, embedder=indexed[1].encoder, catalog=catalog)
    with pytest.raises(ModelMismatch, match=r"'adapted-0123456789abcdef'.*'model-[0-9a-f]+'.*CYBERLEX_ADAPT"):
        searcher.check_model()


def test_a_served_index_of_another_model_answers_503_with_the_reason(tmp_path: Path, catalog: Catalog) -> None:
    with small_index(tmp_path, catalog) as (settings, _):
        pass
    record_model(settings, "onnx-fp32:adapted-0123456789abcdef")
    with TestClient(create_app(settings, catalog=catalog)) as client:
        response = client.get("/search", params={"q": "data"})
    assert response.status_code == 503
    assert "embedded with 'adapted-0123456789abcdef'" in response.json()["detail"]


def test_health_is_503_when_the_index_is_empty(tmp_path: Path, catalog: Catalog) -> None:
    settings = Settings(data_dir=tmp_path)
    with open_store(settings) as empty:
        searcher = Searcher(settings, store=empty, catalog=catalog)
        response = TestClient(create_app(settings, searcher, catalog)).get("/health")
    assert response.status_code == 503
    assert "holds no passages" in response.json()["detail"]


def test_a_store_held_by_another_process_makes_routes_503_with_the_reason(tmp_path: Path, catalog: Catalog) -> None:
    settings = Settings(data_dir=tmp_path)
    with open_store(settings), TestClient(create_app(settings, catalog=catalog)) as client:
        responses = [client.get(path) for path in ("/health", "/search?q=data", "/instruments")]
    assert [r.status_code for r in responses] == [503, 503, 503]
    assert all("in use by another cyberlex process" in r.json()["detail"] for r in responses)


def test_without_a_searcher_the_app_opens_the_store_from_settings(tmp_path: Path, catalog: Catalog) -> None:
    with small_index(tmp_path, catalog) as (settings, _):
        pass  # built, then closed: the app opens it again itself
    with TestClient(create_app(settings, catalog=catalog)) as client:
        assert client.get("/health").json()["passages"] == 10
        assert results(client, q="GDPR Art. 33")[0]["via"] == "citation"


def test_an_unexpected_error_is_500_with_a_generic_message(
    indexed: tuple[Settings, Searcher], catalog: Catalog
) -> None:
    settings, searcher = indexed
    app: FastAPI = create_app(settings, searcher, catalog)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error; the server log has the details"}


@pytest.mark.parametrize(
    ("origins", "allowed"), [([], None), (["https://intranet.example"], "https://intranet.example")]
)
def test_cors_is_closed_unless_origins_are_configured(
    indexed: tuple[Settings, Searcher], catalog: Catalog, origins: list[str], allowed: str | None
) -> None:
    settings, searcher = indexed
    app = create_app(settings.model_copy(update={"cors_origins": origins}), searcher, catalog)
    response = TestClient(app).get("/health", headers={"Origin": "https://intranet.example"})
    assert response.headers.get("access-control-allow-origin") == allowed


def test_openapi_documents_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    documented = {"/search", "/provisions/{provision_id}", "/instruments", "/instruments/{instrument_id}", "/health"}
    assert documented <= set(paths)
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("path", ["/", "/?q=preservation&jurisdiction=EU", f"/p/{BUDAPEST}/art-29/3"])
def test_the_page_is_served_for_searches_and_provisions_with_a_strict_csp(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert '<form id="search"' in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert client.get("/static/app.js").status_code == 200


def test_openapi_docs_are_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "/docs-assets/swagger-ui-bundle.js" in page.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["paths"]["/search"]


def test_search_says_what_it_understood_and_can_be_told_not_to(client: TestClient) -> None:
    body = client.get("/search", params={"q": "GDPR personal data breach notification"}).json()
    assert body["understood"]["instruments"] == [GDPR] and body["understood"]["intent"] == "scoped"
    assert body["results"][0]["instrument_id"] == GDPR
    plain = client.get("/search", params={"q": "GDPR personal data breach notification", "understand": "false"}).json()
    assert plain["understood"]["instruments"] == [] and plain["understood"]["intent"] == "open"


def test_search_says_which_kind_of_rule_it_favoured(client: TestClient) -> None:
    asked = client.get("/search", params={"q": "can the police search my computer, and is hacking a crime?"}).json()
    assert asked["understood"]["asks"] == ["prohibition", "permission"]
    plain = client.get("/search", params={"q": "can the police search my computer?", "understand": "false"}).json()
    assert plain["understood"]["asks"] == []
    scope = client.get("/search", params={"q": "does the GDPR apply to companies outside the EU?"}).json()
    assert scope["understood"]["asks"] == ["scope"]
    about = client.get("/search", params={"q": "what is the purpose of the GDPR?"}).json()
    assert about["understood"]["asks"] == ["purpose"]


def test_nonsense_gets_an_empty_result_list_with_a_notice(client: TestClient) -> None:
    body = client.get("/search", params={"q": "zzzzqqqq"}).json()
    assert body["results"] == [] and "Nothing in the corpus matches" in body["notice"]


def test_a_citation_naming_an_instrument_opens_it_whatever_the_filters_and_names_those_set_aside(
        client: TestClient) -> None:
    body = client.get("/search", params={"q": "Art. 33 GDPR", "jurisdiction": "Kenya", "instrument": BUDAPEST,
                                         "binding": "true"}).json()
    assert (body["results"][0]["provision_id"], body["results"][0]["via"]) == (f"{GDPR}/art-33", "citation")
    assert body["set_aside"] == ["instrument", "jurisdiction"]  # the GDPR is binding: that filter held
    assert all(r["instrument_id"] == BUDAPEST for r in body["results"][1:])


def test_a_pinpoint_deeper_than_the_text_says_which_level_it_found(client: TestClient) -> None:
    body = client.get("/search", params={"q": "Budapest art. 29(1)(a)"}).json()
    assert (body["cited"], body["cited_level"]) == (f"{BUDAPEST}/art-29/1/a", f"{BUDAPEST}/art-29/1")
    assert body["results"][0]["provision_id"] == f"{BUDAPEST}/art-29/1"
    assert body["notice"].startswith(f"Budapest art. 29(1)(a): {BUDAPEST}/art-29/1 exists; it has no (a); shown is "
                                     "Art. 29(1), the deepest level of it the text has.")
    exact = client.get("/search", params={"q": "Budapest art. 29(1)"}).json()
    assert (exact["cited"], exact["cited_level"]) == (f"{BUDAPEST}/art-29/1", f"{BUDAPEST}/art-29/1")
    assert "Budapest art. 29(1)" not in exact["notice"]


def test_a_typed_citation_says_what_it_set_aside_and_what_the_text_lacks(client: TestClient) -> None:
    body = client.get("/search", params={"q": "GDPR art. 33", "jurisdiction": "Council of Europe"}).json()
    assert body["cited"] == f"{GDPR}/art-33" and body["set_aside"] == ["jurisdiction"]
    assert body["understood"]["intent"] == "citation"
    missing = client.get("/search", params={"q": "GDPR art 100"}).json()
    assert missing["cited"] == f"{GDPR}/art-100" and "has no Art. 100" in missing["notice"]
    assert missing["cited_level"] == ""
    assert all(r["instrument_id"] == GDPR or r["via"] != "citation" for r in missing["results"])
