"""What a route needs, taken from the app's state: one Settings, Catalog and Searcher per app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cyberlex.api.inventory import Inventory
from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.errors import StoreUnavailable
from cyberlex.index.search import Searcher
from cyberlex.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_catalog(request: Request) -> Catalog:
    return request.app.state.catalog


def get_searcher(request: Request) -> Searcher:
    searcher = request.app.state.searcher
    if searcher is None:
        raise StoreUnavailable(request.app.state.unavailable)
    return searcher


SettingsDep = Annotated[Settings, Depends(get_settings)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
SearcherDep = Annotated[Searcher, Depends(get_searcher)]


def get_inventory(request: Request, searcher: SearcherDep, catalog: CatalogDep) -> Inventory:
    """The app's inventory, taken again when the store's size says the index changed."""
    inventory: Inventory | None = getattr(request.app.state, "inventory", None)
    if inventory is None or inventory.stored != searcher.store.count():
        inventory = request.app.state.inventory = Inventory.take(catalog, searcher.store)
    return inventory


InventoryDep = Annotated[Inventory, Depends(get_inventory)]
