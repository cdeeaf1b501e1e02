"""API hardening: every limit answers 4xx with its reason; uploads need the API key, stay under the size limit,
are of a readable type, touch no path a client names, are parsed in a worker under time and memory limits, may not
pass for a catalogue instrument, and go through the ingest service into the open index (legal side-index included);
CORS is closed unless configured; an internal error never shows its stack trace, and no error a server path; HEAD is
answered; a search response has a size limit."""

from __future__ import annotations

import io
import json
import logging
import multiprocessing
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter

from cyberlex.api.main import create_app
from api_index import GDPR, small_index
from cyberlex.corpus.catalog import Catalog, load_catalog
from cyberlex.evals.faults import disk_with_free, nested_html, page_tree_bomb
from cyberlex.index.search import Searcher
from cyberlex.index.store import open_store
from cyberlex.settings import Settings

KEY = "correct horse battery staple"
LIMIT_MB = 0.05  # 50 kB, so the tests stay small
NOTES = (
    "# Breach handbook\n\n"
    "When a laptop with client files is stolen, the duty partner tells the client within two days.\n\n"
    "Backups of the case-management system are restored and tested every quarter.\n"
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[tuple[Settings, Searcher]]:
    with small_index(tmp_path_factory.mktemp("hardening-index"), catalog) as built:
        yield built


@pytest.fixture(scope="module")
def settings(indexed: tuple[Settings, Searcher]) -> Settings:
    return indexed[0].model_copy(update={"api_key": KEY, "max_upload_mb": LIMIT_MB})


@pytest.fixture(scope="module")
def client(indexed: tuple[Settings, Searcher], settings: Settings, catalog: Catalog) -> TestClient:
    return TestClient(create_app(settings, indexed[1], catalog))


def upload(client: TestClient, name: str, content: bytes, key: str | None = KEY, **fields: str):
    headers = {"X-API-Key": key} if key is not None else {}
    return client.post("/documents", files={"file": (name, content)}, data=fields, headers=headers)


# ---- limits on search ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"q": "x" * 1001}, "q is 1001 characters long; the limit is 1000"),
        ({"q": "   "}, "q must not be empty"),
        ({"q": "data", "k": 0}, "k must be between 1 and 100, got 0"),
        ({"q": "data", "k": 101}, "k must be between 1 and 100, got 101"),
        ({"q": "data", "k": "ten"}, "k: Input should be a valid integer"),
        ({"q": "data", "jurisdiction": "Atlantis"}, "unknown jurisdiction 'Atlantis'; valid values: "),
        ({"q": "data", "instrument": "no-such-law"}, "unknown instrument 'no-such-law'; valid values: "),
        ({"q": "data", "kind": "poem"}, "unknown kind 'poem'; valid values: "),
        ({"q": "data", "mode": "fast"}, "mode: Input should be 'hybrid', 'dense' or 'sparse'"),
        ({"q": "data", "binding": "maybe"}, "binding: Input should be a valid boolean"),
        ({}, "q: Field required"),
    ],
)
def test_search_limits_answer_422_with_the_reason(client: TestClient, params: dict, reason: str) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 422
    assert reason in response.json()["detail"]


# ---- uploads -------------------------------------------------------------------------------

def test_an_upload_is_ingested_through_the_pipeline_and_searchable(client: TestClient) -> None:
    response = upload(client, "handbook.md", NOTES.encode(), instrument_id="breach-handbook",
                      title="Breach handbook", jurisdiction="UK")
    assert response.status_code == 200, response.text
    assert response.json() == {"instrument_id": "breach-handbook", "provisions": 2, "passages": 2, "added": 2,
                               "updated": 0, "unchanged": 0, "removed": 0}
    found = client.get("/search", params={"q": "stolen laptop client files", "instrument": "breach-handbook"})
    assert found.json()["results"][0]["provision_id"] == "breach-handbook/para-1"
    assert client.get("/instruments/breach-handbook").json()["title"] == "Breach handbook"


def test_uploading_the_same_document_again_writes_nothing(client: TestClient) -> None:
    upload(client, "handbook.md", NOTES.encode(), instrument_id="handbook-twice")
    again = upload(client, "handbook.md", NOTES.encode(), instrument_id="handbook-twice")
    assert (again.json()["added"], again.json()["unchanged"]) == (0, 2)


