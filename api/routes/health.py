"""Liveness that means something: the store answers, holds passages, and is what the last ingest wrote."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cyberlex.api.deps import SearcherDep, SettingsDep
from cyberlex.api.models import ErrorOut, HealthOut
from cyberlex.corpus.errors import StoreUnavailable
from cyberlex.settings import Settings

router = APIRouter(tags=["health"])

BUNDLED_MODEL = "all-MiniLM-L6-v2 (bundled)"


@router.get("/health", responses={503: {"model": ErrorOut, "description": "the store is unreachable, empty or damaged"}})
def health(request: Request, searcher: SearcherDep, settings: SettingsDep) -> HealthOut:
    """A plain `def`: checking the store's files against its integrity record reads them (index.integrity.Watch)."""
    passages = searcher.store.count()
    if not passages:
        raise StoreUnavailable("the index holds no passages; run `cyberlex ingest`")
    request.app.state.watch.check(searcher.store)
    return HealthOut(
        status="ok",
        store="server" if settings.qdrant_url else "edge",
        passages=passages,
        model=_model_name(settings),
    )


def _model_name(settings: Settings) -> str:
    """The model as configured, and where its adapted copy is when questions are embedded with that."""
    name = settings.model or BUNDLED_MODEL
    adapted = settings.model_path != settings.base_model_path
    return f"{name}, adapted to the corpus ({settings.model_path})" if adapted else name
