"""The shared data model: every folder (ingest, index, api, evals) speaks in these types.

Provision ids follow the grammar of ``evals/sets/README.md``:
``INSTRUMENT_ID "/" UNIT ( "/" SUBDIVISION )*`` with UNIT one of ``art-N``, ``s-N``, ``rule-N``,
``recital-N``, ``annex-N``, ``para-N``, ``part-N`` or ``preamble``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

UNIT_PREFIXES = ("art", "s", "rule", "recital", "annex", "para", "part", "preamble")


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


@dataclass(frozen=True)
class Passage:
    """What is indexed and returned: a provision, or a slice of one cut at paragraph boundaries.

    ``provision_id`` is the most specific id that covers the whole passage (``.../art-29/3`` for
    paragraph 3 alone, ``.../art-29`` for the whole article); ``unit_id`` is the provision it belongs to.
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
    metadata: dict = field(default_factory=dict, compare=False)  # instrument facts for filters

    @property
    def key(self) -> str:
        """Stable identity of the passage; the store derives its point id from it."""
        return f"{self.unit_id}#{self.chunk}"


@dataclass(frozen=True)
class Citation:
    """A typed citation parsed from a query: an instrument and a unit path within it."""

    instrument_id: str
    unit: str  # "art-32", "s-2701"
    sub: tuple[str, ...] = ()  # ("2",) for "Article 21(2)"
    text: str = ""  # the span of the query that was parsed

    @property
    def provision_id(self) -> str:
        return "/".join((self.instrument_id, self.unit, *self.sub))
