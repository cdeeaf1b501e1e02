"""Uploads: a user's own text (PDF, HTML, Markdown, plain text) ingested by the same service as the corpus
(ingest.service): parsed in a worker process of its own under a time and a memory limit, indexed, the legal
side-index rebuilt, the index's integrity recorded, the file kept under the data directory for a rebuild.

Writes need the API key of the settings (header ``X-API-Key``); without one configured, uploads are off.
Every check that needs no body (key, declared length) runs before the body is read. The upload is spooled
by Starlette to an anonymous temporary file, copied for the converter into a temporary directory under a
fixed name, and both are gone when the request ends: the client's file name only lends its suffix. An upload
may not take a catalogue instrument's id, nor one of its names as its title.
"""

from __future__ import annotations

import hmac
import shutil
import tempfile
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import APIRouter, FastAPI, HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader
from starlette.datastructures import FormData, UploadFile

from cyberlex.api.deps import CatalogDep, SearcherDep, SettingsDep
from cyberlex.api.models import DocumentOut, ErrorOut
from cyberlex.corpus.catalog import KINDS, LANGUAGES, UNITS, Catalog
from cyberlex.corpus.errors import CatalogError, ConversionError, CyberlexError, InvalidInput
from cyberlex.corpus.model import Instrument
from cyberlex.index import integrity
from cyberlex.index.search import Searcher
from cyberlex.ingest.convert import MB, SUFFIXES
from cyberlex.ingest.pipeline import Isolation, namesake, user_instrument
from cyberlex.ingest.service import IngestService
from cyberlex.settings import Settings

router = APIRouter(tags=["documents"])

FIELD_BYTES = 64 * 1024  # a metadata field's largest size; the body may exceed the file limit by the fields
FIELDS = {"instrument_id": 100, "title": 300, "unit": 20, "language": 10, "jurisdiction": 100, "kind": 30}  # → chars

ApiKey = Annotated[str | None, Security(APIKeyHeader(name="X-API-Key", auto_error=False))]

UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "instrument_id"],
                "properties": {
                    "file": {"type": "string", "format": "binary",
                             "description": f"the document; its name's suffix says its format: {', '.join(SUFFIXES)}"},
                    "instrument_id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
                                      "maxLength": FIELDS["instrument_id"],
                                      "description": "a new id (not a catalogue one); uploading it again replaces it"},
                    "title": {"type": "string", "maxLength": FIELDS["title"],
                              "description": "how results cite it; default: the id"},
                    "unit": {"type": "string", "enum": list(UNITS), "default": "paragraph"},
                    "language": {"type": "string", "enum": list(LANGUAGES), "default": "en"},
                    "jurisdiction": {"type": "string", "maxLength": FIELDS["jurisdiction"], "default": "unknown"},
                    "kind": {"type": "string", "enum": list(KINDS), "default": "document"},
                },
            }
        }
    },
}


@router.post(
    "/documents",
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses={
        status: {"model": ErrorOut, "description": reason}
        for status, reason in (
            (400, "a malformed multipart body"),
            (401, "a missing or wrong X-API-Key"),
            (403, "uploads are disabled: the server has no API key"),
            (409, "the id is a catalogue instrument's, or the title one of its names"),
            (411, "no Content-Length"),
            (413, "the file is over Settings.max_upload_mb"),
            (415, "not multipart, or a file type that cannot be read"),
            (422, "bad metadata, a file with no readable text, or one over the parse limits (pages, characters, "
                  "time, memory)"),
            (503, "the index is not open, or damaged"),
            (507, "too little free disk space to index it; nothing was written"),
        )
    },
)
async def upload(
    request: Request, api_key: ApiKey, settings: SettingsDep, catalog: CatalogDep, searcher: SearcherDep
) -> DocumentOut:
    """Ingest one document under a new instrument id; answers what was indexed (provisions, passages)."""
    _authorize(settings, api_key)
    limit = int(settings.max_upload_mb * MB)
    _check_declared_length(request, limit + len(FIELDS) * FIELD_BYTES, settings.max_upload_mb)
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise HTTPException(415, "send the document as multipart/form-data, the file in the field 'file'")
    async with request.form(max_files=1, max_fields=len(FIELDS), max_part_size=FIELD_BYTES) as form:
        upload = _file(form, limit, settings.max_upload_mb)
        suffix = PurePath(upload.filename or "").suffix.lower()
        instrument = _instrument(form, catalog, suffix)
        report = await run_in_threadpool(_ingest, upload, instrument, request.app, searcher)
    request.app.state.inventory = None  # counts and titles changed
    return report


