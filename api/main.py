"""The FastAPI app: routes, error mapping, the page, and the Searcher's life cycle."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cyberlex.api import errors, mcp
from cyberlex.api.routes import (compare, docs, documents, export, health, instruments, legal, page, provisions,
                                 search, vocabularies)
from cyberlex.corpus.catalog import Catalog, load_catalog
from cyberlex.corpus.errors import DiskFull, ModelMismatch, StoreLocked, StoreUnavailable
from cyberlex.index import integrity
from cyberlex.index.search import Searcher
from cyberlex.settings import Settings

log = logging.getLogger("cyberlex.api")


def create_app(settings: Settings, searcher: Searcher | None = None, catalog: Catalog | None = None) -> FastAPI:
    """An injected Searcher is used as is and left open: its owner closes it. Without one, the app opens
    the store the settings name at start-up, once it has passed the integrity checks (index.integrity), warms
    the model up, and closes both at shutdown. A store that cannot be opened (locked by an ingest, server down,
    damaged) does not stop the app: every route that needs it answers 503 with the reason, so the page can say
    what is wrong (``cyberlex serve`` refuses to start instead)."""
    catalog = catalog if catalog is not None else load_catalog()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with app.state.mcp.session_manager.run(), index_lifespan(app):
            yield

    @asynccontextmanager
    async def index_lifespan(app: FastAPI) -> AsyncIterator[None]:
        if searcher is not None:
            yield
            return
        try:
            store = integrity.open_verified(settings)
        except (StoreUnavailable, StoreLocked, DiskFull) as exc:
            log.error("the index could not be opened: %s", exc)
            app.state.unavailable = str(exc)
            yield
            return
        opened = Searcher(settings, store=store, catalog=catalog)
        try:
            try:
                opened.warm_up()
            except ModelMismatch as exc:  # every search would be wrong: the routes say why instead
                log.error("the index cannot be searched: %s", exc)
                app.state.unavailable = str(exc)
            else:
                app.state.searcher = opened
            yield
        finally:
            app.state.searcher = None
            opened.close()
            integrity.close_store(settings, store, app.state.wrote)

    app = FastAPI(
        title="cyberlex",
        summary="Cited-passage search over cyber-law texts: provision text with a pinpoint citation, never prose.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by routes.docs, without a CDN
        redoc_url=None,  # ReDoc has no local bundle; /docs documents the same API
    )
    app.state.settings = settings
    app.state.catalog = catalog
    app.state.searcher = searcher
    app.state.unavailable = "the index is not open yet"
    app.state.watch = integrity.Watch(settings)
    app.state.wrote = False  # an upload wrote into the store: closing it records it again
    errors.install(app)
    app.add_middleware(HeadAsGet)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET"])
    # legal before provisions, whose /provisions/{id:path} would take /provisions/{id}/related for an id
    for module in (search, export, legal, compare, provisions, instruments, vocabularies, documents, health, page):
        app.include_router(module.router)
    mcp.mount(app)
    app.include_router(docs.router)
    app.mount("/static", StaticFiles(directory=page.STATIC), name="static")
    app.mount(docs.ASSETS, docs.assets, name="docs-assets")
    return app


class HeadAsGet:
    """HEAD answered as GET without the body: a FastAPI route answers only the methods it declares, and monitors and
    link checkers send HEAD."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
