"""The instruments: catalogue entries (and a user's own indexed texts) with what the index holds of each."""

from __future__ import annotations

from fastapi import APIRouter

from cyberlex.api.deps import InventoryDep, SearcherDep
from cyberlex.api.inventory import Inventory
from cyberlex.api.models import ContentsOut, ErrorOut, InstrumentEntry
from cyberlex.corpus.model import Instrument
from cyberlex.index.contents import table_of_contents

router = APIRouter(tags=["instruments"])


def entry(inventory: Inventory, instrument: Instrument) -> InstrumentEntry:
    return InstrumentEntry.counted(instrument, inventory.provisions[instrument.id], inventory.passages[instrument.id])


@router.get("/instruments", responses={503: {"model": ErrorOut}})
def instruments(inventory: InventoryDep) -> list[InstrumentEntry]:
    return [entry(inventory, i) for i in inventory.instruments.values()]


@router.get("/instruments/{instrument_id}", responses={404: {"model": ErrorOut}, 503: {"model": ErrorOut}})
def instrument(instrument_id: str, inventory: InventoryDep) -> InstrumentEntry:
    return entry(inventory, inventory.get(instrument_id))


@router.get("/instruments/{instrument_id}/contents", responses={
    404: {"model": ErrorOut, "description": "no such instrument; the message lists the valid ids (GET /instruments)"},
    503: {"model": ErrorOut},
})
def contents(instrument_id: str, searcher: SearcherDep, inventory: InventoryDep) -> ContentsOut:
    """The instrument's table of contents: its parts, chapters, sections and titles as printed, the articles or
    sections in each with their headings and provision ids, recitals grouped, annexes last, in text order, and
    how many passages each entry holds. A catalogued instrument the index does not hold has no entries."""
    instrument = inventory.get(instrument_id)
    return ContentsOut.of(table_of_contents(searcher.store, instrument.id), instrument)
