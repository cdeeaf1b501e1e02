"""The MCP server: cyberlex's read-only tools for agents, over stdio (``cyberlex mcp``) and streamable HTTP (``/mcp``
of ``cyberlex serve``).

The tools are the API's routes called in-process, with the app's own Searcher, catalogue and caches (read through
the dependencies the routes use), so an agent gets what the page and the API get. Domain errors become tool errors
here, once, as they become HTTP errors in api/errors.py.

No ``from __future__ import annotations``: the tools' parameter limits are read from the settings when the server
is built, so their annotations must be evaluated there and then.
"""

import functools
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from pydantic import Field
from starlette.requests import Request

from cyberlex.api.deps import get_catalog, get_inventory, get_searcher
from cyberlex.api.inventory import Inventory
from cyberlex.api.models import (
    CitedProvisionOut,
    DefinitionsOut,
    InstrumentEntry,
    ProvisionOut,
    RelatedListOut,
    RelatedOut,
    SearchOut,
)
from cyberlex.api.routes import instruments as instruments_route
from cyberlex.api.routes import legal as legal_route
from cyberlex.api.routes import provisions as provisions_route
from cyberlex.api.routes import search as search_route
from cyberlex.api.routes.vocabularies import vocabularies_of
from cyberlex.corpus.errors import CyberlexError, InvalidInput
from cyberlex.index.legal import RELATED_K

PATH = "/mcp"

INSTRUCTIONS = (
    "cyberlex searches cyber-law texts (treaties, EU regulations and directives, the US Code, national laws) and "
    "returns their provisions verbatim with pinpoint citations. It never writes prose, and neither should you on "
    "its behalf: quote only text a cyberlex tool returned, word for word, and cite it by the `citation` returned "
    "with it. Do not cite a provision no tool returned, and say when no tool found one. Check each instrument's "
    "`status` (in force, not yet in force, amended, repealed) and `binding` before relying on it, and each "
    "provision's own `status` (struck down, suspended, repealed, amended, not yet applicable), with its source."
)
QUOTE = "Quote only the returned `text`, verbatim, and cite it by its `citation`."
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
# Not pinned to loopback hosts, so `cyberlex serve --host` serves /mcp too: the tools read what GET /search
# already gives whoever reaches the port, and a JSON POST from another site's page needs CORS, which the app
# grants only to CYBERLEX_CORS_ORIGINS.
OPEN_HOSTS = TransportSecuritySettings(enable_dns_rebinding_protection=False)


class RelatedTextOut(RelatedOut):
    text: str = Field(description="the related provision, verbatim")


class RelatedTextsOut(RelatedListOut):
    related: list[RelatedTextOut]


def _tool_errors(tool: Callable[..., Any]) -> Callable[..., Any]:
    """A domain error (bad value, no such provision, index unavailable) reaches the agent as a tool error with
    its message; anything else is a crash the SDK reports without details."""

    @functools.wraps(tool)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return tool(*args, **kwargs)
        except CyberlexError as exc:
            raise ToolError(str(exc)) from exc

    return run


