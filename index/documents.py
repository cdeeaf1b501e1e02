"""Passage ↔ payload ↔ Haystack Document, in one place, so the store, the pipelines and the API agree.

A point's payload is the passage's fields, flat, plus the facts of ``Passage.metadata`` for filters: its
instrument's (jurisdiction, kind, binding, language, title, instrument_status, text_as_of...) and its own
(``status``: the provision's status from the catalogue, with ``status_entry`` and its source, else the
instrument's; force, addressees), plus a content hash that tells the indexer whether a stored point is already up
to date.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from datetime import date
from functools import lru_cache
from typing import Any, overload

from haystack import Document

from cyberlex.corpus.model import Part, Passage

# What fusion, the operative prior and grouping read of a candidate: the ranking fetches only these, and the whole
# payloads of the few results it keeps (``retrieve.PayloadReader``); every candidate's text and facts took most of
# a query's time to read out of the store.
RANKING_FIELDS = ("unit_id", "chunk", "group_id", "unit_kind", "force", "provision_id", "heading", "defines")
POINT_NAMESPACE = uuid.UUID("5f0c8a52-3a7e-4c1e-9d0e-6b1f3c2a9e41")
PASSAGE_FIELDS = tuple(f.name for f in fields(Passage) if f.name != "metadata")
HASH_FIELD = "content_hash"


@lru_cache(maxsize=1 << 16)
def point_id(passage_key: str) -> str:
    """Deterministic: re-ingesting the same provision chunk overwrites the same point. Cached: every candidate of
    every search derives its id from its key, and a uuid5 costs more than the lookup."""
    return str(uuid.uuid5(POINT_NAMESPACE, passage_key))


def payload(passage: Passage, signature: str) -> dict[str, Any]:
    """The stored payload; ``signature`` names how vectors were made (model, BM25 params), so a change
    of either changes every hash and the indexer rewrites the points."""
    data = {name: _plain(v) for name, v in passage.metadata.items() if name not in PASSAGE_FIELDS}
    data.update({name: _plain(getattr(passage, name)) for name in PASSAGE_FIELDS})
    data.pop(HASH_FIELD, None)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False) + signature
    data[HASH_FIELD] = hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).hexdigest()
    return data


def to_passage(data: dict[str, Any]) -> Passage:
    values = {name: data.get(name) for name in PASSAGE_FIELDS}
    values["path"] = tuple(values["path"] or ())
    values["parts"] = tuple(Part(*part) for part in values["parts"] or ())
    metadata = {k: v for k, v in data.items() if k not in PASSAGE_FIELDS and k != HASH_FIELD}
    return Passage(**values, metadata=metadata)


class SharedDocument(Document):
    """A Document that Haystack pipelines hand from component to component without copying it.

    A pipeline deep-copies every component input so that no component can change another's; ours never change a
    document in place (they make new ones with ``dataclasses.replace``, which keeps this class), and copying the
    payloads and vectors took over half of a query's time and a share of ingest's."""

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedDocument:
        return self


class Ranking(Sequence[Document]):
    """Documents best first, handed from component to component as they are. A pipeline deep-copies each input,
    and for a list it checks every document against Haystack's ``Component`` protocol, a slow ``isinstance``: the
    few hundred candidates a fused ranking holds took a sixth of a query's time. Nothing changes a ranking in place
    (components make new ones)."""

    def __init__(self, documents: Iterable[Document] = ()):
        self._documents = tuple(documents)

    @overload
    def __getitem__(self, index: int) -> Document: ...

    @overload
    def __getitem__(self, index: slice) -> Ranking: ...

    def __getitem__(self, index: int | slice) -> Document | Ranking:
        if isinstance(index, slice):
            return Ranking(self._documents[index])
        return self._documents[index]

    def __iter__(self) -> Iterator[Document]:
        return iter(self._documents)

    def __len__(self) -> int:
        return len(self._documents)

    def __deepcopy__(self, memo: dict[int, Any]) -> Ranking:
        return self


def to_document(passage: Passage, signature: str) -> Document:
    data = payload(passage, signature)
    return SharedDocument(id=point_id(passage.key), content=passage.text, meta=data)


def scored_document(data: dict[str, Any], score: float) -> Document:
    """A search result as a Document: the point's payload (whole, or a candidate's ``RANKING_FIELDS``) as meta, its
    score from the store or fusion (the key is read off the payload: building the whole passage for it took a tenth
    of a search)."""
    return SharedDocument(id=point_id(Passage.key_of(data["unit_id"], data["chunk"])), content=data.get("text"),
                          meta=data, score=score)


def _plain(value: Any) -> Any:
    """JSON-able payload values: tuples become lists, dates ISO strings."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
