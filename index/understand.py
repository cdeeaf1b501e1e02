"""Query understanding: what a question names and asks for, read before retrieval so the search can act on it.

Everything comes from data, never from a list of questions: instrument names from the catalogue (titles, short
titles, aliases, official numbers, through the citation parser's own name table), places from ``corpus/places.toml``,
the script of the question, a handful of phrasings that ask what a term means, and the words that ask for a kind
of rule (an offence, a power, a final clause), which the deontic tagger marks on every passage.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from haystack import component

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.citations import instrument_mentions

PLACES = Path(__file__).resolve().parent.parent / "corpus" / "places.toml"
INTENTS = ("citation", "definition", "scoped", "open")

# Phrasings that ask what a term means; group "term" is the term. "What is the penalty..." is not one: after a
# bare "what is/are" only an indefinite article or a quoted term counts.
_DEFINITIONAL = [re.compile(p, re.IGNORECASE) for p in (
    r"\bwhat\s+(?:counts|qualifies|is\s+considered|is\s+regarded)\s+as\s+(?:an?\s+|the\s+)?(?P<term>.+)",
    r"\bwhat\s+(?:constitutes|amounts\s+to)\s+(?:an?\s+|the\s+)?(?P<term>.+)",
    r"\b(?:the\s+)?(?:meaning|definition)s?\s+of\s+(?:an?\s+|the\s+|the\s+term\s+)?(?P<term>.+)",
    r"\bwhat\s+(?:is|are)\s+meant\s+by\s+(?:an?\s+|the\s+)?(?P<term>.+)",
    r"\bwhat\s+does\s+(?:the\s+term\s+|the\s+word\s+)?(?P<term>.+?)\s+mean\b",
    r"\bhow\s+(?:do|does|is|are)\b.*?\bdefin(?:e|es|ed)\s+(?:an?\s+|the\s+)?(?P<term>.+)",
    r"^\s*defin(?:e|ition(?:\s+of)?)\s*:?\s+(?:an?\s+|the\s+)?(?P<term>.+)",
    r"\bwhat\s+(?:is|are)\s+(?:an?\s+|[\"“‘'])(?P<term>.+)",
    r"^\s*what\s+(?:is|are)\s+(?!the\b|it\b|this\b|that\b|there\b)(?P<term>(?:(?!\b(?:of|for|to|on|by|with|from|"
    r"required|needed|allowed|permitted|prohibited|done)\b)[^?])+?)\s*\??\s*$",
    r"\bwho\s+(?:counts|qualifies|is\s+considered)\s+as\s+(?:an?\s+|the\s+)?(?P<term>.+)",
)]
# Where a term stops: a qualifier naming where to look ("under the GDPR", "in NIS2", "for the purposes of"), or a
# second question ("what is a DPIA and when is it required?").
_TERM_END = re.compile(
    r"\s+(?:under|in|according\s+to|for\s+the\s+purposes?\s+of|within|as\s+used\s+in|as\s+defined|within\s+the"
    r"\s+meaning|by|across|when|if|(?:and|or)\s+(?:how|when|where|who|what|why|which|whether|is|are|does|do|can"
    r"|may|must|should|will|it|they))\b.*$|[?.!;:,].*$",
    re.IGNORECASE,
)
# The kinds of rule a question asks for, as the deontic tagger names a passage's force (ingest.deontic.FORCES):
# "is it a crime", "what is the penalty" ask for an offence; "can the police", "may a provider" for a power or a
# right; "when does it apply", "who ratified it" for a final clause; "does it apply to us", "who has to comply"
# for the provisions that set an instrument's scope (no force marks those: index.fusion reads their heading).
# "Must" and "shall" are left out: obligations are two passages in five, so favouring them tells nothing
# (measured: dev2 -0.01).
ASKS = {
    "prohibition": re.compile(
        r"(?i)\b(?:crimes?|criminal\w*|illegal|unlawful|offen[cs]es?|punish\w*|penalt\w*|prohibit\w*|banned"
        r"|forbidden|against\s+the\s+law|jail|prison|imprisonment)\b"),
    "permission": re.compile(
        r"(?i)\b(?:can|could|may|allowed|permitted|entitled|right\s+to|power\s+to|authori[sz]ed?)\b"),
    # "when" alone is not a question about dates ("when is an incident significant?"); "when does it apply" is.
    "procedural": re.compile(
        r"(?i)\b(?:date|dates|commenc\w*|in\s+force|appl(?:y|ies|ied)\s+from|since|effective|ratif\w*"
        r"|signature|signed|signator\w*|accession|accede\w*|join(?:s|ed|ing)?|become\s+(?:a\s+)?part(?:y|ies)"
        r"|denounc\w*|withdraw\w*|repeal\w*|short\s+title|cited\s+as|transpos\w*|amend\w*|reservations?"
        r"|depositary)\b|\bwhen\b[^?]{0,60}?\b(?:appl(?:y|ies|icable)|start\w*|begin\w*|take\s+effect"
        r"|come\s+into|enters?\s+into|kicks?\s+in)\b"),
    "scope": re.compile(
        r"(?i)\bappl(?:y|ies|icable)\s+(?:to|outside|abroad|beyond|in\s+(?!force))|\bwho\s+(?:has|have|must|needs?|is"
        r"|are)\s+(?:required\s+)?to\s+comply\b|\bwho\s+(?:does|do)\b[^?]{0,60}\b(?:cover|apply)\b|\b(?:covered"
        r"|caught)\s+by\b|\bfalls?\s+(?:under|within)\b|\b(?:in|out\s+of|outside)\s+(?:the\s+|its\s+)?scope\b"
        r"|\bscope\s+of\b"),
}
# The headings of the provisions a question about the instrument itself asks for, by ``Understanding.asks``:
# whom, what and where it covers ("Scope", "Material scope", "Territorial scope of offences", "Field of
# application", "Application of Act", "Application"); what it is for ("Subject matter", "Subject-matter and
# objectives", "Purpose", "Objects of the Act", "Object and purpose", "Scope and aim"; not "Civilian objects").
ASKED_HEADINGS = {
    "scope": re.compile(r"(?i)\bscope\b|\bfield\s+of\s+application\b|^\s*application(?:\s+of\s+(?:this\s+)?act)?\s*$"),
    "purpose": re.compile(r"(?i)^\s*(?:subject[\s-]+matter|objects?|objectives?|purposes?|aims?)\b"
                          r"(?:\s+(?:and|of)\b.*)?$|\band\s+(?:aims?|purposes?|objectives?)\s*$"),
}
# A question about a named instrument itself: once its names are taken out, only the asking is left ("what is the
# Budapest Convention?", "what is NIS2 about?", "what is the purpose of the GDPR?", "what does the CRA do?").
_ABOUT_ITSELF = re.compile(r"""(?ix)\W*(?:
    (?:what(?:'s|\s+is|\s+are)|explain|describe|tell\s+me\s+about|(?:an\s+)?overview\s+of|summari[sz]e)
        (?:\s+the)?(?:\s+(?:purpose|aims?|objectives?|goals?|point)\s+of)?(?:\s+the)?(?:\s+(?:all\s+)?about|\s+for)?
  | what\s+(?:does|do|did)(?:\s+the)?\s+(?:do|regulate|aim\s+to\s+(?:do|achieve))
  | why\s+(?:was|were|is)(?:\s+the)?\s+(?:adopted|made|created|passed)
)\W*""")
_SCRIPTS = (("ar", re.compile(r"[\u0600-\u06ff]")), ("ja", re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")),
            ("th", re.compile(r"[\u0e00-\u0e7f]")))


@dataclass(frozen=True)
class Understanding:
    """What a question was read to be about; returned with the results so a user can see (and undo) it."""

    instruments: tuple[str, ...] = ()  # instruments the question names
    jurisdictions: tuple[str, ...] = ()  # places it names (a soft boost)
    intent: str = "open"  # citation | definition | scoped | open
    term: str = ""  # the term a definitional question asks about
    language: str = "en"  # the script it is typed in: en (Latin), ar, ja, th
    mentions: tuple[str, ...] = ()  # the words it was read from, as typed
    asks: tuple[str, ...] = ()  # the kinds of rule it asks for: prohibition, permission, procedural (forces); scope,
    # purpose (provisions about the instrument itself)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def understand(text: str, catalog: Catalog) -> Understanding:
    named, mentioned = _instruments(text, catalog)
    places, place_words = _places(text, catalog)
    about_itself = bool(named) and _ABOUT_ITSELF.fullmatch(_without(text, mentioned)) is not None
    term = "" if about_itself else definitional_term(text, mentioned + place_words)  # "what is NIS2 about?"
    intent = "definition" if term else "scoped" if named else "open"
    language = next((code for code, script in _SCRIPTS if script.search(text)), "en")
    asks = tuple(force for force, words in ASKS.items() if words.search(text)) + ("purpose",) * about_itself
    return Understanding(named, places, intent, term, language, tuple(dict.fromkeys(mentioned + place_words)), asks)


def definitional_term(text: str, mentions: list[str] = ()) -> str:
    """The term a question asks the meaning of ("what counts as a computer system under Budapest?" → "computer
    system"), or "" when it does not ask one. Names of instruments and places are not part of a term."""
    for pattern in _DEFINITIONAL:
        if match := pattern.search(text):
            term = _TERM_END.sub("", match.group("term"))
            term = " ".join(_without(term, mentions).strip(" \"'“”‘’").split())
            if 0 < len(term.split()) <= 6:
                return term
    return ""


def _without(text: str, mentions: Sequence[str]) -> str:
    """The text with the names of instruments and places taken out."""
    for mention in mentions:
        text = re.sub(rf"(?:\bthe\s+)?{re.escape(mention)}(?:'s)?", " ", text, flags=re.IGNORECASE)
    return text


def _instruments(text: str, catalog: Catalog) -> tuple[tuple[str, ...], list[str]]:
    """Instruments named outright; a jurisdiction's name ("Japan") is a place, read by ``_places``."""
    jurisdictions = {inst.jurisdiction.casefold() for inst in catalog}
    ids: list[str] = []
    words: list[str] = []
    for name, owners in instrument_mentions(text, catalog):
        if " ".join(name.casefold().split()) in jurisdictions:
            continue
        ids.extend(owners)
        words.append(name)
    return tuple(dict.fromkeys(ids)), words


def _places(text: str, catalog: Catalog) -> tuple[tuple[str, ...], list[str]]:
    found: list[str] = []
    words: list[str] = []
    held = {inst.jurisdiction for inst in catalog}
    for jurisdiction, pattern in _place_patterns():
        if jurisdiction in held and (match := pattern.search(text)):
            found.append(jurisdiction)
            words.append(match.group())
    return tuple(found), words


@lru_cache(maxsize=1)
def _place_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    table = tomllib.loads(PLACES.read_text(encoding="utf-8"))["jurisdiction"]
    return tuple((name, re.compile("|".join(_place_regex(n) for n in sorted(entry["names"], key=len, reverse=True))))
                 for name, entry in table.items())


def _place_regex(name: str) -> str:
    """Whole words; a short all-capitals name ("US", "EU") only in capitals, any other in any case."""
    body = r"\s+".join(map(re.escape, name.split()))
    edge = r"(?<![\w.])" if name[0].isascii() else ""
    tail = r"(?!\w)" if name[-1].isascii() else ""
    whole = edge + body + tail
    return f"(?:{whole})" if len(name.replace(".", "")) <= 3 and name.isupper() else f"(?i:{whole})"


@component
class QueryUnderstanding:
    """The question read before retrieval (see ``understand``); ``enabled=False`` passes it on unread."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    @component.output_types(understanding=Understanding, place_words=list[str])
    def run(self, text: str, enabled: bool = True) -> dict[str, Any]:
        """Also ``place_words``, the words that named the place searched within (no instrument named: then all the
        mentions are places'), for the lexical vector of that search."""
        understood = understand(text, self.catalog) if enabled else Understanding()
        place_words = list(understood.mentions) if understood.jurisdictions and not understood.instruments else []
        return {"understanding": understood, "place_words": place_words}
