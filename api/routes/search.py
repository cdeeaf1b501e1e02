"""The search endpoint: checks every parameter against the settings and the catalogue, then asks the Searcher."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from cyberlex.api.deps import InventoryDep, SearcherDep, SettingsDep
from cyberlex.api.inventory import Inventory
from cyberlex.api.models import ErrorOut, ResultOut, SearchOut, UnderstoodOut
from cyberlex.corpus.catalog import PASSAGE_STATUSES
from cyberlex.corpus.errors import InvalidInput
from cyberlex.index.search import Filters
from cyberlex.settings import Settings
from cyberlex.ingest.deontic import ADDRESSEES, FORCES

router = APIRouter(tags=["search"])

Many = Annotated[list[str], Query(description="repeatable; a result matches any of the values")]


def checked_query(q: str, settings: Settings) -> str:
    query = q.strip()
    if not query:
        raise InvalidInput("q must not be empty: type a question, a topic or a citation")
    if len(query) > settings.max_query_chars:
        raise InvalidInput(f"q is {len(query)} characters long; the limit is {settings.max_query_chars}")
    return query


def checked_k(k: int, settings: Settings) -> int:
    if not 1 <= k <= settings.max_k:
        raise InvalidInput(f"k must be between 1 and {settings.max_k}, got {k}")
    return k


def checked_values(inventory: Inventory, field: str, given: list[str]) -> tuple[str, ...]:
    """Each value must be one an instrument has; matched case-insensitively, returned as catalogued."""
    valid = inventory.values(field)
    by_folded = {v.casefold(): v for v in valid}
    unknown = [v for v in given if v.casefold() not in by_folded]
    if unknown:
        raise InvalidInput(f"unknown {field} {', '.join(map(repr, unknown))}; valid values: {', '.join(sorted(valid))}")
    return tuple(by_folded[v.casefold()] for v in given)


def capped(results: list[ResultOut], most_chars: int) -> list[ResultOut]:
    """Each result's text cut to an equal share of ``most_chars``, so that a response never holds k huge passages."""
    share = most_chars // max(1, len(results))
    return [r if len(r.text) <= share else r.model_copy(update={"text": r.text[:share] + "…", "truncated": True})
            for r in results]


def checked_tags(name: str, given: list[str], valid: tuple[str, ...]) -> tuple[str, ...]:
    """A fixed vocabulary (deontic tags, statuses), matched case-insensitively."""
    unknown = [v for v in given if v.casefold() not in valid]
    if unknown:
        raise InvalidInput(f"unknown {name} {', '.join(map(repr, unknown))}; valid values: {', '.join(valid)}")
    return tuple(v.casefold() for v in given)


class SearchParams:
    """The parameters of a search besides the question: /search and /export take the same ones, declared once."""

    def __init__(
        self,
        k: Annotated[int, Query(description="how many results; 1 to Settings.max_k")] = 10,
        instrument: Many = [],
        jurisdiction: Many = [],
        kind: Many = [],
        language: Many = [],
        status: Annotated[list[str], Query(description="repeatable; the provision's own status, else its "
                                                       f"instrument's: {', '.join(PASSAGE_STATUSES)}")] = [],
        binding: bool | None = None,
        force: Annotated[list[str], Query(description=f"repeatable; deontic force: {', '.join(FORCES)}")] = [],
        addressee: Annotated[list[str], Query(description=f"repeatable; whom it binds: {', '.join(ADDRESSEES)}")] = [],
        mode: Literal["hybrid", "dense", "sparse"] = "hybrid",
        understand: Annotated[bool, Query(description="read named instruments, places and intent from q")] = True,
    ):
        self.k, self.binding, self.mode, self.understand = k, binding, mode, understand
        self.instrument, self.jurisdiction, self.kind, self.language = instrument, jurisdiction, kind, language
        self.status, self.force, self.addressee = status, force, addressee

    def filters(self, inventory: Inventory) -> Filters:
        return Filters(
            instrument=checked_values(inventory, "instrument", self.instrument),
            jurisdiction=checked_values(inventory, "jurisdiction", self.jurisdiction),
            kind=checked_values(inventory, "kind", self.kind),
            language=checked_values(inventory, "language", self.language),
            status=checked_tags("status", self.status, PASSAGE_STATUSES),
            binding=self.binding,
            force=checked_tags("force", self.force, FORCES),
            addressee=checked_tags("addressee", self.addressee, ADDRESSEES),
        )


@router.get("/search", responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut}})
def search(
    searcher: SearcherDep,
    inventory: InventoryDep,
    settings: SettingsDep,
    q: Annotated[str, Query(description="a question, a topic or a citation (`Budapest art. 29`)")],
    params: Annotated[SearchParams, Depends()],
) -> SearchOut:
    """Cited passages in rank order; a typed citation puts its provision first (`via: "citation"`).

    A plain `def`: inference is CPU-bound, so FastAPI runs it in the threadpool, off the event loop.
    """
    query = checked_query(q, settings)
    k = checked_k(params.k, settings)
    found = searcher.query(query, k=k, filters=params.filters(inventory), mode=params.mode,
                           understand=params.understand)
    return SearchOut(query=query, understood=UnderstoodOut.of(found.understood), notice=found.notice,
                     cited=found.cited, cited_level=found.cited_level, set_aside=list(found.set_aside),
                     results=capped([ResultOut.of(h, inventory.get(h.passage.instrument_id)) for h in found.hits],
                                    settings.max_response_chars))