@pytest.mark.parametrize(
    ("key", "status", "reason"),
    [
        (None, 401, "a valid X-API-Key header is required to upload"),
        ("wrong key", 401, "a valid X-API-Key header is required to upload"),
    ],
)
def test_uploads_need_the_api_key(client: TestClient, key: str | None, status: int, reason: str) -> None:
    response = upload(client, "notes.txt", NOTES.encode(), key=key, instrument_id="no-key")
    assert (response.status_code, response.json()["detail"]) == (status, reason)
    assert client.get("/search", params={"q": "stolen laptop", "instrument": "no-key"}).status_code == 422


def test_without_a_configured_key_uploads_are_disabled(indexed: tuple[Settings, Searcher], catalog: Catalog) -> None:
    settings, searcher = indexed
    keyless = TestClient(create_app(settings.model_copy(update={"api_key": None}), searcher, catalog))
    response = upload(keyless, "notes.txt", NOTES.encode(), instrument_id="keyless")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("uploads disabled")


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "fields", "status", "reason"),
    [
        ("big.txt", b"word " * 12_000, {}, 413, "the file is 0.06 MB; the limit is 0.05 MB"),
        ("big.txt", b"word " * 100_000, {}, 413, "the request is 0.5 MB; the upload limit is 0.05 MB"),
        ("notes.docx", b"PK\x03\x04", {}, 415, "unsupported file type '.docx'; valid: .md, .markdown, .txt, .html"),
        ("notes", NOTES.encode(), {}, 415, "unsupported file type '(no suffix)'"),
        ("scan.pdf", b"%PDF-1.4\n%%garbage", {}, 422, "file: corrupt PDF"),
        ("locked.pdf", encrypted_pdf(), {}, 422, "file: encrypted PDF"),
        ("empty.txt", b"", {}, 422, "file: empty file"),
        ("junk.md", bytes(range(256)) * 20, {}, 422, "file: binary content, not text"),
        ("notes.txt", NOTES.encode(), {"instrument_id": ""}, 422, "instrument_id: missing"),
        ("notes.txt", NOTES.encode(), {"instrument_id": "Bad Id!"}, 422,
         "field 'id': use lowercase letters, digits and hyphens"),
        ("notes.txt", NOTES.encode(), {"instrument_id": GDPR}, 409, f"{GDPR!r} is a catalogue instrument"),
        ("notes.txt", NOTES.encode(), {"unit": "chapter"}, 422,
         "field 'unit': 'chapter' is not one of article, section, rule, paragraph"),
        ("notes.txt", NOTES.encode(), {"language": "xx"}, 422, "field 'language': 'xx' is not one of en, ar, ja, th"),
        ("notes.txt", NOTES.encode(), {"title": "t" * 301}, 422, "title: longer than 300 characters"),
    ],
    ids=["file-over-limit", "request-over-limit", "docx", "no-suffix", "corrupt-pdf", "encrypted-pdf", "empty",
         "binary", "no-id", "bad-id", "catalogue-id", "bad-unit", "bad-language", "long-title"],
)
def test_bad_uploads_answer_4xx_with_the_reason(client: TestClient, name: str, content: bytes, fields: dict,
                                                status: int, reason: str) -> None:
    response = upload(client, name, content, **{"instrument_id": "refused-upload", **fields})
    assert response.status_code == status, response.text
    assert reason in response.json()["detail"]
    assert "cyberlex-upload-" not in response.text  # the server's temporary path never reaches the client


@pytest.mark.parametrize(
    ("headers", "content", "status", "reason"),
    [
        ({"content-type": "application/json"}, b'{"file": "x"}', 415, "send the document as multipart/form-data"),
        ({"content-type": "multipart/form-data; boundary=b"}, b"not multipart", 400, "Invalid multipart data"),
        ({"content-type": "multipart/form-data; boundary=b"}, iter([b"--b\r\n"]), 411, "send a Content-Length header"),
    ],
    ids=["json", "not-multipart", "chunked"],
)
def test_malformed_upload_requests_answer_4xx(client: TestClient, headers: dict, content, status: int,
                                              reason: str) -> None:
    response = client.post("/documents", content=content, headers={"X-API-Key": KEY, **headers})
    assert response.status_code == status
    assert reason in response.json()["detail"]


