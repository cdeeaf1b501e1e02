"""Cross-references inside provisions ("Articles 2 through 11", "point (b) of paragraph 1", "section 1030(a)(5)",
"Article 33 of Regulation (EU) 2016/679"), found in text and resolved to provision or instrument ids.

``find_references`` reads a text alone and returns one ``RawRef`` per target ("Articles 2 to 5" gives four,
all with the span of the whole phrase). ``resolve`` needs the source and the ids actually produced:

- a reference naming a unit ("Article 14(1)") resolves within the instrument it names, or within the
  source's own; US Code sections ("section 2510 of this title", "section 1029") within the source first,
  then within any catalogued instrument of the same title ("18 U.S.C.");
- a reference naming only subdivisions is relative to the source: "paragraph 1" (and "subsection (a)")
  starts from the source's unit, "point (a)" and the statute levels below a subsection ("paragraph (2)",
  "subparagraph (A)", "clause (i)") keep as much of the source's own path as their level needs;
- the most specific id that exists is returned: "Article 14(1)(z)" gives ``.../art-14/1`` when there is
  no point z, but never a unit other than the one named;
- a reference to a whole instrument ("Regulation (EU) 2016/679") returns the instrument id, to be treated
  by callers as an instrument link; an instrument outside the catalogue resolves to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.model import Instrument, Provision, ProvisionId

Item = tuple[str, tuple[str, ...]]  # (unit or paragraph number, subdivisions): "14", ("1",) for "14(1)"
UNIT_KINDS = {"article": "art", "section": "s", "rule": "rule", "annex": "annex", "recital": "recital"}
MAX_RANGE = 200  # a range wider than this ("Articles 1-999") is taken as its two ends


@dataclass(frozen=True)
class RawRef:
    """One target of a reference phrase, as read from the text alone."""

    text: str  # the whole phrase, shared by every target it names
    start: int
    end: int
    kind: str  # a key of UNIT_KINDS; "" when only subdivisions are named; "instrument" for a whole instrument
    number: str = ""  # the unit number as printed, lowercased: "14", "1881a", "342.1", "i"
    sub: tuple[str, ...] = ()  # subdivisions below the unit, or below the kept part of the source's path
    keep: int = 0  # subdivisions-only references: how many levels of the source's own path come first
    instrument: str = ""  # the instrument named ("Regulation (EU) 2016/679", "title 18", "this title"); "" = own


@dataclass(frozen=True)
class Reference:
    source: str  # the provision whose text holds the reference (its unit id)
    target: str  # provision id or instrument id; the best guess when unresolved ("" if no instrument is known)
    text: str
    start: int  # offsets within the source provision's text
    end: int
    resolved: bool


_KEYWORDS = {
    "article": "article", "articles": "article", "art.": "article", "arts.": "article",
    "section": "section", "sections": "section", "§": "section", "§§": "section",
    "rule": "rule", "rules": "rule", "annex": "annex", "annexes": "annex", "recital": "recital", "recitals": "recital",
    "paragraph": "paragraph", "paragraphs": "paragraph", "point": "point", "points": "point",
    "subsection": "subsection", "subsections": "subsection", "sub-section": "subsection", "sub-sections": "subsection",
    "subparagraph": "subparagraph", "subparagraphs": "subparagraph", "sub-paragraph": "subparagraph",
    "sub-paragraphs": "subparagraph", "clause": "clause", "clauses": "clause", "subclause": "subclause",
    "subclauses": "subclause",
}
# Depth of each subdivision kind below its unit: statute style (US, Kenya, Singapore: "subsection (1),
# paragraph (a), subparagraph (i)") and treaty/EU style ("paragraph 1, point (a)").
_LEVEL = {"subsection": 0, "point": 1, "subparagraph": 2, "clause": 3, "subclause": 4}
_STATUTE_PARAGRAPH, _TREATY_PARAGRAPH = 1, 0

_EU_ACT = (r"(?:(?:Council|Commission)\s+)?(?:(?:Implementing|Delegated)\s+)?(?:Framework\s+)?"
           r"(?:Regulation|Directive|Decision)s?\s+(?:\((?:EU|EC|EEC|EU,\s*Euratom)\)\s+)?(?:No\s+)?\d{1,4}/\d{1,4}"
           r"(?:/(?:EC|EU|EEC|JHA|CFSP))?")
_HEAD = re.compile(
    r"(?P<kw>\b(?:[Aa]rticles?|Arts?\.|[Ss]ections?|[Rr]ules?|Annex(?:es)?|[Rr]ecitals?|[Pp]aragraphs?|[Pp]oints?"
    r"|[Ss]ub-?sections?|[Ss]ub-?paragraphs?|[Cc]lauses?|[Ss]ubclauses?)\b|§§?)\s*(?=[\dIVXL(]|[a-z]\b)"
    rf"|(?P<act>\b{_EU_ACT})|(?P<usc>\b\d{{1,2}}\s+U\.\s?S\.\s?C\.)\s*(?:§+\s*)?(?P<usc_section>\d+[a-z]{{0,2}})?"
    r"(?P<usc_subs>(?:\(\w{1,6}\))*)"
)
_ITEM = re.compile(r"(?P<num>\d+[a-z]{0,2}(?:\.\d+)?(?!\w)|[IVXL]+\b|[a-z]\b(?!\.\w))?(?:\.(?P<dot>[a-z])\b\.?)?"
                   r"(?P<subs>(?: ?\(\s*[0-9a-zA-Z]{1,6}\s*\))*)")  # not across a line: "(1)" may open the next block
_SUB = re.compile(r"\(\s*([0-9a-zA-Z]{1,6})\s*\)")
_SEPARATOR = re.compile(r"\s*(?:(?P<range>to|through|-|–)|,?\s*(?:and/or|and|or)|,)\s*")
# "Article 4, paragraph 2" (Council of Europe style); "Article 23(4), first subparagraph, point (a)" (EU style).
_TAIL = re.compile(r"(?:,?\s*paragraph\s+(?P<paragraph>\d+)(?:\.(?P<letter>[a-z])\b)?)?"
                   r"(?:,?\s*(?:first|second|third|fourth|fifth|sixth|last)\s+subparagraph)?"
                   r"(?:,?\s*points?\s+\(?(?P<point>[0-9a-z]{1,4})\)?)?")
_ABBREVIATION = re.compile(r"\s+(?P<name>TFEU|TEU|ECHR|[A-Z]{3,6}(?=[\s,.;)]))")  # "Article 16 TFEU"
_OF = re.compile(r",?\s+of\s+")
_SELF_CONTAINER = re.compile(r"(?:this|that|the\s+present|the\s+same)\s+(?:[Aa]rticle|[Ss]ection|paragraph|subsection"
                             r"|point|subparagraph|[Pp]art|[Cc]hapter|Title|subchapter)\b(?!\s+\d)")
_SELF_INSTRUMENT = re.compile(r"(?:this|the\s+present)\s+(?:Convention|Regulation|Directive|Act|Charter|Protocol|Treaty"
                              r"|Code|Law|Constitution|Agreement|Covenant)\b")
_THIS_TITLE = re.compile(r"this\s+title\b")
_THAT_ACT = re.compile(r"(?:that|the\s+said)\s+(?P<type>Regulation|Directive|Decision)\b")
_TITLE = re.compile(r"title\s+(?P<n>\d{1,2})\b")
_NAMED = re.compile(r"(?:the\s+)?(?:\d{4}\s+)?[A-Z][\w’'-]*(?:\s+(?:(?:of|on|and|the|for|to|in|against|concerning)\s+)*"
                    r"(?:[A-Z][\w’'.-]*|\d{4}))*")
_EU_ACT_RE = re.compile(_EU_ACT)
_JOINED = re.compile(r",?\s+(?:and|or)\s+|,\s*")
_PARENT = re.compile(r"\bProtocol\s+(?:Additional\s+)?to\s+the\s+(?P<name>[^,(]+)")
_GENERIC_NAMES = ("convention", "treaty", "charter", "covenant", "agreement", "conventions")
_EU_NUMBER = re.compile(r"\b(\d{2,4}/\d{1,4})\b")
_USC = re.compile(r"\b(\d{1,2})\s+U\.\s?S\.\s?C\.")


def find_references(text: str) -> list[RawRef]:
    """Every reference in ``text``, one per target, in text order."""
    refs: list[RawRef] = []
    last_act: dict[str, str] = {}  # "Regulation" -> the last one named, for "of that Regulation"
    position = 0
    while m := _HEAD.search(text, position):
        if m.group("act"):
            name = " ".join(m.group("act").split())
            last_act[_act_type(name)] = name
            refs.append(RawRef(name, m.start(), m.end(), "instrument", instrument=name))
            position = m.end()
        elif m.group("usc"):
            title = _USC.match(m.group("usc")).group(1)
            number = (m.group("usc_section") or "").lower()
            subs = tuple(x.lower() for x in _SUB.findall(m.group("usc_subs")))
            refs.append(RawRef(m.group(), m.start(), m.end(), "section" if number else "instrument", number, subs,
                               instrument=f"title {title}"))
            position = m.end()
        else:
            parsed = _phrase(text, m, last_act)
            refs += _share_instrument(text, refs, parsed)
            position = parsed[0].end if parsed else m.end()
    return refs


def _share_instrument(text: str, refs: list[RawRef], parsed: list[RawRef]) -> list[RawRef]:
    """"Articles 14 to 21 and Articles 23 to 35 of the Convention": the first list is in that instrument too."""
    if not (parsed and parsed[0].instrument and parsed[0].kind in UNIT_KINDS):
        return parsed
    next_start, k = parsed[0].start, len(refs)
    while k and refs[k - 1].kind == parsed[0].kind and not refs[k - 1].instrument \
            and _JOINED.fullmatch(text, refs[k - 1].end, next_start):
        next_start = refs[k - 1].start
        while k and refs[k - 1].start == next_start:
            k -= 1
            refs[k] = replace(refs[k], instrument=parsed[0].instrument)
    return parsed


def _act_type(name: str) -> str:
    return next(t for t in ("Regulation", "Directive", "Decision") if t in name)


def _phrase(text: str, head: re.Match[str], last_act: dict[str, str]) -> list[RawRef]:
    """Parse "KEYWORD items [, point (x)] [of CONTAINER]* [of INSTRUMENT]" starting at ``head``."""
    kind = _KEYWORDS[head.group("kw").lower()]
    items, at = _items(text, head.end())
    if not items or (kind in UNIT_KINDS and not items[0][0]):
        return []
    tail = _TAIL.match(text, at)
    extra = tuple(x for x in (tail.group("paragraph"), tail.group("letter"), tail.group("point")) if x)
    if extra:
        items[-1] = (items[-1][0], (*items[-1][1], *(x.lower() for x in extra)))
        at = tail.end()
    chain: list[tuple[str, list[Item]]] = [(kind, items)]  # innermost first
    instrument = ""
    if abbreviation := _ABBREVIATION.match(text, at):
        instrument, at = abbreviation.group("name"), abbreviation.end()
    while not instrument and (of := _OF.match(text, at)):
        start = of.end()
        if m := _SELF_CONTAINER.match(text, start):
            at = m.end()
        elif m := _SELF_INSTRUMENT.match(text, start):
            at = m.end()
            break
        elif m := _THIS_TITLE.match(text, start):
            instrument, at = "this title", m.end()
            break
        elif m := _THAT_ACT.match(text, start):
            instrument, at = last_act.get(m.group("type"), m.group()), m.end()
            break
        elif m := _EU_ACT_RE.match(text, start):
            instrument, at = " ".join(m.group().split()), m.end()
            last_act[_act_type(instrument)] = instrument
            break
        elif m := _TITLE.match(text, start):
            instrument, at = f"title {m.group('n')}", m.end()
            break
        elif (m := _HEAD.match(text, start)) and m.group("kw"):
            outer, end = _items(text, m.end())
            if not outer:
                break
            chain.append((_KEYWORDS[m.group("kw").lower()], outer[:1]))
            at = end
        elif m := _NAMED.match(text, start):
            instrument, at = m.group(), m.end()
            break
        else:
            break
    span = text[head.start():at].rstrip(" ,")
    end = head.start() + len(span)
    return [RawRef(span, head.start(), end, *target, instrument=instrument) for target in _compose(chain)]


def _items(text: str, at: int) -> tuple[list[Item], int]:
    """The (number, subdivisions) items of a list: "2, 3 and 5", "14(1) and (2)", "2 through 11"."""
    items: list[Item] = []
    pending_range = False
    while True:
        m = _ITEM.match(text, at)
        if not m or not m.group():
            break
        number = (m.group("num") or "").lower()
        subs = tuple(s.lower() for s in _SUB.findall(m.group("subs")))
        if m.group("dot"):
            subs = (m.group("dot"), *subs)
        if not number and not subs:
            break
        if pending_range and items:
            items += _expand(items[-1], (number, subs))
        items.append((number, subs))
        at = m.end()
        sep = _SEPARATOR.match(text, at)
        if not sep or not _ITEM.match(text, sep.end()).group():
            break
        pending_range, at = bool(sep.group("range")), sep.end()
    return _inherit(items), at


def _expand(first: Item, last: Item) -> list[Item]:
    """The items strictly between the two ends of a range: "2 to 5", "(a) to (d)", "5a(1) to (4)"."""
    (a, a_subs), (b, b_subs) = first, last
    if a.isdigit() and b.isdigit() and not a_subs and not b_subs:
        return [(str(n), ()) for n in range(int(a) + 1, int(b))] if int(b) - int(a) <= MAX_RANGE else []
    if b or not a_subs or len(b_subs) != 1:
        return []
    low, high, head = a_subs[-1], b_subs[0], a_subs[:-1]
    if low.isdigit() and high.isdigit() and int(high) - int(low) <= MAX_RANGE:
        return [(a, (*head, str(n))) for n in range(int(low) + 1, int(high))]
    if len(low) == len(high) == 1 and low.isalpha() and high.isalpha():
        return [(a, (*head, chr(c))) for c in range(ord(low) + 1, ord(high))]
    return []


def _inherit(items: list[Item]) -> list[Item]:
    """"Article 14(1) and (2)": an item with subdivisions only belongs to the previous item's number."""
    out: list[Item] = []
    for number, subs in items:
        if len(number) == 1 and number.isalpha() and out and out[-1][0]:  # "Article 17(1), a": a point
            number, subs = "", (number, *subs)
        if not number and out and out[-1][0] and subs:  # a sibling of the last subdivision, or a point under it
            number, previous = out[-1]
            child = bool(previous) and previous[-1].isdigit() and subs[0].isalpha() and len(subs) == 1
            subs = (*previous[: len(previous) - (0 if child else len(subs))], *subs)
        out.append((number, subs))
    return out


