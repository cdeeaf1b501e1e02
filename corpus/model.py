"""The shared data model: every folder (ingest, index, api, evals) speaks in these types.

Provision ids follow the grammar of ``evals/sets/README.md``:
``INSTRUMENT_ID "/" UNIT ( "/" SUBDIVISION )*`` with UNIT one of ``art-N``, ``s-N``, ``rule-N``,
``recital-N``, ``annex-N``, ``para-N``, ``part-N`` or ``preamble``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from cyberlex.corpus.errors import InvalidInput

UNIT_PREFIXES = ("art", "s", "rule", "recital", "annex", "para", "part", "preamble")
INSTRUMENT_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
UNIT = re.compile(rf"(?:{'|'.join(p for p in UNIT_PREFIXES if p != 'preamble')})-[0-9a-z.\-]+|preamble")
GRAMMAR = 'INSTRUMENT_ID "/" UNIT ( "/" SUBDIVISION )*, UNIT one of art-N, s-N, rule-N, recital-N, annex-N, ' \
          'para-N, part-N, preamble (e.g. budapest-convention/art-29/3)'


@dataclass(frozen=True)
class ProvisionId:
    """A provision id taken apart once, so no caller splits ids by hand: ``budapest-convention/art-29/3`` is
    instrument ``budapest-convention``, unit ``art-29``, subdivision path ``("3",)``."""

    instrument: str
    unit: str
    sub: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> ProvisionId:
        """Raises InvalidInput naming the id and the grammar when ``text`` does not follow it."""
        instrument, _, rest = text.partition("/")
        unit, _, tail = rest.partition("/")
        sub = tuple(tail.split("/")) if tail else ()
        if problem := _problem(text, instrument, unit, sub):
            raise InvalidInput(f"{text!r} is not a provision id ({problem}); expected {GRAMMAR}")
        return cls(instrument, unit, sub)

    def __str__(self) -> str:
        return "/".join((self.instrument, self.unit, *self.sub))

    @property
    def unit_id(self) -> str:
        """The id of the unit (article, section, ...) the provision lies in."""
        return f"{self.instrument}/{self.unit}"

    @property
    def kind(self) -> str:
        """The unit's prefix: ``art``, ``s``, ``recital``, ``preamble`` ..."""
        return self.unit.split("-", 1)[0]

    @property
    def depth(self) -> int:
        """Levels below the unit: 0 for ``art-29``, 2 for ``art-29/2/b``."""
        return len(self.sub)

    @property
    def parent(self) -> ProvisionId | None:
        """The enclosing subdivision or unit; None for a unit."""
        return ProvisionId(self.instrument, self.unit, self.sub[:-1]) if self.sub else None

    @property
    def ancestors(self) -> tuple[ProvisionId, ...]:
        """The enclosing ids from the unit down to the parent."""
        return tuple(ProvisionId(self.instrument, self.unit, self.sub[:n]) for n in range(len(self.sub)))

    def at_depth(self, depth: int) -> ProvisionId:
        """This id, or its ancestor ``depth`` levels below the unit when it lies deeper."""
        return ProvisionId(self.instrument, self.unit, self.sub[:depth])


def _problem(text: str, instrument: str, unit: str, sub: tuple[str, ...]) -> str:
    """What keeps ``text`` from following the grammar; "" when nothing does."""
    if not instrument or "//" in text or text.endswith("/"):
        return "an empty segment"
    if not unit:
        return "no unit"
    if not INSTRUMENT_ID.fullmatch(instrument):
        return f"instrument id {instrument!r} is not lowercase words joined by hyphens"
    if not UNIT.fullmatch(unit):
        return f"unit {unit!r} is no UNIT"
    if any(re.search(r"\s", s) for s in sub):
        return "a space in a subdivision"
    return ""


def within(provision_id: str, ancestor: str) -> bool:
    """Whether ``provision_id`` is ``ancestor`` or lies under it (``.../art-29/3`` within ``.../art-29``, not
    ``.../art-2`` within ``.../art-29``)."""
    return provision_id == ancestor or provision_id.startswith(ancestor + "/")


PROVISION_STATUSES = ("struck-down", "suspended", "repealed", "amended", "not-yet-applicable")


@dataclass(frozen=True)
class ProvisionStatus:
    """What became of one provision after the text held was made, with the source that says so: a provision within
    it shares its status (``s-12`` struck down strikes down ``s-12/1``); ``partial`` says the source left some of it
    standing, and ``note`` says which part."""

    provision: str  # provision id: a unit (``.../s-12``) or a subdivision (``.../s-4/c/3``)
    status: str  # one of PROVISION_STATUSES
    date: date  # when it took effect: a judgment, an amendment in force, the date it applies from
    source: str  # the judgment, amending act or provision that says so, cited
    url: str = ""
    note: str = ""  # its extent and any caveat
    partial: bool = False  # only part of the provision (or only some of its applications) is affected

    def covers(self, provision_id: str) -> bool:
        """Whether ``provision_id`` is this provision or lies within it."""
        return within(provision_id, self.provision)

    def in_effect(self, on: date) -> bool:
        """A provision not yet applicable applies from its date; every other status stands once recorded."""
        return not (self.status == "not-yet-applicable" and self.date <= on)


