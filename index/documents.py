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
from dataclasses import fields
from datetime import date
from typing import Any

from haystack import Document

from cyberlex.corpus.model import Part, Passage

# What fusion, the operative prior and grouping read of a candidate: the ranking fetches only these, and the whole
# payloads of the few results it keeps (``retrieve.PayloadReader``); every candidate's text and facts took most of
# a query's time to read out of the store.
RANKING_FIELDS = ("unit_id", "chunk", "group_id", "unit_kind", "provision_id")
POINT_NAMESPACE = uuid.UUID("5f0c8a52-3a7e-4c1e-9d0e-6b1f3c2a9e41")
PASSAGE_FIELDS = tuple(f.name for f in fields(Passage) if f.name != "metadata")
HASH_FIELD = "content_hash"


def point_id(passage_key: str) -> str:
    """Deterministic: re-ingesting the same provision chunk overwrites the same point."""
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
