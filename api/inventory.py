"""The instruments the API can show, and how much of each the index holds.

The catalogue lists the corpus; a user may also have ingested their own text under a new id. Such an
instrument is known only from the facts its passages carry (``Passage.metadata``), so it is rebuilt from
them, with no official URL. Counting reads the whole index, so an inventory is kept per app and taken
again only when the number of stored passages changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.errors import UnknownInstrument
from cyberlex.corpus.model import Instrument
from cyberlex.index.store import Store


def instrument_from_facts(instrument_id: str, facts: dict[str, Any]) -> Instrument:
    title = str(facts.get("title") or instrument_id)
    return Instrument(
        id=instrument_id,
        title=title,
        short_title=str(facts.get("short_title") or title),
        kind=str(facts.get("kind") or ""),
        jurisdiction=str(facts.get("jurisdiction") or ""),
        language=str(facts.get("language") or ""),
        adopted=None,
        binding=bool(facts.get("binding")),
        status=str(facts.get("instrument_status") or facts.get("status") or ""),
        official_url="",
        citation=title,
        unit="",
        text_as_of=str(facts.get("text_as_of") or ""),
    )


@dataclass(frozen=True)
class Inventory:
    instruments: dict[str, Instrument]  # the catalogue's, then indexed ones it does not list
    provisions: Counter[str]
    passages: Counter[str]
    stored: int  # points in the store when taken: a change means the inventory is stale

    @classmethod
    def take(cls, catalog: Catalog, store: Store) -> Inventory:
        instruments = {i.id: i for i in catalog}
        units: set[tuple[str, str]] = set()
        passages: Counter[str] = Counter()
        for _, point in store.scroll(fields=["instrument_id", "unit_id"]):
            passages[point["instrument_id"]] += 1
            units.add((point["instrument_id"], point["unit_id"]))
        for iid in passages.keys() - instruments.keys():
            _, facts = next(iter(store.scroll({"instrument_id": [iid]})))
            instruments[iid] = instrument_from_facts(iid, facts)
        provisions = Counter(iid for iid, _ in units)
        return cls(instruments, provisions, passages, sum(passages.values()))

    def get(self, instrument_id: str) -> Instrument:
        try:
            return self.instruments[instrument_id]
        except KeyError:
            raise UnknownInstrument(instrument_id, tuple(self.instruments)) from None

    def values(self, field: str) -> list[str]:
        """The valid values of a filter: instrument ids, or the distinct values of a catalogue field."""
        if field == "instrument":
            return list(self.instruments)
        return sorted({str(getattr(i, field)) for i in self.instruments.values() if getattr(i, field)})
