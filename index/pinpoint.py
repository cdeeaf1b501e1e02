"""Pinpointing: a result that holds several subdivisions (a section's list of definitions, a short article's
paragraphs) is returned as the one subdivision the question's words single out, with that subdivision's text and
citation: "what is subscriber information?" is answered by s. 2(1)(xxix), not by s. 2(1) and its seven
definitions.

Which subdivision: the one that holds the most of the question's terms that set the passage's subdivisions apart
(a term found in every one of them, such as "means", says nothing), a term counting half again in a subdivision's
opening words, where a definition puts its term and a paragraph its subject; and strictly more than any other. A
tie, or no such term, leaves the passage whole: a lawyer is better served by the whole passage than by a guess.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from functools import lru_cache

from haystack import Document, component

from cyberlex.corpus.model import Part
from cyberlex.index.sparse import query_terms, tokenize


OPENING = 40  # characters of a subdivision read as its opening words


def pinpoint(asked: Collection[str], text: str, parts: Sequence[Part]) -> Part | None:
    """The part of ``text`` the question's terms (``sparse.query_terms``) single out, or None."""
    asked = set(asked)
    held = [asked & _terms(text[part.text_start:part.text_end]) for part in parts]
    opening = [asked & _terms(text[part.text_start:min(part.text_end, part.text_start + OPENING)]) for part in parts]
    telling = {term for terms in held for term in terms if sum(term in other for other in held) < len(parts)}
    scores = sorted(((len(terms & telling) + len(first & telling) / 2, n)
                     for n, (terms, first) in enumerate(zip(held, opening))), reverse=True)
    (best, n), (runner_up, _) = scores[0], scores[1]
    return parts[n] if best > runner_up else None


@lru_cache(maxsize=1 << 13)
def _terms(span: str) -> frozenset[str]:
    """A subdivision's terms, kept: the same passages come back search after search, and tokenizing their parts
    was a tenth of a query's time."""
    return frozenset(tokenize(span))


@component
class Pinpointer:
    """Each result found by search (not one a typed citation opened: it is what was asked) narrowed to the
    subdivision the question singles out, where its passage holds several."""

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document], via: list[str], text: str) -> dict[str, list[Document]]:
        asked = set(query_terms(text))
        return {"documents": [self._narrowed(doc, asked) if how != "citation" else doc
                              for doc, how in zip(documents, via)]}

    @staticmethod
    def _narrowed(doc: Document, asked: set[str]) -> Document:
        parts = [Part(*part) for part in doc.meta.get("parts") or ()]
        found = pinpoint(asked, doc.content or "", parts) if len(parts) > 1 else None
        if found is None:
            return doc
        content = (doc.content or "")[found.text_start:found.text_end]
        meta = {**doc.meta, "provision_id": found.provision_id, "label": found.label, "citation": found.citation,
                "text": content, "start": found.start, "end": found.end, "page": found.page, "parts": []}
        return replace(doc, content=content, meta=meta)
