"""Liveness that means something: the store answers and holds passages."""

from __future__ import annotations

from fastapi import APIRouter

from cyberlex.api.deps import SearcherDep, SettingsDep
from cyberlex.api.models import ErrorOut, HealthOut
from cyberlex.corpus.errors import StoreUnavailable

router = APIRouter(tags=["health"])

BUNDLED_MODEL = "all-MiniLM-L6-v2 (bundled)"


@router.get("/health", responses={503: {"model": ErrorOut, "description": "the store is unreachable or empty"}})
def health(searcher: SearcherDep, settings: SettingsDep) -> HealthOut:
    passages = searcher.store.count()
    if not passages:
        raise StoreUnavailable(f"the index at {searcher.store.location} holds no passages; run `cyberlex ingest`")
    return HealthOut(
        status="ok",
        store="server" if settings.qdrant_url else "edge",
        passages=passages,
        model=settings.model or BUNDLED_MODEL,
    )