def _compose(chain: list[tuple[str, list[Item]]]) -> Iterator[tuple[str, str, tuple[str, ...], int]]:
    """(kind, number, sub, keep) of each target of a chain, innermost first: "point (b)", "of paragraph 1", ..."""
    (kind, items), containers = chain[0], chain[1:]
    if kind in UNIT_KINDS:  # "Articles 2 to 5 (of Regulation ...)"
        for number, subs in items:
            yield kind, number, subs, 0
        return
    unit_kind, unit_number, prefix, keep = "", "", (), -1
    for container_kind, (item, *_) in reversed(containers):  # outermost first
        if container_kind in UNIT_KINDS:
            unit_kind, unit_number, prefix = container_kind, item[0], item[1]
        else:
            keep = keep if keep >= 0 or unit_kind else _level(container_kind, item)
            prefix = (*prefix, *_path(item))
    for item in items:
        level = keep if keep >= 0 else _level(kind, item)
        yield unit_kind, unit_number, (*prefix, *_path(item)), 0 if unit_kind else level


def _level(kind: str, item: Item) -> int:
    if kind == "paragraph":
        return _TREATY_PARAGRAPH if item[0] else _STATUTE_PARAGRAPH
    return _LEVEL[kind]


def _path(item: Item) -> tuple[str, ...]:
    number, subs = item
    return (number, *subs) if number else subs


