"""Response models: pydantic lives here, at the edge; everything inside speaks corpus.model dataclasses."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from corpus.model import Instrument, Passage
from index.search import Hit, ProvisionView


class ErrorOut(BaseModel):
    detail: str


class InstrumentOut(BaseModel):
    """What a result shows about its instrument."""

    id: str
    title: str
    short_title: str
    kind: str
    jurisdiction: str
    status: str
    binding: bool
    language: str
    official_url: str

    @classmethod
    def of(cls, instrument: Instrument) -> InstrumentOut:
        return cls(**{name: getattr(instrument, name) for name in cls.model_fields})


class CatalogEntryOut(InstrumentOut):
    """The whole catalogue entry: what the provision view shows beside the text."""

    citation: str
    unit: str
    adopted: date | None
    aliases: list[str]
    status_note: str

    @classmethod
    def of(cls, instrument: Instrument) -> CatalogEntryOut:
        fields = {name: getattr(instrument, name) for name in cls.model_fields}
        return cls(**{**fields, "aliases": list(instrument.aliases)})


class InstrumentEntry(CatalogEntryOut):
    """A catalogue entry with how much of it is indexed."""

    provisions: int
    passages: int

    @classmethod
    def counted(cls, instrument: Instrument, provisions: int, passages: int) -> InstrumentEntry:
        entry = CatalogEntryOut.of(instrument).model_dump()
        return cls(**entry, provisions=provisions, passages=passages)


class ResultOut(BaseModel):
    provision_id: str = Field(description="the most specific provision the passage covers: `.../art-29/3`")
    citation: str = Field(description="pinpoint citation: `Convention on Cybercrime (ETS No. 185), art. 29(3)`")
    label: str = Field(description="as printed: `Art. 29(3)`")
    heading: str
    instrument_id: str
    instrument: InstrumentOut
    path: list[str] = Field(description="enclosing divisions, outermost first")
    text: str = Field(description="the passage, verbatim")
    score: float = Field(description="rank score; a typed citation scores 1.0")
    via: Literal["citation", "hybrid", "dense", "sparse"] = Field(description="what found it")
    page: int | None = Field(description="page of the source PDF, when the source is one")

    @classmethod
    def of(cls, hit: Hit, instrument: Instrument) -> ResultOut:
        p = hit.passage
        return cls(
            provision_id=p.provision_id,
            citation=p.citation,
            label=p.label,
            heading=p.heading,
            instrument_id=p.instrument_id,
            instrument=InstrumentOut.of(instrument),
            path=list(p.path),
            text=p.text,
            score=hit.score,
            via=hit.via,
            page=p.page,
        )


class SearchOut(BaseModel):
    query: str
    results: list[ResultOut]


class PassageOut(BaseModel):
    provision_id: str
    chunk: int
    label: str
    citation: str
    text: str
    page: int | None

    @classmethod
    def of(cls, passage: Passage) -> PassageOut:
        return cls(**{name: getattr(passage, name) for name in cls.model_fields})


class ProvisionOut(BaseModel):
    provision_id: str
    unit_id: str
    instrument_id: str
    instrument: CatalogEntryOut
    label: str
    heading: str
    path: list[str]
    citation: str
    text: str
    previous_id: str | None
    next_id: str | None
    passages: list[PassageOut]

    @classmethod
    def of(cls, view: ProvisionView, instrument: Instrument) -> ProvisionOut:
        return cls(
            provision_id=view.provision_id,
            unit_id=view.unit_id,
            instrument_id=view.instrument_id,
            instrument=CatalogEntryOut.of(instrument),
            label=view.label,
            heading=view.heading,
            path=list(view.path),
            citation=view.citation,
            text=view.text,
            previous_id=view.previous_id,
            next_id=view.next_id,
            passages=[PassageOut.of(p) for p in view.passages],
        )


class HealthOut(BaseModel):
    status: Literal["ok"]
    store: Literal["edge", "server"]
    passages: int = Field(description="passages in the index")
    model: str = Field(description="the embedding model")
