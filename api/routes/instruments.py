"""The instruments: catalogue entries (and a user's own indexed texts) with what the index holds of each."""

from __future__ import annotations

from fastapi import APIRouter

from cyberlex.api.deps import InventoryDep
from cyberlex.api.inventory import Inventory
from cyberlex.api.models import ErrorOut, InstrumentEntry
from cyberlex.corpus.model import Instrument

router = APIRouter(tags=["instruments"])


def entry(inventory: Inventory, instrument: Instrument) -> InstrumentEntry:
    return InstrumentEntry.counted(instrument, inventory.provisions[instrument.id], inventory.passages[instrument.id])


@router.get("/instruments", responses={503: {"model": ErrorOut}})
def instruments(inventory: InventoryDep) -> list[InstrumentEntry]:
    return [entry(inventory, i) for i in inventory.instruments.values()]


@router.get("/instruments/{instrument_id}", responses={404: {"model": ErrorOut}, 503: {"model": ErrorOut}})
def instrument(instrument_id: str, inventory: InventoryDep) -> InstrumentEntry:
    return entry(inventory, inventory.get(instrument_id))
