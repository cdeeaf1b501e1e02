"""Comparison across jurisdictions: a provision's (or a question's) counterpart in every other instrument.
The route checks that exactly one of ``provision`` and ``q`` is given; ``index/compare.py`` does the rest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from cyberlex.api.deps import InventoryDep, SearcherDep, SettingsDep
from cyberlex.api.models import CompareOut, CompareRowOut, ErrorOut
from cyberlex.api.routes.legal import optional_legal_index
from cyberlex.api.routes.search import checked_query
from cyberlex.corpus.errors import InvalidInput
from cyberlex.index.compare import Comparer
from cyberlex.index.legal import LegalIndex
from cyberlex.index.search import Searcher

router = APIRouter(tags=["legal"])


def comparer(request: Request, searcher: Searcher, legal: LegalIndex | None) -> Comparer:
    """One per legal index: it keeps the headings' embeddings between requests."""
    cached = getattr(request.app.state, "comparer", None)
    if cached is None or cached.legal is not legal or cached.store is not searcher.store:
        cached = request.app.state.comparer = Comparer(searcher.store, searcher.encoder, searcher.catalog, legal)
    return cached


@router.get("/compare", responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}, 503: {"model": ErrorOut}})
def compare(
    request: Request,
    searcher: SearcherDep,
    inventory: InventoryDep,
    settings: SettingsDep,
    legal: Annotated[LegalIndex | None, Depends(optional_legal_index)],
    provision: Annotated[str | None, Query(description="a provision id: `budapest-convention/art-2`")] = None,
    q: Annotated[str | None, Query(description="or a question: `illegal access to a computer system`")] = None,
) -> CompareOut:
    """One row per other instrument: the counterpart provision, its citation, heading, key sentence, status and
    force, best first; a weak row (far by meaning, vouched for by nothing) comes last, flagged."""
    if (provision is None) == (q is None):
        raise InvalidInput("give exactly one of provision (a provision id: budapest-convention/art-2) and q "
                           "(a question); " + ("both were given" if provision is not None else "neither was given"))
    found = comparer(request, searcher, legal)
    if provision is not None:
        if not provision.strip():
            raise InvalidInput("provision must not be empty: give a provision id such as budapest-convention/art-2")
        view = searcher.provision(provision)
        result = found.provision(view)
        source = (view.provision_id, view.citation, view.heading)
    else:
        result = found.question(checked_query(q, settings))
        source = (None, None, None)
    rows = [CompareRowOut.of(r, inventory.get(r.provision.instrument_id)) for r in result.rows]
    return CompareOut(provision_id=source[0], citation=source[1], heading=source[2], query=result.query, rows=rows)
