"""The fixed vocabularies of cyberlex, served from the Python that defines them: the page (and any client) asks
for them instead of keeping copies that drift when a tag or a unit is added."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cyberlex.api.deps import CatalogDep
from cyberlex.api.inventory import instrument_from_facts
from cyberlex.corpus.catalog import KINDS, LANGUAGES, PASSAGE_STATUSES, Catalog
from cyberlex.corpus.citations import unit_label
from cyberlex.corpus.model import UNIT_PREFIXES
from cyberlex.ingest.deontic import ADDRESSEES, FORCES

router = APIRouter(tags=["vocabularies"])


class VocabulariesOut(BaseModel):
    units: dict[str, str] = Field(
        description="the word a label prints for each unit of a provision id: `art` → `Art.` (`art-29` is `Art. 29`)"
    )
    forces: list[str] = Field(description="deontic forces a passage can be tagged with (the `force` filter)")
    addressees: list[str] = Field(description="whom a passage can bind or empower (the `addressee` filter)")
    kinds: list[str] = Field(description="kinds of instrument")
    statuses: list[str] = Field(description="statuses of a provision, its own or else its instrument's (the `status` "
                                            "filter)")
    jurisdictions: list[str] = Field(description="the catalogue's jurisdictions")
    languages: list[str] = Field(description="ISO 639-1 codes of the languages texts may be in")


def unit_words() -> dict[str, str]:
    """Asked of the function that writes labels, with a placeholder number it prints as given; the instrument
    is one of no particular tradition, since sections of the US Code print as "§" instead of a word."""
    plain = instrument_from_facts("any", {})
    return {prefix: unit_label(prefix if prefix == "preamble" else f"{prefix}-N", (), plain).removesuffix(" N")
            for prefix in UNIT_PREFIXES}


def vocabularies_of(catalog: Catalog) -> VocabulariesOut:
    return VocabulariesOut(
        units=unit_words(),
        forces=list(FORCES),
        addressees=list(ADDRESSEES),
        kinds=list(KINDS),
        statuses=list(PASSAGE_STATUSES),
        jurisdictions=catalog.values("jurisdiction"),
        languages=list(LANGUAGES),
    )


@router.get("/vocabularies")
def vocabularies(catalog: CatalogDep) -> VocabulariesOut:
    """Units, deontic tags and the catalogue's fields, in their canonical order (jurisdictions sorted).
    Needs no index: the page fills its tag filters even while the store is unavailable."""
    return vocabularies_of(catalog)
