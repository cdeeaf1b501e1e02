"""Response models: pydantic lives here, at the edge; everything inside speaks corpus.model dataclasses."""

from __future__ import annotations

import datetime
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from cyberlex.corpus.model import PROVISION_STATUSES, Instrument, Passage, ProvisionStatus
from cyberlex.index.compare import Counterpart
from cyberlex.index.contents import Contents, Entry
from cyberlex.index.legal import LegalIndex, Related, TermUse
from cyberlex.index.provisions import ProvisionView
from cyberlex.index.search import Hit
from cyberlex.index.understand import Understanding
from cyberlex.ingest.definitions import Definition
from cyberlex.ingest.deontic import ADDRESSEES, FORCES
from cyberlex.ingest.references import Reference


class ErrorOut(BaseModel):
    detail: str


class InstrumentOut(BaseModel):
    """What a result shows about its instrument."""

    id: str
    title: str
    short_title: str
    kind: str
    jurisdiction: str
    status: str = Field(description="the instrument's status; `amended` when the text held predates amendments")
    binding: bool
    language: str
    official_url: str
    text_as_of: str = Field(description="the date of the text held (YYYY, YYYY-MM or YYYY-MM-DD); \"\" when unknown")

    @classmethod
    def of(cls, instrument: Instrument) -> InstrumentOut:
        return cls(**{name: getattr(instrument, name) for name in cls.model_fields})


class ProvisionStatusOut(BaseModel):
    """What became of a provision since the text held was made, and who says so (catalog.toml)."""

    provision: str = Field(description="the provision id the entry is for: this provision or one it lies within")
    status: Literal[PROVISION_STATUSES]
    partial: bool = Field(description="only part of the provision, or some of its applications, is affected; "
                                      "`note` says which")
    date: datetime.date = Field(description="when it took effect (judgment, amendment in force, date it applies from)")
    source: str = Field(description="the judgment, amending act or provision that says so, cited")
    url: str
    note: str

    @classmethod
    def of(cls, entry: ProvisionStatus | dict) -> ProvisionStatusOut:
        return cls.model_validate(entry, from_attributes=True)


class CatalogEntryOut(InstrumentOut):
    """The whole catalogue entry: what the provision view shows beside the text."""

    citation: str
    unit: str
    adopted: date | None
    aliases: list[str]
    status_note: str
    provision_statuses: list[ProvisionStatusOut] = Field(description="what became of single provisions since")

    @classmethod
    def of(cls, instrument: Instrument) -> CatalogEntryOut:
        fields = {name: getattr(instrument, name) for name in cls.model_fields}
        return cls(**{**fields, "aliases": list(instrument.aliases),
                      "provision_statuses": [ProvisionStatusOut.of(s) for s in instrument.provision_statuses]})


class InstrumentEntry(CatalogEntryOut):
    """A catalogue entry with how much of it is indexed."""

    provisions: int
    passages: int

    @classmethod
    def counted(cls, instrument: Instrument, provisions: int, passages: int) -> InstrumentEntry:
        entry = CatalogEntryOut.of(instrument).model_dump()
        return cls(**entry, provisions=provisions, passages=passages)


class EntryOut(BaseModel):
    """One entry of a table of contents: a division, a group of recitals, a unit or a cited subdivision."""

    kind: Literal["division", "recitals", "unit", "subdivision"]
    title: str = Field(description="a division as printed (`Chapter III — International co-operation`), a unit's "
                                   "label (`Art. 29`), or `Recitals 1–173`")
    heading: str = Field(description="a unit's heading; empty for the rest")
    provision_id: str | None = Field(description="the unit's or subdivision's id; null for a division or recitals")
    passages: int = Field(description="passages indexed under it, every level below included")
    children: list[EntryOut]

    @classmethod
    def of(cls, entry: Entry) -> EntryOut:
        return cls(kind=entry.kind, title=entry.title, heading=entry.heading, provision_id=entry.provision_id or None,
                   passages=entry.passages, children=[cls.of(c) for c in entry.children])