def test_an_uploads_file_name_is_used_for_its_suffix_only(client: TestClient, tmp_path: Path) -> None:
    target = tmp_path / "planted.md"
    before = set(Path(tempfile.gettempdir()).glob("cyberlex-upload-*"))
    response = upload(client, f"../../../../../..{target}", NOTES.encode(), instrument_id="traversal")
    assert response.status_code == 200, response.text
    assert not target.exists()
    assert set(Path(tempfile.gettempdir()).glob("cyberlex-upload-*")) == before  # the temporary copy is gone


# ---- CORS and errors -----------------------------------------------------------------------

def test_cors_is_closed_by_default(client: TestClient) -> None:
    preflight = client.options("/search", headers={"Origin": "https://elsewhere.example",
                                                   "Access-Control-Request-Method": "GET"})
    simple = client.get("/search", params={"q": "data"}, headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


def test_cors_allows_only_the_configured_origins(indexed: tuple[Settings, Searcher], catalog: Catalog) -> None:
    settings, searcher = indexed
    opened = TestClient(create_app(settings.model_copy(update={"cors_origins": ["https://ok.example"]}), searcher,
                                   catalog))
    allowed = opened.get("/search", params={"q": "data"}, headers={"Origin": "https://ok.example"})
    refused = opened.get("/search", params={"q": "data"}, headers={"Origin": "https://elsewhere.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://ok.example"
    assert "access-control-allow-origin" not in refused.headers


def test_an_internal_error_answers_a_generic_500_without_its_trace(indexed: tuple[Settings, Searcher],
                                                                    catalog: Catalog) -> None:
    settings, searcher = indexed
    app = create_app(settings, searcher, catalog)

    def broken() -> None:
        raise RuntimeError("secret detail from /srv/cyberlex/index/search.py line 42")

    app.add_api_route("/broken", broken)
    response = TestClient(app, raise_server_exceptions=False).get("/broken")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error; the server log has the details"}
    assert "secret" not in response.text and "Traceback" not in response.text


# ---- hostile uploads --------------------------------------------------------------------------------------------

def no_parse_worker_left() -> bool:
    return not [p for p in multiprocessing.active_children() if p.is_alive()]


def test_a_page_tree_bomb_upload_is_refused_in_seconds(client: TestClient) -> None:
    started = time.monotonic()
    response = upload(client, "bomb.pdf", page_tree_bomb(), instrument_id="bomb")
    assert response.status_code == 422
    assert response.json()["detail"] == "file: 49,152 pages, over the limit of 2,000 (CYBERLEX_MAX_PAGES)"
    assert time.monotonic() - started < 30  # it had not finished after 90 s
    assert no_parse_worker_left()


@pytest.mark.parametrize(
    ("limits", "content", "reason"),
    [
        ({"parse_seconds": 0.2}, NOTES.encode(), "file: parsing took over 0.2 s, the limit (CYBERLEX_PARSE_SECONDS)"),
        ({"parse_memory_mb": 100, "max_upload_mb": 5}, ("Words of a paragraph that goes on. " * 20 + "\n\n").encode()
         * 3000, "file: parsing needed over 100 MB, the limit (CYBERLEX_PARSE_MEMORY_MB)"),
    ],
    ids=["time", "memory"],
)
def test_an_upload_over_the_parse_limits_is_stopped(indexed: tuple[Settings, Searcher], settings: Settings,
                                                    catalog: Catalog, limits: dict, content: bytes,
                                                    reason: str) -> None:
    limited = TestClient(create_app(settings.model_copy(update=limits), indexed[1], catalog))
    response = upload(limited, "notes.txt", content, instrument_id="over-the-limits")
    assert (response.status_code, response.json()["detail"]) == (422, reason)
    assert no_parse_worker_left()
    assert client_search(limited, "over-the-limits").status_code == 422  # nothing of it indexed


def client_search(client: TestClient, instrument: str):
    return client.get("/search", params={"q": "paragraph", "instrument": instrument})


def test_html_nested_thousands_deep_is_uploaded_whole(client: TestClient) -> None:
    response = upload(client, "nest.html", nested_html(4000), instrument_id="nest")  # 5,000 is over the 50 kB limit
    assert response.status_code == 200, response.text
    found = client.get("/search", params={"q": "deep in the nest", "instrument": "nest"}).json()["results"]
    assert "Section 1 Before the nest. Section 2 Deep in the nest. Section 3 After the nest." in found[0]["text"]


@pytest.mark.parametrize(
    ("title", "official"),
    [("GDPR", "gdpr-2016-679"), ("Convention on Cybercrime (ETS No. 185)", "budapest-convention"),
     ("convention  on cybercrime", "budapest-convention")],
)
def test_an_upload_may_not_take_a_catalogue_instruments_name(client: TestClient, title: str, official: str) -> None:
    response = upload(client, "notes.md", NOTES.encode(), instrument_id="look-alike", title=title)
    assert response.status_code == 409
    assert response.json()["detail"] == f"title {title!r} is a name of the catalogue instrument {official!r}; an " \
                                         "upload takes a title of its own"


def test_an_upload_rebuilds_the_legal_index_and_keeps_its_file(client: TestClient, settings: Settings) -> None:
    text = "# Glossary\n\n“breach window” means the hours between the loss of a device and the client's notice.\n"
    assert upload(client, "glossary.md", text.encode(), instrument_id="glossary").status_code == 200
    found = client.get("/definitions", params={"term": "breach window"}).json()["definitions"]
    assert [d["instrument"]["id"] for d in found] == ["glossary"]
    assert (settings.data_dir / "uploads" / "glossary.md").read_text(encoding="utf-8") == text
    noted = json.loads((settings.data_dir / "sources.json").read_text())["glossary"]
    assert noted["file"] == str(settings.data_dir / "uploads" / "glossary.md")


def test_on_a_full_disk_an_upload_answers_507_and_writes_nothing(client: TestClient) -> None:
    with disk_with_free(5):
        response = upload(client, "notes.md", NOTES.encode(), instrument_id="no-room")
    assert response.status_code == 507
    assert response.json()["detail"].startswith("disk full at CYBERLEX_DATA_DIR (needs ~")
    assert client_search(client, "no-room").status_code == 422


# ---- the edges of every response ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/health", "/docs", "/static/app.js", "/openapi.json"])
def test_head_is_answered_as_get_without_a_body(client: TestClient, path: str) -> None:
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]


def test_redoc_is_not_served_from_a_cdn(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404


def test_a_503_names_no_server_path(tmp_path: Path, catalog: Catalog) -> None:
    settings = Settings(data_dir=tmp_path)
    with open_store(settings), TestClient(create_app(settings, catalog=catalog)) as locked:
        response = locked.get("/health")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("the index at CYBERLEX_DATA_DIR/edge is in use by another cyberlex "
                                                "process")
    assert str(tmp_path) not in response.text


def test_a_500_logs_a_long_path_cut_short(indexed: tuple[Settings, Searcher], catalog: Catalog,
                                          caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(indexed[0], indexed[1], catalog)

    def broken(rest: str) -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken/{rest:path}", broken)
    with caplog.at_level(logging.ERROR, logger="cyberlex.api"):
        response = TestClient(app, raise_server_exceptions=False).get("/broken/" + "a" * 10_000)
    assert response.status_code == 500
    logged, = [r.getMessage() for r in caplog.records if r.name == "cyberlex.api"]
    assert logged == "unhandled error on GET /broken/" + "a" * 192 + "… (10,008 characters)"


def test_a_search_response_carries_at_most_its_share_of_text_per_result(indexed: tuple[Settings, Searcher],
                                                                         settings: Settings, catalog: Catalog) -> None:
    capped = TestClient(create_app(settings.model_copy(update={"max_response_chars": 1000}), indexed[1], catalog))
    results = capped.get("/search", params={"q": "preservation of stored computer data", "k": 8}).json()["results"]
    assert len(results) == 8
    assert all(len(r["text"]) <= 1000 // 8 + 1 for r in results)
    assert any(r["truncated"] and r["text"].endswith("…") for r in results)
    full = client_search(TestClient(create_app(settings, indexed[1], catalog)), "budapest-convention").json()
    assert not any(r["truncated"] for r in full["results"])
