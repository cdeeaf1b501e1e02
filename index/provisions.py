"""Provisions read back from the store: a unit's passages, a sub-provision's text, its neighbours."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cyberlex.corpus.errors import UnknownProvision
from cyberlex.corpus.model import Passage
from cyberlex.index.documents import to_passage
from cyberlex.index.store import Store, Where

_LABEL_FORMS = (r"\({}\)", r"{}\.", r"{}\)")  # how a paragraph's label is printed: "(3)", "3.", "3)"


@dataclass(frozen=True)
class ProvisionView:
    provision_id: str
    unit_id: str
    instrument_id: str
    label: str
    heading: str
    path: tuple[str, ...]
    citation: str
    text: str
    passages: tuple[Passage, ...]
    previous_id: str | None
    next_id: str | None


class ProvisionReader:
    """Reads provisions (whole units or their subdivisions) back from the store's passages."""

    def __init__(self, store: Store):
        self.store = store

    def view(self, provision_id: str) -> ProvisionView:
        found = self._resolve(provision_id)
        previous_id, next_id = self._neighbours(found.passages[0])
        return replace(found, previous_id=previous_id, next_id=next_id)

    def passage(self, provision_id: str) -> Passage | None:
        """The provision as one passage (a hit), or None when the index does not hold it."""
        try:
            found = self._resolve(provision_id)
        except UnknownProvision:
            return None
        first = found.passages[0]
        return replace(first, provision_id=found.provision_id, label=found.label, citation=found.citation,
                       text=found.text, end=max(p.end for p in found.passages))

    def _resolve(self, provision_id: str) -> ProvisionView:
        """The provision's view without its neighbours."""
        unit_id = unit_id_of(provision_id)
        passages = self._passages({"unit_id": [unit_id]})
        if not passages:
            raise UnknownProvision(provision_id)
        sub = provision_id.split("/")[2:]
        shown = [p for p in passages if p.provision_id == provision_id or p.provision_id.startswith(provision_id + "/")]
        if shown:
            text = "\n".join(p.text for p in shown)
        else:  # a paragraph inside a passage: read it off the text of the passages that hold it
            shown = [p for p in passages if provision_id.startswith(p.provision_id + "/")] or passages
            text = _subdivision("\n".join(p.text for p in shown), sub) or ""
            if not text:
                raise UnknownProvision(provision_id)
        unit = passages[0]
        named = next((p for p in shown if p.provision_id == provision_id), None)
        suffix = "".join(f"({s})" for s in sub)
        return ProvisionView(
            provision_id=provision_id,
            unit_id=unit_id,
            instrument_id=unit.instrument_id,
            label=named.label if named else _unit_part(unit, unit.label) + suffix,
            heading=unit.heading,
            path=unit.path,
            citation=named.citation if named else _unit_part(unit, unit.citation) + suffix,
            text=text,
            passages=tuple(shown),
            previous_id=None,
            next_id=None,
        )

    def _passages(self, where: Where) -> list[Passage]:
        return sorted((to_passage(p) for _, p in self.store.scroll(where)), key=lambda p: p.chunk)

    def _neighbours(self, unit: Passage) -> tuple[str | None, str | None]:
        """The units before and after, by where they start in the instrument's text."""
        starts: dict[str, int] = {}
        for _, p in self.store.scroll({"instrument_id": [unit.instrument_id]}, ["unit_id", "start"]):
            starts[p["unit_id"]] = min(p["start"], starts.get(p["unit_id"], p["start"]))
        order = sorted(starts, key=lambda u: (starts[u], u))
        at = order.index(unit.unit_id)
        return (order[at - 1] if at > 0 else None), (order[at + 1] if at + 1 < len(order) else None)


def unit_id_of(provision_id: str) -> str:
    return "/".join(provision_id.split("/")[:2])


def _unit_part(passage: Passage, text: str) -> str:
    """A passage's label or citation cut back to its unit's ("Art. 29(1)" → "Art. 29")."""
    depth = passage.provision_id[len(passage.unit_id) :].count("/")
    return re.sub(r"(\([0-9a-z]+\)){%d}$" % depth, "", text, flags=re.IGNORECASE) if depth else text


def _subdivision(text: str, sub: Sequence[str]) -> str | None:
    """The lines of a provision's text that make up subdivision ``sub`` (("3", "a") for paragraph 3,
    point (a)): from the line that opens with its printed label up to the next line opening with a
    sibling label of the same form. Used when the index holds the provision as one passage; None
    when a label is not found."""
    for part in sub:
        lines = text.split("\n")
        sibling = r"[0-9]+[a-z]?" if part[0].isdigit() else r"[a-z]{1,4}"
        for start, line in enumerate(lines):
            opens = (f for f in _LABEL_FORMS if re.match(f.format(re.escape(part)) + r"(\s|$)", line.strip(), re.I))
            if form := next(opens, None):
                same_form = re.compile(form.format(sibling) + r"(\s|$)", re.I)
                end = next((i for i in range(start + 1, len(lines)) if same_form.match(lines[i].strip())), len(lines))
                text = "\n".join(lines[start:end])
                break
        else:
            return None
    return text