class ContentsOut(BaseModel):
    instrument_id: str
    instrument: CatalogEntryOut
    provisions: int = Field(description="units (articles, sections, recitals, ...) listed")
    passages: int = Field(description="passages indexed; the entries' counts add up to it")
    entries: list[EntryOut] = Field(description="the hierarchy in text order, outermost divisions first")

    @classmethod
    def of(cls, contents: Contents, instrument: Instrument) -> ContentsOut:
        return cls(instrument_id=contents.instrument_id, instrument=CatalogEntryOut.of(instrument),
                   provisions=contents.provisions, passages=contents.passages,
                   entries=[EntryOut.of(e) for e in contents.entries])


class ResultOut(BaseModel):
    provision_id: str = Field(description="the most specific provision the passage covers: `.../art-29/3`")
    citation: str = Field(description="pinpoint citation: `Convention on Cybercrime (ETS No. 185), art. 29(3)`")
    label: str = Field(description="as printed: `Art. 29(3)`")
    heading: str
    instrument_id: str
    instrument: InstrumentOut
    status: str = Field(description="the provision's own status (`status_entry`), else its instrument's")
    status_entry: ProvisionStatusOut | None = Field(description="the catalogue's entry for the provision, or for "
                                                    "one it lies within; null when the instrument's status is its own")
    path: list[str] = Field(description="enclosing divisions, outermost first")
    text: str = Field(description="the passage, verbatim")
    score: float = Field(description="rank score; a typed citation scores 1.0")
    via: Literal["citation", "hybrid", "dense", "sparse"] = Field(description="what found it")
    page: int | None = Field(description="page of the source PDF, when the source is one")
    force: list[str] = Field(description="deontic force of the passage: obligation, prohibition, permission, ...")
    addressees: list[str] = Field(description="whom the passage binds or empowers: states, providers, ...")
    weak: bool = Field(False, description="found by meaning alone, and only faintly: shares no word with the query")
    truncated: bool = Field(False, description="the text was cut, ending in …, to keep the response within "
                                               "Settings.max_response_chars; GET /provisions/{provision_id} has it")

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
            status=str(p.metadata.get("status") or instrument.status),
            status_entry=ProvisionStatusOut.of(p.metadata["status_entry"]) if p.metadata.get("status_entry") else None,
            path=list(p.path),
            text=p.text,
            score=hit.score,
            via=hit.via,
            page=p.page,
            force=list(p.metadata.get("force", [])),
            addressees=list(p.metadata.get("addressees", [])),
            weak=hit.weak,
        )


class UnderstoodOut(BaseModel):
    """What the question was read to name and ask; `understand=false` turns the reading off."""

    instruments: list[str] = Field(description="ids of the instruments the question names (boosted first)")
    jurisdictions: list[str] = Field(description="places it names, as catalogue jurisdictions (a soft boost)")
    intent: Literal["citation", "definition", "scoped", "open"]
    term: str = Field(description="the term a definitional question asks about")
    language: str = Field(description="the script the question is typed in: en, ar, ja, th")
    mentions: list[str] = Field(description="the words it was read from, as typed")
    asks: list[Literal["prohibition", "permission", "procedural", "scope", "purpose"]] = Field(
        description="the kinds of rule it asks for, favoured: an offence (\"is it a crime?\"), a power or right (\"can "
        "the police...?\"), a final clause (\"when does it apply?\"; else final clauses weigh less), the provisions "
        "that set an instrument's scope (\"does the GDPR apply to us?\") or its subject matter (\"what is NIS2 "
        "about?\")")

    @classmethod
    def of(cls, understood: Understanding) -> UnderstoodOut:
        return cls(**{name: getattr(understood, name) for name in cls.model_fields})


