"""The provision a query cites, looked up before any retrieval so that it comes back first.

A typed citation is the user's exact request: it goes to the instrument it names whatever the search filters say
(the output names the filters it set aside), and to the deepest level of the pinpoint the text has. It never
falls back silently: a pinpoint below what the text prints comes back at the level found with a notice saying
what is missing, and a unit the instrument does not have gives no document, only a notice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from haystack import Document, component

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.citations import parse_citation
from cyberlex.corpus.errors import UnknownProvision
from cyberlex.corpus.model import Passage, ProvisionId
from cyberlex.index.documents import payload, scored_document
from cyberlex.index.provisions import ProvisionReader, ProvisionView, absent

CITATION_SCORE = 1.0  # a typed citation outranks any retrieval score


@component
class CitationLookup:
    """The provision a query cites ("Art. 29(3) Budapest", "18 U.S.C. 1030(a)(2)"), if the index holds it.

    Outputs: ``documents`` (the cited provision, or none), ``cited`` (the provision id the query cites, "" when
    it cites none), ``cited_level`` (the id found: ``cited``, or the deepest level above it the text has; "" when
    none), ``notice`` (what the text lacks of it, "" when found exactly), ``set_aside`` (the filter fields that
    would have hidden it). The document's meta carries ``cited``, ``cited_level`` (the id found)
    and ``notice`` as well."""

    def __init__(self, reader: ProvisionReader, catalog: Catalog, known_units: Callable[[str], bool]):
        self.reader = reader
        self.catalog = catalog
        self.known_units = known_units

    @component.output_types(documents=list[Document], cited=str, cited_level=str, notice=str, set_aside=list[str])
    def run(self, text: str, where: dict[str, list[Any]]) -> dict[str, Any]:
        try:
            found = self.find(text)
        except UnknownProvision as missing:
            return {"documents": [], "cited": missing.provision_id, "cited_level": "", "notice": missing.hint,
                    "set_aside": []}
        if found is None:
            return {"documents": [], "cited": "", "cited_level": "", "notice": "", "set_aside": []}
        cited, view, notice = found
        passage = view.as_passage()
        meta = {**payload(passage, signature=""), "cited": cited, "cited_level": view.provision_id, "notice": notice}
        return {"documents": [scored_document(meta, CITATION_SCORE)], "cited": cited, "cited_level": view.provision_id,
                "notice": notice,
                "set_aside": [field for field, allowed in where.items() if not _meets(passage, field, allowed)]}

    def find(self, text: str) -> tuple[str, ProvisionView, str] | None:
        """The provision id ``text`` cites, the deepest level of it the text has, and what that level lacks of it
        ("" when found exactly); None when ``text`` cites nothing; UnknownProvision when the instrument it names
        lacks the unit, its hint in the words typed ("GDPR art 100: GDPR has no Art. 100; ...")."""
        citation = parse_citation(text, self.catalog, known_units=self.known_units)
        if citation is None:
            return None
        cited = citation.provision_id
        try:
            view = self.reader.deepest(cited)
        except UnknownProvision as missing:
            raise UnknownProvision(cited, f"{citation.text}: {missing.hint}", missing.nearest) from None
        if view.provision_id == cited:
            return cited, view, ""
        lacking = absent(ProvisionId.parse(cited), view.provision_id)
        return cited, view, f"{citation.text}: {lacking}; shown is {view.label}, the deepest level of it the text has"


def _meets(passage: Passage, field: str, allowed: list[Any]) -> bool:
    """Whether the passage meets one filter; a list field (force, addressees) meets it by any of its values."""
    value = passage.instrument_id if field == "instrument_id" else passage.metadata.get(field)
    return any(v in allowed for v in (value if isinstance(value, list) else [value]))
