"""A real Qdrant (the in-memory client) holding only the lexical vectors of a few texts, for ranking tests."""

from __future__ import annotations

import uuid

from qdrant_client import QdrantClient

from cyberlex.index.client_store import ClientStore
from cyberlex.index.sparse import Bm25Params, encode_document
from cyberlex.index.store import StoredPoint


def lexical_store(texts: dict[str, str], name: str) -> ClientStore:
    """Each text a point whose payload is its key (``provision_id``); the average length is the texts' own."""
    params = Bm25Params(avg_len=sum(len(t.split()) for t in texts.values()) / len(texts))
    store = ClientStore(QdrantClient(":memory:"), name)
    store.upsert([StoredPoint(str(uuid.uuid5(uuid.NAMESPACE_URL, key)), [1.0, 0.0, 0.0, 0.0],
                              encode_document(text, params), {"provision_id": key}) for key, text in texts.items()])
    return store


def ranked(store: ClientStore, vector, limit: int = 10) -> list[str]:
    return [payload["provision_id"] for payload, _ in store.query(sparse=vector, limit=limit)]
