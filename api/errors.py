"""Domain errors become HTTP responses here, once; no stack trace, and no directory of the server, ever reaches a
client."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from cyberlex.corpus.errors import DiskFull, InvalidInput, NotFound, StoreLocked, StoreUnavailable
from cyberlex.settings import Settings

log = logging.getLogger("cyberlex.api")

STATUS = ((NotFound, 404), (InvalidInput, 422), (StoreUnavailable, 503), (StoreLocked, 503), (DiskFull, 507))
LOGGED_PATH_CHARS = 200  # of a failed request's path, in the log line: a path can be as long as the server takes
# An absolute path of two parts or more, not inside a URL or an id ("http://host/a", "budapest-convention/art-29")
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])/(?:[\w.~-]+/)+[\w.~-]*")


def public(message: str, settings: Settings) -> str:
    """``message`` without the server's directories: the data and corpus directories are named by their settings,
    any other absolute path is left out."""
    for directory, name in ((settings.data_dir, "CYBERLEX_DATA_DIR"), (settings.corpus_dir, "CYBERLEX_CORPUS_DIR")):
        for spelled in sorted({str(directory), str(directory.absolute()), str(directory.resolve())}, key=len,
                              reverse=True):
            message = message.replace(spelled, name)
    return _ABSOLUTE_PATH.sub("…", message)


def _detail(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    status = next(code for kind, code in STATUS if isinstance(exc, kind))
    return _detail(status, public(str(exc), request.app.state.settings))


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own parameter checks (k=abc, mode=fast), told in one sentence like ours."""
    reasons = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"] if part not in ("query", "path"))
        given = f" (got {error['input']!r})" if "input" in error and error["input"] is not None else ""
        reasons.append(f"{where}: {error['msg']}{given}")
    return _detail(422, "; ".join(reasons))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    path = request.url.path
    shown = path if len(path) <= LOGGED_PATH_CHARS else f"{path[:LOGGED_PATH_CHARS]}… ({len(path):,} characters)"
    log.error("unhandled error on %s %s", request.method, shown, exc_info=exc)
    return _detail(500, "internal error; the server log has the details")


def install(app: FastAPI) -> None:
    for kind, _ in STATUS:
        app.add_exception_handler(kind, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _unexpected)
