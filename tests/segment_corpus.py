"""The real corpus texts, converted and segmented once per test session (the PDFs take seconds each)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.model import Instrument, Provision
from cyberlex.ingest.convert import Converted, convert
from cyberlex.ingest.pipeline import user_instrument
from cyberlex.ingest.segment import segment
from cyberlex.settings import Settings

CORPUS = Settings().corpus_dir
FIXTURES = Path(__file__).parent / "fixtures" / "segment"
CRA = "eu-cyber-resilience-act-2024-2847"
CRA_HTML = "alternates/eu-cyber-resilience-act-2024-2847.html"


@cache
def manifest() -> tuple[dict, ...]:
    return tuple(json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8")))


@cache
def instrument(instrument_id: str) -> Instrument:
    return load_catalog().get(instrument_id)


@cache
def converted(file: str) -> Converted:
    """A corpus file as the ingest pipeline reads it (the format follows from the file name)."""
    return convert(CORPUS / file)


@cache
def provisions(instrument_id: str, file: str = "") -> tuple[Provision, ...]:
    inst = instrument(instrument_id)
    text = converted(file or inst.file)
    return tuple(segment(text.text, inst, text.pages))


def provision(instrument_id: str, unit: str) -> Provision:
    for p in provisions(instrument_id):
        if p.unit == unit:
            return p
    raise AssertionError(f"{instrument_id} has no {unit}; units: {[p.unit for p in provisions(instrument_id)]}")


def make_instrument(instrument_id: str, unit: str, language: str = "en") -> Instrument:
    """An instrument for a text that is not in the catalogue (fixtures, synthetic snippets)."""
    return user_instrument(Path(f"{instrument_id}.txt"), instrument_id, unit=unit, language=language)