class SearchOut(BaseModel):
    query: str
    understood: UnderstoodOut
    notice: str = Field("", description="what a typed citation found of what it asked (\"GDPR has no Art. 100\"), "
                        "why there are no results, or that some match only weakly")
    cited: str = Field("", description="the provision id a typed citation asks for, found or not")
    cited_level: str = Field("", description="the provision id found for it: `cited` itself, or the deepest level "
                             "above it that the text has (the first result; `notice` says what it lacks); \"\" if none")
    set_aside: list[str] = Field([], description="filters (by parameter name) a typed citation ignored to open the "
                                 "instrument it names")
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
    status: str = Field(description="the provision's own status (`status_entry`), else its instrument's")
    status_entry: ProvisionStatusOut | None = Field(description="the catalogue's entry for the provision, or for "
                                                    "one it lies within; null when the instrument's status is its own")
    statuses_within: list[ProvisionStatusOut] = Field(description="entries for parts of it (s. 4(c)(3) within s. 4)")
    label: str
    heading: str
    path: list[str]
    citation: str
    text: str
    previous_id: str | None
    next_id: str | None
    passages: list[PassageOut]
    force: list[str] = Field(description="deontic force of its passages, together")
    addressees: list[str] = Field(description="whom its passages bind or empower, together")
    definitions: list[TermUseOut] | None = Field(
        description="terms its instrument defines, where they occur in `text`; null without the legal index"
    )
    references: ReferencesOut | None = Field(description="cross-references; null without the legal index")

    @classmethod
    def of(cls, view: ProvisionView, instrument: Instrument, legal: LegalIndex | None = None) -> ProvisionOut:
        entry = instrument.status_of(view.provision_id)
        return cls(
            provision_id=view.provision_id,
            unit_id=view.unit_id,
            instrument_id=view.instrument_id,
            instrument=CatalogEntryOut.of(instrument),
            status=entry.status if entry else instrument.status,
            status_entry=entry and ProvisionStatusOut.of(entry),
            statuses_within=[ProvisionStatusOut.of(s) for s in instrument.statuses_within(view.provision_id)],
            label=view.label,
            heading=view.heading,
            path=list(view.path),
            citation=view.citation,
            text=view.text,
            previous_id=view.previous_id,
            next_id=view.next_id,
            passages=[PassageOut.of(p) for p in view.passages],
            force=_tags(view.passages, "force", FORCES),
            addressees=_tags(view.passages, "addressees", ADDRESSEES),
            definitions=None if legal is None else [
                TermUseOut.of(use) for use in legal.terms_in(view.instrument_id, view.text, view.provision_id)
            ],
            references=None if legal is None else ReferencesOut(
                outgoing=[ReferenceOut.of(r) for r in legal.outgoing(view.provision_id, view.text)],
                incoming=[ReferenceOut.of(r) for r in legal.incoming(view.provision_id)],
            ),
        )


class CitedProvisionOut(ProvisionOut):
    """What a citation look-up answers: the provision found, and how it stands to the one cited."""

    cited: str = Field(description="the provision id the citation asks for")
    notice: str = Field(description="\"\" when `provision_id` is `cited`; else what the text lacks of it: the "
                        "provision given is the deepest level of the citation the text has")


class HealthOut(BaseModel):
    status: Literal["ok"]
    store: Literal["edge", "server"]
    passages: int = Field(description="passages in the index")
    model: str = Field(description="the embedding model")


class DocumentOut(BaseModel):
    """What an upload indexed, and how the index changed (a re-upload of an id writes only what changed)."""

    instrument_id: str
    provisions: int
    passages: int
    added: int
    updated: int
    unchanged: int
    removed: int


# ---- the legal index: tags, definitions, references, related provisions -----------------------------

def _tags(passages: tuple[Passage, ...], field: str, order: tuple[str, ...]) -> list[str]:
    """The tags of several passages together, in their canonical order."""
    held = {v for p in passages for v in p.metadata.get(field, [])}
    return [v for v in order if v in held]


class TermUseOut(BaseModel):
    term: str = Field(description="the defined term, as its definition prints it")
    start: int = Field(description="offset in the provision's `text`")
    end: int
    definitions: list[str] = Field(description="provision ids of the instrument's definitions of the term")

    @classmethod
    def of(cls, use: TermUse) -> TermUseOut:
        return cls(term=use.term, start=use.start, end=use.end, definitions=list(use.definitions))


