"""A provision in full: text, place in its instrument, neighbours, catalogue entry."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import InventoryDep, SearcherDep
from api.models import ErrorOut, ProvisionOut

router = APIRouter(tags=["provisions"])


@router.get(
    "/provisions/{provision_id:path}",
    responses={404: {"model": ErrorOut, "description": "no such provision in the index"}, 503: {"model": ErrorOut}},
)
def provision(provision_id: str, searcher: SearcherDep, inventory: InventoryDep) -> ProvisionOut:
    """Look up a provision by id: a unit (`budapest-convention/art-29`) or a subdivision (`.../art-29/3`)."""
    view = searcher.provision(provision_id)
    return ProvisionOut.of(view, inventory.get(view.instrument_id))