def create_mcp(app: FastAPI) -> MCPServer:
    """The tools over the app's state: its settings, catalogue, Searcher, inventory and legal index."""
    settings = app.state.settings
    request = Request({"type": "http", "app": app})  # what the routes' dependencies read the app's state from
    words = vocabularies_of(app.state.catalog)
    server = MCPServer("cyberlex", instructions=INSTRUCTIONS, version=app.version, log_level="WARNING")

    def tool(fn: Callable[..., Any], cites: bool = True) -> Callable[..., Any]:
        described = " ".join((fn.__doc__ or "").split()) + (f" {QUOTE}" if cites else "")
        server.add_tool(_tool_errors(fn), description=described, annotations=READ_ONLY)
        return fn

    def inventory() -> Inventory:
        searcher = get_searcher(request)
        return get_inventory(request, searcher, get_catalog(request))

    def provision_out(provision_id: str) -> ProvisionOut:
        searcher = get_searcher(request)
        return provisions_route.provision(
            provision_id, searcher, inventory(), legal_route.optional_legal_index(request)
        )

    def any_of(what: str, values: list[str] | None = None) -> Any:
        listed = f": {', '.join(values)}" if values else ""
        return Annotated[list[str], Field(description=f"{what}; a result matches any of them{listed}")]

    @tool
    def search(
        query: Annotated[str, Field(min_length=1, max_length=settings.max_query_chars, description=(
            "a question in plain words, a topic, or a citation (`GDPR Art. 32`, `Budapest Convention art. 29`)"))],
        k: Annotated[int, Field(ge=1, le=settings.max_k, description="how many provisions")] = 10,
        instrument: any_of("instrument ids (see list_instruments)") = [],
        jurisdiction: any_of("jurisdictions", words.jurisdictions) = [],
        kind: any_of("kinds of instrument", words.kinds) = [],
        language: any_of("languages (ISO 639-1)", words.languages) = [],
        status: any_of("statuses: a provision's own (struck down, suspended...), else its instrument's",
                       words.statuses) = [],
        binding: Annotated[bool | None, Field(description="only binding (true) or non-binding (false) texts")] = None,
        force: any_of("deontic forces of the passage", words.forces) = [],
        addressee: any_of("whom the passage binds or empowers", words.addressees) = [],
    ) -> SearchOut:
        """Find the provisions of cyber-law texts that answer a question or match a topic, best first, one per
        provision; a citation in the query puts the cited provision first (`via: "citation"`). Each result has the
        `provision_id`, the pinpoint `citation`, `label`, `heading`, the passage `text` verbatim (often part of a
        longer provision: get_provision gives it whole), its own `status` (with `status_entry`: what a court or an
        amendment did to it, and the source), its instrument (`title`, `jurisdiction`, `status`, `binding`,
        `text_as_of`) and its deontic `force` and `addressees`."""
        searcher = get_searcher(request)
        params = search_route.SearchParams(k=k, instrument=instrument, jurisdiction=jurisdiction, kind=kind,
                                           language=language, status=status, binding=binding, force=force,
                                           addressee=addressee)
        return search_route.search(searcher, inventory(), settings, q=query, params=params)

    @tool
    def get_provision(
        provision_id: Annotated[str, Field(min_length=1, description=(
            "a provision id from another tool: a unit (`budapest-convention/art-29`) or a paragraph of one "
            "(`budapest-convention/art-29/3`)"))],
    ) -> ProvisionOut:
        """A provision in full: its `text` verbatim, `citation`, `label` and `heading`, the divisions it sits in
        (`path`), the ids of the previous and next provisions, the defined terms used in it with the ids of their
        definitions, the cross-references it makes and receives, its own `status` (`status_entry` with its source,
        `statuses_within` for parts of it) and its instrument's catalogue entry (`status`, `status_note`,
        `text_as_of`, `binding`, `official_url`)."""
        return provision_out(provision_id)

    @tool
    def lookup_citation(
        citation: Annotated[str, Field(min_length=1, max_length=settings.max_query_chars, description=(
            "a citation as a lawyer writes it: `Art. 29(3) Budapest Convention`, `GDPR Art. 32`, "
            "`18 U.S.C. § 1030(e)(8)`"))],
    ) -> CitedProvisionOut:
        """The provision a citation names, in full as get_provision gives it, with `cited` (the id asked for) and
        `notice`: a pinpoint deeper than the text gives the deepest level of it the text has, and `notice` says what
        that lacks ("" when found exactly). An error says when the instrument named has no such unit (and which it
        has nearest), or when the text names no catalogued instrument and unit."""
        found = get_searcher(request).cited(citation)
        if found is None:
            raise InvalidInput(
                f"{citation!r} is not a citation of a catalogued instrument; write an instrument and a unit, such as "
                "'GDPR Art. 32', 'Budapest Convention art. 29(3)' or '18 U.S.C. § 1030(a)(2)' (list_instruments "
                "names them)"
            )
        cited, view, notice = found
        return CitedProvisionOut(**provision_out(view.provision_id).model_dump(), cited=cited, notice=notice)

    @tool
    def definitions(
        term: Annotated[str, Field(min_length=1, max_length=legal_route.MAX_TERM_CHARS, description=(
            "a defined term: `computer system`, `personal data`; case, plurals and hyphens do not matter"))],
    ) -> DefinitionsOut:
        """Every instrument's definition of a term, in catalogue order: the definition's `text` verbatim, its
        `citation` and `provision_id`, and its instrument (`status`, `binding`). None found is an empty list."""
        return legal_route.definitions(legal_route.legal_index(request), inventory(), term)

    @tool
    def related(
        provision_id: Annotated[str, Field(min_length=1, description="a provision id from another tool")],
        k: Annotated[int, Field(ge=1, le=RELATED_K, description="how many")] = 5,
    ) -> RelatedTextsOut:
        """The provisions of other instruments most like this one (by text, headings and terms, computed at
        ingest), best first: each with its `text` verbatim, `citation`, `score` and instrument (`status`,
        `binding`). Recitals, preambles and annexes have none."""
        found = legal_route.related(provision_id, legal_route.legal_index(request), inventory(), k)
        searcher = get_searcher(request)
        texts = [RelatedTextOut(**r.model_dump(), text=searcher.provision(r.provision_id).text) for r in found.related]
        return RelatedTextsOut(provision_id=found.provision_id, unit_id=found.unit_id, related=texts)

    @functools.partial(tool, cites=False)
    def list_instruments() -> list[InstrumentEntry]:
        """Every instrument cyberlex knows, in catalogue order: its `id` (the head of its provision ids and the
        value of the `instrument` filter), `title`, how it is cited, `kind`, `jurisdiction`, `language`, `status`
        and `status_note`, `binding`, adoption date, `official_url`, and how many provisions and passages the
        index holds (0: not indexed)."""
        return instruments_route.instruments(inventory())

    return server


def mount(app: FastAPI) -> MCPServer:
    """Serves the tools at ``/mcp``; the app's lifespan must run ``app.state.mcp.session_manager.run()``."""
    server = app.state.mcp = create_mcp(app)
    http = server.streamable_http_app(
        streamable_http_path=PATH, stateless_http=True, json_response=True, transport_security=OPEN_HOSTS
    )
    app.router.routes.extend(http.routes)
    return server
