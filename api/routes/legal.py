"""The legal index over HTTP: every instrument's definition of a term, and the provisions of other instruments
related to a provision. Both read ``legal.json``, which ``cyberlex ingest`` builds: without it they answer
503 saying so, and every other route works as before (the provision view then has no links).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from cyberlex.api.deps import InventoryDep
from cyberlex.api.models import DefinitionOut, DefinitionsOut, ErrorOut, RelatedListOut, RelatedOut
from cyberlex.corpus.errors import InvalidInput, StoreUnavailable
from cyberlex.corpus.citations import cite
from cyberlex.corpus.model import ProvisionId
from cyberlex.index.legal import RELATED_K, LegalIndex, legal_path, load_legal_index

router = APIRouter(tags=["legal"])

MAX_TERM_CHARS = 200


def legal_index(request: Request) -> LegalIndex:
    """The app's legal index, loaded again whenever the file changes (an ingest rebuilt it)."""
    path = legal_path(request.app.state.settings)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = None
    cached = getattr(request.app.state, "legal", None)
    if stamp is None or cached is None or cached[0] != stamp:
        cached = request.app.state.legal = (stamp, load_legal_index(path))
    return cached[1]


def optional_legal_index(request: Request) -> LegalIndex | None:
    """For routes that work without it."""
    try:
        return legal_index(request)
    except StoreUnavailable:
        return None


LegalDep = Annotated[LegalIndex, Depends(legal_index)]


@router.get("/definitions", responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut}})
def definitions(
    legal: LegalDep,
    inventory: InventoryDep,
    term: Annotated[str, Query(description="a defined term: `computer system`; case, plurals, hyphens do not matter")],
) -> DefinitionsOut:
    """Every instrument's definition of the term, in the catalogue's order; none is an empty list."""
    wanted = " ".join(term.split())
    if not wanted:
        raise InvalidInput("term must not be empty: type a defined term such as “computer system”")
    if len(wanted) > MAX_TERM_CHARS:
        raise InvalidInput(f"term is {len(wanted)} characters long; the limit is {MAX_TERM_CHARS}")
    order = {iid: n for n, iid in enumerate(inventory.instruments)}
    found = []
    for definition in sorted(legal.definitions_of(wanted), key=lambda d: order.get(d.instrument_id, len(order))):
        instrument = inventory.get(definition.instrument_id)
        defined = ProvisionId.parse(definition.provision_id)
        found.append(DefinitionOut.of(definition, instrument, cite(instrument, defined.unit, defined.sub)))
    return DefinitionsOut(term=wanted, definitions=found)


@router.get(
    "/provisions/{provision_id:path}/related",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}, 503: {"model": ErrorOut}},
)
def related(
    provision_id: str,
    legal: LegalDep,
    inventory: InventoryDep,
    k: Annotated[int, Query(ge=1, le=RELATED_K, description=f"how many; at most {RELATED_K}")] = RELATED_K,
) -> RelatedListOut:
    """The most similar provisions in other instruments (computed per unit at ingest), best first.
    Recitals, preambles and annexes state no rules and have none."""
    unit = legal.unit(provision_id)
    found = [RelatedOut.of(r, inventory.get(r.unit.instrument_id)) for r in legal.related(provision_id, k)]
    return RelatedListOut(provision_id=provision_id, unit_id=unit.id, related=found)
