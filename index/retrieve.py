"""Retrieval by intent: the open dense and sparse lists every question gets, plus lists scoped to what the
question names (instruments, places) or asks for (the definitions of a term, the final clauses of a named
instrument, the provisions whose heading answers a question about the instrument itself), for the fusion to weigh.

A scoped list is a search of the same vectors with one more condition, so a named instrument's best provisions are
found even when the open lists, over the whole corpus, hold none of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from cyberlex.index.documents import RANKING_FIELDS, scored_document
from cyberlex.index.legal import load_legal_index
from cyberlex.index.provisions import unit_id_of
from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.model import Instrument
from cyberlex.index.e5 import E5Encoder
from cyberlex.index.store import E5, NativeFusion, Store, Where
from cyberlex.index.understand import ASKED_HEADINGS, Understanding
from cyberlex.ingest.definitions import Definition, covers, term_key

SCOPED_CANDIDATES = 50  # passages per scoped list: what the fusion can lift out of one instrument or place



class Lists(Mapping[str, list[Document]]):
    """"<scope>:<leg>" → ranked documents (scopes: open, named, place, final, about, definition, foreign), handed
    from component to component as it is: a pipeline deep-copies each input, walking every document of a dict of
    lists, which took a third of a query's time; nothing changes these lists in place."""

    def __init__(self, lists: dict[str, list[Document]] | None = None):
        self._lists = dict(lists or {})

    def __getitem__(self, key: str) -> list[Document]:
        return self._lists[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def __deepcopy__(self, memo: dict[int, Any]) -> Lists:
        return self


def foreign_languages(understanding: Understanding, catalog: Catalog, where: Where, held: Sequence[str] | None) -> list[str]:
    """The languages other than English a question targets: its own script, the named instruments' and places'
    languages, a language filter; only those the index gives e5 vectors (``held``; None: every one but English)."""
    wanted = {understanding.language, *where.get("language", ())}
    wanted |= {i.language for i in targeted(understanding, catalog)}
    return sorted(lang for lang in wanted if lang != "en" and (held is None or lang in held))


def targeted(understanding: Understanding, catalog: Catalog) -> list[Instrument]:
    """The instruments a question is about: those it names, else those of the places it names."""
    named = set(understanding.instruments)
    places = set(understanding.jurisdictions)
    return [i for i in catalog if i.id in named or (not named and i.jurisdiction in places)]


@component
class ForeignQueryEmbedder:
    """The question's multilingual-e5 embedding, made only when it targets laws in another language (an English
    question about Japanese law, or one typed in Thai): e5 reads across languages, but costs a query ~20 ms."""

    def __init__(self, encoder: E5Encoder, catalog: Catalog, held: Sequence[str] | None):
        self.encoder = encoder
        self.catalog = catalog
        self.held = held

    @component.output_types(embedding=Sequence[float] | None, languages=list[str])
    def run(self, text: str, understanding: Understanding, where: dict[str, list[Any]]) -> dict[str, Any]:
        languages = foreign_languages(understanding, self.catalog, where, self.held)
        embedding = self.encoder.embed_query(text) if languages else None
        return {"embedding": embedding, "languages": languages}


class LegalTable:
    """The definitions and unit headings the last ingest found (the legal side-index), re-read when that file
    changes."""

    def __init__(self, path: Path):
        self.path = path
        self._stamp: float | None = None
        self._by_term: dict[str, list[Definition]] = {}
        self._headings: dict[str, list[tuple[str, str]]] = {}

    def units_defining(self, term: str, instruments: Sequence[str] = ()) -> list[str]:
        """Unit ids that define ``term`` (in the named instruments, if any); when none defines it as typed, the
        units that define a term containing it or contained in it ("breach" → "personal data breach")."""
        self._refresh()
        key = term_key(term)
        found = self._by_term.get(key) or [
            d for other, ds in self._by_term.items() if covers(key, other) for d in ds
        ]
        return list(dict.fromkeys(unit_id_of(d.provision_id) for d in found
                                  if not instruments or d.instrument_id in instruments))

    def units_headed(self, asks: Sequence[str], instruments: Sequence[str]) -> list[str]:
        """The instruments' units whose heading answers what the question asks about them (``ASKED_HEADINGS``:
        their "Scope" for whom they cover, their "Subject matter" for what they are)."""
        self._refresh()
        patterns = [ASKED_HEADINGS[ask] for ask in asks if ask in ASKED_HEADINGS]
        return [unit for i in instruments for unit, heading in self._headings.get(i, [])
                if any(p.search(heading) for p in patterns)]

    def _refresh(self) -> None:
        try:
            stamp = self.path.stat().st_mtime
        except OSError:
            self._stamp, self._by_term, self._headings = None, {}, {}
            return
        if stamp == self._stamp:
            return
        index = load_legal_index(self.path)
        self._by_term, self._headings = {}, {}
        for unit in index.units.values():
            if unit.heading:
                self._headings.setdefault(unit.instrument_id, []).append((unit.id, unit.heading))
        for d in index.definitions:
            self._by_term.setdefault(term_key(d.term), []).append(d)
        self._stamp = stamp


@component
class IntentRetriever:
    """Ranked lists keyed "<scope>:<leg>" (leg: dense, sparse, or hybrid under Qdrant's native fusion)."""

    def __init__(self, store: Store, legal: LegalTable, catalog: Catalog, legs: Sequence[str],
                 native: NativeFusion | None):
        self.store = store
        self.legal = legal
        self.catalog = catalog
        self.legs = tuple(legs)
        self.native = native

    @component.output_types(lists=Mapping[str, list[Document]])
    def run(
        self,
        understanding: Understanding,
        where: dict[str, list[Any]],
        top_k: int,
        query_embedding: Sequence[float] | None = None,
        query_sparse_embedding: SparseEmbedding | None = None,
        place_sparse_embedding: SparseEmbedding | None = None,
        foreign_embedding: Sequence[float] | None = None,
        foreign_languages: list[str] | None = None,
    ) -> dict[str, Lists]:
        """``place_sparse_embedding``: the lexical vector without the place's names, for the search within it."""
        vectors = {"dense": query_embedding, "sparse": query_sparse_embedding}
        lists: dict[str, list[Document]] = {}
        if foreign_embedding is not None and foreign_languages:
            condition: dict[str, list[Any]] = {"language": list(foreign_languages)}
            if understanding.instruments:
                condition["instrument_id"] = list(understanding.instruments)
            if (scoped := _within(where, condition)) is not None:
                lists["foreign:e5"] = self._search(scoped, SCOPED_CANDIDATES, dense=foreign_embedding, using=E5)
        for scope, condition, limit in self._scopes(understanding, top_k):
            scoped = _within(where, condition)
            if scoped is None:
                continue
            if self.native is not None:
                lists[f"{scope}:hybrid"] = self._search(scoped, limit, dense=vectors["dense"],
                                                        sparse=vectors["sparse"])
                continue
            for leg in self.legs:
                vector = vectors[leg]
                if scope == "place" and leg == "sparse" and place_sparse_embedding is not None:
                    vector = place_sparse_embedding
                lists[f"{scope}:{leg}"] = self._search(scoped, limit, **{leg: vector})
        return {"lists": Lists(lists)}

    def _scopes(self, understanding: Understanding, top_k: int) -> list[tuple[str, Where, int]]:
        scopes: list[tuple[str, Where, int]] = [("open", {}, top_k)]
        named = understanding.instruments
        subject: Where = {}
        if named:
            subject = {"instrument_id": list(named)}
            scopes.append(("named", subject, SCOPED_CANDIDATES))
        elif understanding.jurisdictions:
            subject = {"jurisdiction": list(understanding.jurisdictions)}
            scopes.append(("place", subject, SCOPED_CANDIDATES))
        if subject and "procedural" in understanding.asks:
            # "when will the CRA apply?": its date is in a final clause that reads like every other "apply".
            scopes.append(("final", subject | {"force": ["procedural"]}, SCOPED_CANDIDATES))
        if named and (units := self.legal.units_headed(understanding.asks, named)):
            # "what is NIS2 about?": once its name is read, nothing is left for the lists to match art. 1 by.
            scopes.append(("about", {"unit_id": units}, SCOPED_CANDIDATES))
        if understanding.intent == "definition":
            # "what is critical infrastructure under Singapore law?": the place's laws' definitions, as a name's.
            held = [i.id for i in targeted(understanding, self.catalog)]
            # A term nobody defines gets no such list: other definitions only crowd out the provision named after
            # it ("what is cyber espionage under Kenyan law?": s. 21), which the prior brings first.
            units = self.legal.units_defining(understanding.term, held)
            if units:
                scopes.append(("definition", {"unit_id": units}, SCOPED_CANDIDATES))
        return scopes

    def _search(self, where: Where, limit: int, **vectors: Any) -> list[Document]:
        kwargs = {"fusion": self.native} if self.native is not None and "using" not in vectors else {}
        scored = self.store.query(**vectors, where=where, limit=limit, fields=RANKING_FIELDS, **kwargs)
        return [scored_document(payload, score) for payload, score in scored]


def _within(where: Where, condition: Where) -> dict[str, list[Any]] | None:
    """A scope inside the user's filters: a field both constrain keeps the values both allow; None when none is."""
    scoped = {field: list(values) for field, values in where.items()}
    for field, values in condition.items():
        allowed = [v for v in values if field not in where or v in where[field]]
        if not allowed:
            return None
        scoped[field] = allowed
    return scoped


@component
class PayloadReader:
    """The whole payloads (text, citation, facts) of the results the ranking kept, read by id: candidates are
    ranked on ``RANKING_FIELDS`` alone. A result read whole already (a cited provision) is kept as it is; one
    gone from the store since it was ranked is dropped."""

    def __init__(self, store: Store):
        self.store = store

    @component.output_types(documents=list[Document], via=list[str])
    def run(self, documents: list[Document], via: list[str]) -> dict[str, list[Any]]:
        full = self.store.payloads([d.id for d in documents if "text" not in d.meta])
        read = [(d if "text" in d.meta else scored_document(full[d.id], d.score or 0.0), how)
                for d, how in zip(documents, via) if "text" in d.meta or d.id in full]
        return {"documents": [d for d, _ in read], "via": [how for _, how in read]}
