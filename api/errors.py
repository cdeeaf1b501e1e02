"""Domain errors become HTTP responses here, once; no stack trace ever reaches a client."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from cyberlex.corpus.errors import InvalidInput, NotFound, StoreLocked, StoreUnavailable

log = logging.getLogger("cyberlex.api")

STATUS = ((NotFound, 404), (InvalidInput, 422), (StoreUnavailable, 503), (StoreLocked, 503))


def _detail(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    status = next(code for kind, code in STATUS if isinstance(exc, kind))
    return _detail(status, str(exc))


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own parameter checks (k=abc, mode=fast), told in one sentence like ours."""
    reasons = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"] if part not in ("query", "path"))
        given = f" (got {error['input']!r})" if "input" in error and error["input"] is not None else ""
        reasons.append(f"{where}: {error['msg']}{given}")
    return _detail(422, "; ".join(reasons))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _detail(500, "internal error; the server log has the details")


def install(app: FastAPI) -> None:
    for kind, _ in STATUS:
        app.add_exception_handler(kind, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _unexpected)