def resolve(ref: RawRef, source_provision_id: str, instrument: Instrument, catalog: Catalog,
            known_ids: set[str]) -> str | None:
    """The id ``ref`` points to (provision id, or instrument id for a whole instrument), or None."""
    candidates = _instruments(ref, instrument, catalog)
    if ref.kind == "instrument":
        return candidates[0] if candidates else None
    for target in candidates:
        for path in _paths(ref, source_provision_id, target, catalog):
            if found := _known(path, known_ids, ref):
                return found
    return None


def _paths(ref: RawRef, source_provision_id: str, target_id: str, catalog: Catalog) -> list[list[str]]:
    """The id paths the reference may name in ``target_id``: [instrument, unit, *sub], the likeliest first."""
    if ref.kind:
        paths = [[target_id, f"{UNIT_KINDS[ref.kind]}-{ref.number}", *ref.sub]]
        if "." in ref.number:  # "Article 9.1.a" in treaty style is art-9/1/a (but Canada's s. 342.1 is a unit)
            unit, *subs = ref.number.split(".")
            paths.append([target_id, f"{UNIT_KINDS[ref.kind]}-{unit}", *subs, *ref.sub])
        return paths
    source = ProvisionId.parse(source_provision_id)
    if target_id in catalog and catalog.get(target_id).unit == "paragraph" and ref.keep == 0 and ref.sub:
        return [[target_id, f"para-{ref.sub[0]}", *ref.sub[1:]]]
    if source.depth < ref.keep:
        return []
    return [[source.instrument, source.unit, *source.sub[:ref.keep], *ref.sub]]


