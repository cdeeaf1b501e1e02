"""Pinpointing: a result holding several subdivisions comes back as the one the question singles out."""

from __future__ import annotations

import pytest
from haystack import Document

from cyberlex.corpus.model import Part
from cyberlex.index.pinpoint import Pinpointer, pinpoint
from cyberlex.index.sparse import query_terms

DEFINITIONS = [
    "(xxviii) “service provider” means a person who provides information system services;",
    "(xxix) “subscriber information” means any information held by a service provider relating to a subscriber "
    "other than traffic data;",
    "(xxx) “traffic data” includes data relating to a communication indicating its origin, destination and route;",
]
ARTICLE = [
    "1. “Attacks” means acts of violence against the adversary, whether in offence or in defence.",
    "2. The provisions of this Protocol with respect to attacks apply to all attacks in whatever territory conducted.",
]


def parts_of(texts: list[str], unit: str = "act/s-2/1") -> tuple[str, list[Part]]:
    text, parts, at = "\n".join(texts), [], 0
    for n, piece in enumerate(texts):
        parts.append(Part(f"{unit}/{n}", f"s. 2(1)({n})", f"Act, s. 2(1)({n})", at, at + len(piece), 100 + at,
                          100 + at + len(piece)))
        at += len(piece) + 1
    return text, parts


@pytest.mark.parametrize(
    ("texts", "query", "expected"),
    [
        # the one definition holding the asked term
        (DEFINITIONS, "what is subscriber information?", 1),
        (DEFINITIONS, "how is traffic data defined", 2),
        # "information" is in two definitions, "subscriber" in one: the telling term decides
        (DEFINITIONS, "subscriber information held by providers", 1),
        # a term in two parts: the part that opens with it, as a definition opens with its term
        (DEFINITIONS, "who is a provider", 0),
        # a term every part holds tells nothing: both paragraphs speak of attacks, no guess
        (ARTICLE, "does a cyber operation count as an attack?", None),
        (ARTICLE, "attacks whatever the territory", 1),
        (ARTICLE, "acts of violence against the adversary", 0),
        # no word of the question in any part
        (ARTICLE, "notification of a personal data breach", None),
    ],
)
def test_the_subdivision_holding_most_of_the_telling_terms_is_singled_out(texts, query, expected):
    text, parts = parts_of(texts)
    found = pinpoint(query_terms(query), text, parts)
    assert (parts.index(found) if found else None) == expected


def doc(texts: list[str]) -> Document:
    text, parts = parts_of(texts)
    meta = {"provision_id": "act/s-2/1", "unit_id": "act/s-2", "label": "s. 2(1)", "citation": "Act, s. 2(1)",
            "text": text, "start": 100, "end": 100 + len(text), "page": None, "parts": [list(p) for p in parts]}
    return Document(id="p1", content=text, meta=meta)


def test_a_narrowed_result_carries_the_subdivisions_text_citation_and_offsets():
    [narrowed] = Pinpointer().run([doc(DEFINITIONS)], ["hybrid"], "what is subscriber information?")["documents"]
    assert narrowed.content == narrowed.meta["text"] == DEFINITIONS[1]
    assert (narrowed.meta["provision_id"], narrowed.meta["label"], narrowed.meta["citation"]) == (
        "act/s-2/1/1", "s. 2(1)(1)", "Act, s. 2(1)(1)")
    start = 100 + len(DEFINITIONS[0]) + 1
    assert (narrowed.meta["start"], narrowed.meta["end"]) == (start, start + len(DEFINITIONS[1]))
    assert narrowed.meta["unit_id"] == "act/s-2" and narrowed.meta["parts"] == []


def test_a_provision_a_typed_citation_opened_is_returned_as_cited():
    opened = doc(DEFINITIONS)
    assert Pinpointer().run([opened], ["citation"], "subscriber information")["documents"] == [opened]