@dataclass(frozen=True)
class Instrument:
    """One catalogue entry: the facts of an instrument and how to cite it."""

    id: str
    title: str
    short_title: str
    kind: str  # treaty | protocol | regional-law | national-law | soft-law-manual | un-report | document (a user's file)
    jurisdiction: str
    language: str  # ISO 639-1: en, ar, ja, th
    adopted: date | None
    binding: bool
    status: str  # in-force | not-yet-in-force | amended | repealed | not-applicable
    official_url: str
    citation: str  # how the instrument is cited, e.g. "Directive (EU) 2022/2555" or "18 U.S.C."
    unit: str  # the main division: article | section | rule | paragraph
    file: str = ""  # path relative to the corpus directory ("" for a user's own copy)
    format: str = ""  # markdown | text | html | pdf
    aliases: tuple[str, ...] = ()  # names users type in citations ("Budapest", "NIS2", "CFAA")
    status_note: str = ""
    same_instrument_as: str = ""
    sha256: str = ""  # the shipped text's digest from the manifest; checked before it is parsed ("" for a user's file)
    # Subdivision levels below the unit cited on their own, as a US Code section's subsections are (1:
    # ``s-1030/a``): such a section is always cut at its subsections, and results group by them.
    citable_depth: int = 0
    # The date of the text held, as precisely as its source states it (YYYY, YYYY-MM or YYYY-MM-DD): the date a
    # consolidation is current to, else the date of the snapshot or of adoption; "" for a user's file.
    text_as_of: str = ""
    # Where the instrument's own text ends in its source file, when the website it was saved from appended its page
    # furniture (history, related documents, menus, copyright): ingest cuts the text before this string.
    text_ends: str = ""
    provision_statuses: tuple[ProvisionStatus, ...] = ()  # what became of single provisions since (catalog.toml)

    def status_of(self, provision_id: str, on: date | None = None) -> ProvisionStatus | None:
        """The provision's own status entry: the most specific one it lies within, in effect ``on`` that day (today
        by default); None when the instrument's status is the provision's."""
        day = on or date.today()
        held = [s for s in self.provision_statuses if s.covers(provision_id) and s.in_effect(day)]
        return max(held, key=lambda s: len(s.provision), default=None)

    def statuses_within(self, provision_id: str, on: date | None = None) -> tuple[ProvisionStatus, ...]:
        """Entries for parts of the provision (``s-4/c/3`` within ``s-4``): what its own status does not say."""
        day = on or date.today()
        return tuple(s for s in self.provision_statuses
                     if s.provision.startswith(provision_id + "/") and s.in_effect(day))


@dataclass(frozen=True)
class Block:
    """A run of a provision's text that belongs to one subdivision (paragraph, point, ...).

    ``sub`` is the subdivision path below the unit, e.g. ``("1", "a")`` for paragraph 1, point (a);
    ``()`` for the provision's own lead-in text. Offsets index the instrument's normalised text.
    """

    sub: tuple[str, ...]
    text: str
    start: int
    end: int
    page: int | None = None


@dataclass(frozen=True)
class Provision:
    """A citable unit of an instrument (article, section, rule, recital, annex, preamble)."""

    id: str  # "budapest-convention/art-29"
    instrument_id: str
    unit: str  # "art-29"
    label: str  # as printed: "Art. 29", "s. 14", "§ 1030", "r. 6", "Recital 85"
    heading: str  # "Expedited preservation of stored computer data"
    path: tuple[str, ...]  # enclosing divisions: ("Chapter III — International co-operation", ...)
    blocks: tuple[Block, ...]
    start: int = 0
    end: int = 0
    page: int | None = None

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


class Part(NamedTuple):
    """A subdivision printed inside a passage that holds several (a definition among a section's definitions, a
    paragraph of a short article): where its text lies in the passage, and how it is cited, so a search can
    return that subdivision alone when it is what matched. A tuple, so it is stored in a payload as it is."""

    provision_id: str
    label: str
    citation: str
    text_start: int  # where its text lies in the passage's text
    text_end: int
    start: int  # and in the source, as a passage's offsets are
    end: int
    page: int | None = None


@dataclass(frozen=True)
class Passage:
    """What is indexed and returned: a provision, or a slice of one cut at paragraph boundaries.

    ``provision_id`` is the most specific id that covers the whole passage (``.../art-29/3`` for
    paragraph 3 alone, ``.../art-29`` for the whole article); ``unit_id`` is the provision it belongs to;
    ``group_id`` is the citable unit a result list keeps one passage of: the unit, or for an instrument
    with a ``citable_depth`` the subdivision at that depth (``us-cfaa-18usc1030/s-1030/a``). It defaults
    to ``unit_id``, as in payloads stored before it existed.
    """

    provision_id: str
    unit_id: str
    chunk: int  # order of the passage within its provision
    instrument_id: str
    label: str  # "Art. 29(3)"
    heading: str
    path: tuple[str, ...]
    citation: str  # "Convention on Cybercrime (ETS No. 185), art. 29(3)"
    text: str
    start: int
    end: int
    page: int | None = None
    group_id: str = ""
    parts: tuple[Part, ...] = ()  # the subdivisions below provision_id it holds, when it holds several
    metadata: dict = field(default_factory=dict, compare=False)  # instrument facts for filters

    def __post_init__(self) -> None:
        if not self.group_id:
            object.__setattr__(self, "group_id", self.unit_id)

    @property
    def key(self) -> str:
        """Stable identity of the passage; the store derives its point id from it."""
        return self.key_of(self.unit_id, self.chunk)

    @staticmethod
    def key_of(unit_id: str, chunk: int) -> str:
        return f"{unit_id}#{chunk}"


@dataclass(frozen=True)
class Citation:
    """A typed citation parsed from a query: an instrument and a unit path within it."""

    instrument_id: str
    unit: str  # "art-32", "s-2701"
    sub: tuple[str, ...] = ()  # ("2",) for "Article 21(2)"
    text: str = ""  # the span of the query that was parsed

    @property
    def provision_id(self) -> str:
        return str(ProvisionId(self.instrument_id, self.unit, self.sub))