def _known(path: list[str], known_ids: set[str], ref: RawRef) -> str | None:
    """The longest prefix of ``path`` among the known ids, never shorter than what the reference itself names."""
    floor = 2 if ref.kind else 2 + ref.keep + 1
    for length in range(len(path), floor - 1, -1):
        candidate = "/".join(path[:length])
        if candidate in known_ids:
            return candidate
    return None


def _instruments(ref: RawRef, instrument: Instrument, catalog: Catalog) -> list[str]:
    """Instruments the reference can point into, most likely first."""
    if ref.instrument in ("", "this title"):
        same_title = [i.id for i in catalog if _is_us_code(instrument) and i.citation == instrument.citation
                      and i.id != instrument.id]
        return [instrument.id, *same_title] if ref.kind in ("section", "") or ref.instrument else [instrument.id]
    if m := _TITLE.fullmatch(ref.instrument):
        return [i.id for i in catalog if i.citation == f"{m.group('n')} U.S.C."]
    key = _name_key(ref.instrument)
    parent = _PARENT.search(instrument.title)
    if key in _GENERIC_NAMES and parent and _name_key(parent.group("name")).startswith(key):
        key = _name_key(parent.group("name"))  # "the Convention", in a protocol to the Convention on Cybercrime
    return _by_name(catalog).get(key, [])


