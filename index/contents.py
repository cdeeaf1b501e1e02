"""An instrument's table of contents, found again in what its stored passages carry.

The store keeps passages, not the tree of parts, chapters and titles: each passage carries its unit's place in
the instrument (``path``, the enclosing divisions, outermost first), its label and heading, and where it starts
in the text. Walking the units in text order, a division opens wherever a unit's path departs from the one
before, so a title that recurs after another (a second "Part I" in a schedule) is a second entry, as in the
text. Runs of recitals are grouped under one entry; a section cited by its subsections (the US Code) lists
them, as results group by them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cyberlex.corpus.model import ProvisionId
from cyberlex.index.provisions import cut_pinpoint
from cyberlex.index.store import Store

FIELDS = ["unit_id", "group_id", "provision_id", "label", "heading", "path", "start"]


@dataclass(frozen=True)
class Entry:
    kind: str  # "division" | "recitals" | "unit" | "subdivision"
    title: str  # a division as printed ("Chapter III — International co-operation"); a unit's label ("Art. 29")
    heading: str  # a unit's heading; "" for the rest
    provision_id: str  # "" for a division or a group of recitals
    passages: int  # passages indexed under it, all levels below included
    children: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Contents:
    instrument_id: str
    entries: tuple[Entry, ...]

    @property
    def passages(self) -> int:
        return sum(e.passages for e in self.entries)

    @property
    def provisions(self) -> int:
        """Units (articles, sections, recitals, ...), however deep they sit."""
        def units(entries: tuple[Entry, ...]) -> int:
            return sum(1 if e.kind == "unit" else units(e.children) for e in entries)
        return units(self.entries)


@dataclass
class _Unit:
    unit_id: str
    label: str
    heading: str
    path: tuple[str, ...]
    start: int
    groups: Counter[str] = field(default_factory=Counter)
    group_labels: dict[str, str] = field(default_factory=dict)
    group_starts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Division:
    title: str
    children: list[_Division | Entry] = field(default_factory=list)


def table_of_contents(store: Store, instrument_id: str) -> Contents:
    """The instrument's divisions and units in text order, with the passages each holds (an instrument the
    index does not hold has none)."""
    units: dict[str, _Unit] = {}
    for _, point in store.scroll({"instrument_id": [instrument_id]}, FIELDS):
        unit_id, provision_id = point["unit_id"], point["provision_id"]
        group_id = point.get("group_id") or unit_id
        depth = ProvisionId.parse(provision_id).depth
        unit = units.get(unit_id)
        if unit is None:
            unit = units[unit_id] = _Unit(unit_id, cut_pinpoint(point["label"], depth), point["heading"],
                                          tuple(point["path"] or ()), point["start"])
        unit.start = min(unit.start, point["start"])
        unit.groups[group_id] += 1
        if group_id != unit_id:
            below = depth - ProvisionId.parse(group_id).depth
            unit.group_labels.setdefault(group_id, cut_pinpoint(point["label"], below))
            unit.group_starts[group_id] = min(point["start"], unit.group_starts.get(group_id, point["start"]))
    root = _Division("")
    for unit in sorted(units.values(), key=lambda u: (u.start, u.unit_id)):
        _place(root, unit)
    return Contents(instrument_id, _entries(root.children))


def _place(root: _Division, unit: _Unit) -> None:
    """Puts the unit under its divisions, reusing the last open division at each level whose title matches."""
    here = root
    for title in unit.path:
        last = here.children[-1] if here.children else None
        if not (isinstance(last, _Division) and last.title == title):
            last = _Division(title)
            here.children.append(last)
        here = last
    subdivisions = tuple(
        Entry("subdivision", unit.group_labels[g], "", g, n)
        for g, n in sorted(unit.groups.items(), key=lambda item: unit.group_starts.get(item[0], -1))
        if g != unit.unit_id)
    here.children.append(Entry("unit", unit.label, unit.heading, unit.unit_id, sum(unit.groups.values()),
                               subdivisions))


def _entries(children: list[_Division | Entry]) -> tuple[Entry, ...]:
    """Divisions as entries, each run of two recitals or more under one entry ("Recitals 1–173")."""
    out: list[Entry] = []
    run: list[Entry] = []
    for child in [*children, None]:
        if isinstance(child, Entry) and ProvisionId.parse(child.provision_id).kind == "recital":
            run.append(child)
            continue
        if len(run) > 1:
            first, last = (ProvisionId.parse(e.provision_id).unit.partition("-")[2] for e in (run[0], run[-1]))
            out.append(Entry("recitals", f"Recitals {first}–{last}", "", "", sum(e.passages for e in run),
                             tuple(run)))
        else:
            out.extend(run)
        run = []
        if isinstance(child, _Division):
            inner = _entries(child.children)
            out.append(Entry("division", child.title, "", "", sum(e.passages for e in inner), inner))
        elif child is not None:
            out.append(child)
    return tuple(out)
