"""cyberlex's search as a Haystack retriever, for RAG pipelines and agents.

It sits at the package root, beside the command, rather than in index/: it is a client of both the embedded index
(a Searcher) and the HTTP API (``GET /search`` of a running server), and gives the same Documents from either,
built from the API's result shape.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import httpx
from haystack import Document, component

from cyberlex.api.errors import STATUS
from cyberlex.api.inventory import instrument_from_facts
from cyberlex.api.models import ResultOut
from cyberlex.corpus.errors import CyberlexError, InvalidInput, StoreUnavailable
from cyberlex.index.search import MODES, Filters, Searcher

FILTERS = tuple(f.name for f in fields(Filters))  # as the API's parameters: instrument, jurisdiction, ..., addressee


@component
class CyberlexRetriever:
    """Cited passages as Documents, best first, one per provision: ``content`` is the passage verbatim, ``score``
    its rank score, and ``meta`` holds its ``citation``, ``provision_id``, ``label``, ``heading``, ``path``,
    ``force``, ``addressees``, its own ``status`` (the provision's, with ``status_entry``, else its instrument's) and
    its instrument's facts (``instrument_id``, ``title``, ``instrument_status``, ``text_as_of``, ``binding``,
    ``jurisdiction``, ...), so that a prompt can quote the text, cite it and say whether it is good law.

    Give it a ``searcher`` to search the embedded index in-process, or the ``url`` of a cyberlex server."""

    def __init__(
        self,
        searcher: Searcher | None = None,
        url: str | None = None,
        top_k: int = 10,
        mode: str = "hybrid",
        timeout: float = 30.0,
    ):
        if (searcher is None) == (url is None):
            raise InvalidInput("give CyberlexRetriever a searcher (the embedded index) or the url of a cyberlex "
                               "server, not both or neither")
        if mode not in MODES:
            raise InvalidInput(f"unknown search mode {mode!r}; valid modes: {', '.join(MODES)}")
        self.searcher = searcher
        self.url = url.rstrip("/") if url else None
        self.top_k = top_k
        self.mode = mode
        self.timeout = timeout
        self._client = httpx.Client(base_url=self.url, timeout=timeout) if self.url else None

    def warm_up(self) -> None:
        if self.searcher is not None:
            self.searcher.warm_up()

    @component.output_types(documents=list[Document])
    def run(
        self, query: str, top_k: int | None = None, filters: dict[str, Any] | None = None
    ) -> dict[str, list[Document]]:
        """``filters`` maps a filter of the API (instrument, jurisdiction, kind, language, status, binding, force,
        addressee) to a value or a list of values, any of which a result may match: ``{"jurisdiction": "EU"}``."""
        k = self.top_k if top_k is None else top_k
        given = filters or {}
        if unknown := sorted(set(given) - set(FILTERS)):
            raise InvalidInput(f"unknown filter {', '.join(map(repr, unknown))}; valid filters: {', '.join(FILTERS)}")
        if self.searcher is not None:
            results = self._embedded(self.searcher, query, k, given)
        else:
            results = self._remote(query, k, given)
        return {"documents": [_document(result) for result in results]}

    def _embedded(self, searcher: Searcher, query: str, k: int, given: dict[str, Any]) -> list[dict[str, Any]]:
        chosen = {name: value if name == "binding" else tuple(_listed(value)) for name, value in given.items()}
        hits = searcher.search(query, k=k, filters=Filters(**chosen), mode=self.mode)
        results = []
        for hit in hits:
            iid = hit.passage.instrument_id
            catalogued = iid in searcher.catalog
            instrument = searcher.catalog.get(iid) if catalogued else instrument_from_facts(iid, hit.passage.metadata)
            results.append(ResultOut.of(hit, instrument).model_dump(mode="json"))
        return results

    def _remote(self, query: str, k: int, given: dict[str, Any]) -> list[dict[str, Any]]:
        params: list[tuple[str, Any]] = [("q", query), ("k", k), ("mode", self.mode)]
        for name, value in given.items():
            params.extend((name, str(v).lower() if isinstance(v, bool) else v) for v in _listed(value))
        try:
            response = self._client.get("/search", params=params)
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"no cyberlex server answers at {self.url}: {exc}") from None
        if response.is_success:
            return response.json()["results"]
        raise _error(response, self.url)


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set) else [value]


def _document(result: dict[str, Any]) -> Document:
    """A search result of the API's shape, its instrument's facts flattened into ``meta`` beside its own (the
    instrument's status as ``instrument_status``: ``status`` is the provision's)."""
    instrument = {name: value for name, value in result["instrument"].items() if name not in ("id", "status")}
    own = {name: value for name, value in result.items() if name not in ("text", "score", "instrument")}
    meta = {**instrument, "instrument_status": result["instrument"]["status"], **own}
    return Document(content=result["text"], score=result["score"], meta=meta)


def _error(response: httpx.Response, url: str | None) -> CyberlexError:
    """The domain error the server's status stands for (api/errors.py, read backwards), with its message."""
    try:
        detail = response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        detail = response.text[:200]
    kind = next((kind for kind, code in STATUS if code == response.status_code), None)
    if kind is None:
        return StoreUnavailable(f"the cyberlex server at {url} answered {response.status_code}: {detail}")
    return kind(detail)