class ReferenceOut(BaseModel):
    source: str = Field(description="the unit whose text makes the reference")
    target: str = Field(description="a provision id, an instrument id (a whole instrument), or the best guess")
    kind: Literal["provision", "instrument", "unknown"] = Field(
        description="what `target` names; `unknown` when the reference names an instrument outside the catalogue"
    )
    text: str = Field(description="the reference as printed: `Articles 16 to 21`")
    start: int = Field(description="offset in the source's text (in the provision's `text` for outgoing ones)")
    end: int
    resolved: bool = Field(description="whether `target` is in the corpus; links only when true")

    @classmethod
    def of(cls, ref: Reference) -> ReferenceOut:
        kind = "unknown" if not ref.target else "provision" if "/" in ref.target else "instrument"
        return cls(source=ref.source, target=ref.target, kind=kind, text=ref.text, start=ref.start, end=ref.end,
                   resolved=ref.resolved)


class ReferencesOut(BaseModel):
    outgoing: list[ReferenceOut] = Field(description="references in this provision's text")
    incoming: list[ReferenceOut] = Field(description="references to it (or under it) from other provisions")


class RelatedOut(BaseModel):
    provision_id: str = Field(description="a unit of another instrument")
    instrument_id: str
    instrument: InstrumentOut
    label: str
    heading: str
    citation: str
    score: float = Field(description="similarity: dense and lexical z-scores added; higher is closer")
    force: list[str]
    addressees: list[str]

    @classmethod
    def of(cls, related: Related, instrument: Instrument) -> RelatedOut:
        u = related.unit
        return cls(provision_id=u.id, instrument_id=u.instrument_id, instrument=InstrumentOut.of(instrument),
                   label=u.label, heading=u.heading, citation=u.citation, score=related.score, force=list(u.force),
                   addressees=list(u.addressees))


class RelatedListOut(BaseModel):
    provision_id: str
    unit_id: str = Field(description="related provisions are computed per unit")
    related: list[RelatedOut]


class DefinitionOut(BaseModel):
    term: str
    provision_id: str = Field(description="the most specific id of the definition: `.../art-1/a`")
    instrument_id: str
    instrument: InstrumentOut
    citation: str
    text: str = Field(description="the definition, verbatim")

    @classmethod
    def of(cls, definition: Definition, instrument: Instrument, citation: str) -> DefinitionOut:
        return cls(term=definition.term, provision_id=definition.provision_id, instrument_id=definition.instrument_id,
                   instrument=InstrumentOut.of(instrument), citation=citation, text=definition.text)


class DefinitionsOut(BaseModel):
    term: str
    definitions: list[DefinitionOut]


class CompareRowOut(BaseModel):
    """One instrument's counterpart."""

    instrument_id: str
    instrument: InstrumentOut
    provision_id: str = Field(description="the deepest subdivision holding the key sentence: `.../s-4/a/1`")
    citation: str = Field(description="as printed: `18 U.S.C. § 1030(a)(2)`")
    label: str
    heading: str
    key_sentence: str = Field(description="the sentence of the counterpart that best carries the source's words")
    status: str = Field(description="the status the passage carries (in-force, repealed, ...)")
    force: list[str] = Field(description="deontic force of the key sentence (else of its passage): obligation, ...")
    score: float = Field(description="meaning + heading + words (+ concordance): what chose it; rows in its order")
    similarity: float = Field(description="dense cosine of the counterpart's nearest passage with the source")
    vouched: list[str] = Field(description="what else names it: related (the concordance), reference")
    weak: bool = Field(description="far by meaning and vouched for by nothing: check it before relying on it")

    @classmethod
    def of(cls, row: Counterpart, instrument: Instrument) -> CompareRowOut:
        view, passage = row.provision, row.passage
        return cls(instrument_id=view.instrument_id, instrument=InstrumentOut.of(instrument),
                   provision_id=view.provision_id, citation=view.citation, label=view.label, heading=view.heading,
                   key_sentence=row.key_sentence, status=str(passage.metadata.get("status", instrument.status)),
                   force=list(row.force), score=row.score, similarity=row.similarity, vouched=list(row.vouched),
                   weak=row.weak)


class CompareOut(BaseModel):
    provision_id: str | None = Field(description="the provision compared; null for a question")
    citation: str | None
    heading: str | None
    query: str = Field(description="what was compared: the provision's heading and text, or the question")
    rows: list[CompareRowOut] = Field(description="one per other instrument, best first, weak ones last")
