"""The provision a query cites, looked up before any retrieval so that it comes back first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from haystack import Document, component

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.citations import parse_citation
from cyberlex.corpus.model import Passage
from cyberlex.index.documents import payload, scored_document
from cyberlex.index.provisions import ProvisionReader, unit_id_of
from cyberlex.index.store import Where

CITATION_SCORE = 1.0  # a typed citation outranks any retrieval score


@component
class CitationLookup:
    """The provision a query cites ("Art. 29(3) Budapest", "18 U.S.C. 1030(a)(2)"), if the index holds it."""

    def __init__(self, reader: ProvisionReader, catalog: Catalog, known_units: Callable[[str], bool]):
        self.reader = reader
        self.catalog = catalog
        self.known_units = known_units

    @component.output_types(documents=list[Document])
    def run(self, text: str, where: dict[str, list[Any]]) -> dict[str, list[Document]]:
        citation = parse_citation(text, self.catalog, known_units=self.known_units)
        passage = self.reader.passage(citation.provision_id) if citation else None
        if passage is None and citation and citation.sub:
            passage = self.reader.passage(unit_id_of(citation.provision_id))
        if passage is None or not _matches(passage, where):
            return {"documents": []}
        return {"documents": [scored_document(payload(passage, signature=""), CITATION_SCORE)]}


def _matches(passage: Passage, where: Where) -> bool:
    """Whether the passage meets the filters; a list field (force, addressees) meets one by any of its values."""
    values = {"instrument_id": passage.instrument_id, **passage.metadata}
    held = {field: value if isinstance(value, list) else [value] for field, value in values.items()}
    return all(any(v in allowed for v in held.get(field, [None])) for field, allowed in where.items())
