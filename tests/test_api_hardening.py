"""API hardening: every limit answers 4xx with its reason; uploads need the API key, stay under the size limit,
are of a readable type, touch no path a client names, and go through the real pipeline into the open index;
CORS is closed unless configured; an internal error never shows its stack trace."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter

from cyberlex.api.main import create_app
from api_index import GDPR, small_index
from cyberlex.corpus.catalog import Catalog, load_catalog
from cyberlex.index.search import Searcher
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
