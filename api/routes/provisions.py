"""A provision in full: text, place in its instrument, neighbours, catalogue entry, legal links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from cyberlex.api.deps import InventoryDep, SearcherDep
from cyberlex.api.models import ErrorOut, ProvisionOut
from cyberlex.api.routes.legal import optional_legal_index
from cyberlex.index.legal import LegalIndex

router = APIRouter(tags=["provisions"])


@router.get(
    "/provisions/{provision_id:path}",
    responses={
        404: {"model": ErrorOut, "description": "the text has no such provision; the message names the nearest one"},
        422: {"model": ErrorOut, "description": "not a provision id (an empty segment, no unit); the message says why"},
        503: {"model": ErrorOut},
    },
)
def provision(
    provision_id: str,
    searcher: SearcherDep,
    inventory: InventoryDep,
    legal: Annotated[LegalIndex | None, Depends(optional_legal_index)],
) -> ProvisionOut:
    """Look up a provision by id: a unit (`budapest-convention/art-29`) or a subdivision (`.../art-29/3`,
    `us-cfaa-18usc1030/s-1030/a/2/c`), exactly as the text has it and cited as printed (`18 U.S.C. § 1030(a)(2)(C)`),
    with its tags, the defined terms and cross-references in its text, and the references made to it. A provision
    the text does not have is a 404 naming the nearest one that exists, never a neighbour passed off as it."""
    view = searcher.provision(provision_id)
    return ProvisionOut.of(view, inventory.get(view.instrument_id), legal)