def _authorize(settings: Settings, given: str | None) -> None:
    if not settings.api_key:
        raise HTTPException(403, "uploads disabled: the server has no API key (set CYBERLEX_API_KEY to enable them)")
    if given is None or not hmac.compare_digest(given.encode(), settings.api_key.encode()):
        raise HTTPException(401, "a valid X-API-Key header is required to upload", {"WWW-Authenticate": "X-API-Key"})


def _check_declared_length(request: Request, most: int, limit_mb: float) -> None:
    """Refuse before reading: a body that does not say its length, or says it is too long."""
    declared = request.headers.get("content-length")
    if declared is None:
        raise HTTPException(411, "send a Content-Length header")
    if not declared.isdigit():
        raise HTTPException(400, f"Content-Length {declared!r} is not a number of bytes")
    if int(declared) > most:
        raise HTTPException(413, f"the request is {int(declared) / MB:.3g} MB; the upload limit is {limit_mb:g} MB")


def _file(form: FormData, limit: int, limit_mb: float) -> UploadFile:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput("file: missing; send the document in the multipart field 'file'")
    if upload.size is not None and upload.size > limit:
        raise HTTPException(413, f"the file is {upload.size / MB:.3g} MB; the limit is {limit_mb:g} MB")
    return upload


def _instrument(form: FormData, catalog: Catalog, suffix: str) -> Instrument:
    """The instrument the upload becomes, its facts checked as a catalogue entry's are."""
    if suffix not in SUFFIXES:
        raise HTTPException(415, f"unsupported file type {suffix or '(no suffix)'!r}; valid: {', '.join(SUFFIXES)}")
    values: dict[str, str] = {}
    for name, most in FIELDS.items():
        value = form.get(name)
        if isinstance(value, UploadFile):
            raise InvalidInput(f"{name}: expected text, got a file")
        if value is not None and len(value) > most:
            raise InvalidInput(f"{name}: longer than {most} characters")
        if value:
            values[name] = value.strip()
    instrument_id = values.pop("instrument_id", "")
    if not instrument_id:
        raise InvalidInput("instrument_id: missing; give the document a new id (lowercase letters, digits, hyphens)")
    if instrument_id in catalog:
        raise HTTPException(409, f"{instrument_id!r} is a catalogue instrument; uploads take a new id")
    values.setdefault("title", instrument_id)
    instrument = user_instrument(Path(f"upload{suffix}"), instrument_id, **values)
    if (official := namesake(catalog, instrument)) is not None:
        raise HTTPException(409, f"title {instrument.title!r} is a name of the catalogue instrument {official.id!r}; "
                                 "an upload takes a title of its own")
    try:
        catalog.add(instrument)
    except CatalogError as exc:
        raise InvalidInput(str(exc)) from None
    return instrument


def _ingest(upload: UploadFile, instrument: Instrument, app: FastAPI, searcher: Searcher) -> DocumentOut:
    """Ingest through the service, as ``cyberlex ingest`` does; runs in the threadpool (the parse waits on its worker,
    embedding is CPU), one upload at a time (two of one id would race on its points) and while /health waits."""
    settings: Settings = app.state.settings
    service = IngestService(settings, searcher.store, app.state.catalog, searcher.encoder)
    with tempfile.TemporaryDirectory(prefix="cyberlex-upload-") as folder:
        path = Path(folder) / f"upload{PurePath(instrument.file).suffix}"
        upload.file.seek(0)
        try:
            with path.open("wb") as out:
                shutil.copyfileobj(upload.file, out)
        except OSError as exc:
            raise integrity.no_space(settings, exc) or exc
        with app.state.watch.writing():
            try:
                outcome = service.run([(path, instrument)], isolation=Isolation(settings.parse_seconds,
                                                                                settings.parse_memory_mb), keep=True)
            finally:
                app.state.wrote = app.state.wrote or service.wrote
    error = outcome.report.errors.get(str(path))
    if isinstance(error, ConversionError):
        raise InvalidInput(f"file: {error.reason}") from None  # the reason, not the server's temporary path
    if error is not None:
        raise error if isinstance(error, CyberlexError) else RuntimeError(outcome.report.failed[str(path)])
    change = outcome.report.changes[instrument.id]
    return DocumentOut(
        instrument_id=instrument.id, provisions=outcome.report.provisions[instrument.id],
        passages=outcome.report.passages[instrument.id], added=change.added, updated=change.updated,
        unchanged=change.unchanged, removed=change.removed,
    )
