"""The adviser's page: one HTML shell for `/` (search), `/p/{id}` (a provision) and `/i/{id}` (an instrument's
contents); the script reads the URL."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"

# Everything the page needs comes from this origin; nothing injected into it can load or run.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
@router.get("/p/{provision_id:path}")
@router.get("/i/{instrument_id}")
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers=HEADERS)