def _is_us_code(instrument: Instrument) -> bool:
    return bool(_USC.match(instrument.citation))


@lru_cache(maxsize=8)
def _by_name(catalog: Catalog) -> dict[str, list[str]]:
    """Catalogue names (citation, titles, aliases, EU numbers like "2016/679") → instrument ids."""
    names: dict[str, list[str]] = {}
    for inst in catalog:
        for name in (inst.citation, inst.title, inst.short_title, *inst.aliases, *_EU_NUMBER.findall(inst.citation)):
            ids = names.setdefault(_name_key(name), [])
            if inst.id not in ids:
                ids.append(inst.id)
    return names


def _name_key(name: str) -> str:
    """A catalogue lookup key: "Regulation (EU) 2016/679" → "2016/679"; "the Charter of ..." → "charter of ..."."""
    if m := _EU_NUMBER.search(name):
        if re.search(r"\b(?:Regulation|Directive|Decision)s?\b", name):
            return m.group(1)
    name = re.sub(r"^(?:the\s+)?(?:\d{4}\s+)?", "", name.strip(), flags=re.IGNORECASE)
    return " ".join(name.casefold().split())


def known_ids_of(provisions: Iterable[Provision]) -> set[str]:
    """Every id the provisions produce: units and each subdivision path of their blocks."""
    ids = set()
    for p in provisions:
        ids.add(p.id)
        for block in p.blocks:
            for depth in range(1, len(block.sub) + 1):
                ids.add("/".join((p.id, *block.sub[:depth])))
    return ids


def extract_references(provisions: list[Provision], instrument: Instrument, catalog: Catalog,
                       known_ids: set[str] | None = None) -> list[Reference]:
    """The references of one instrument's provisions, resolved against ``known_ids``.

    ``known_ids`` defaults to the ids of ``provisions``; pass the ids of the whole corpus to resolve
    references into other instruments.
    """
    known = known_ids if known_ids is not None else known_ids_of(provisions)
    out = []
    for provision in provisions:
        text = provision.text
        block_starts = _block_starts(provision)
        for ref in find_references(text):
            source = _source_at(provision, block_starts, ref.start)
            target = resolve(ref, source, instrument, catalog, known)
            guess = target or _best_guess(ref, source, instrument, catalog)
            out.append(Reference(provision.id, guess, ref.text, ref.start, ref.end, target is not None))
    return out


def _block_starts(provision: Provision) -> list[int]:
    starts, at = [], 0
    for block in provision.blocks:
        starts.append(at)
        at += len(block.text) + 1
    return starts


def _source_at(provision: Provision, block_starts: list[int], offset: int) -> str:
    """The id of the subdivision holding ``offset`` (relative references start from it)."""
    n = max((i for i, start in enumerate(block_starts) if start <= offset), default=0)
    return "/".join((provision.id, *provision.blocks[n].sub)) if provision.blocks else provision.id


def _best_guess(ref: RawRef, source: str, instrument: Instrument, catalog: Catalog) -> str:
    candidates = _instruments(ref, instrument, catalog)
    if not candidates:
        return ""
    paths = _paths(ref, source, candidates[0], catalog) if ref.kind != "instrument" else []
    return "/".join(paths[0]) if paths else candidates[0]

