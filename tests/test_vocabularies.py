"""GET /vocabularies serves the vocabularies the Python defines, and the page keeps no copy of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cyberlex.api.main import create_app
from cyberlex.api.routes.page import STATIC
from cyberlex.corpus.catalog import KINDS, LANGUAGES, PASSAGE_STATUSES, Catalog
from cyberlex.corpus.citations import unit_label
from cyberlex.ingest.deontic import ADDRESSEES, FORCES
from cyberlex.settings import Settings

BUDAPEST = "budapest-convention"
FORMER_LANGUAGE_NAMES = ("English", "Arabic", "Japanese", "Thai")  # what app.js used to map the codes to


@pytest.fixture(scope="module")
def vocabularies(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> dict:
    """Served by an app whose index was never opened: the route needs none."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("no-index")), catalog=catalog)
    client = TestClient(app)
    assert client.get("/search", params={"q": "data"}).status_code == 503
    response = client.get("/vocabularies")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_route_serves_the_python_vocabularies(vocabularies: dict, catalog: Catalog) -> None:
    assert vocabularies["forces"] == list(FORCES)
    assert vocabularies["addressees"] == list(ADDRESSEES)
    assert vocabularies["kinds"] == list(KINDS)
    assert vocabularies["statuses"] == list(PASSAGE_STATUSES)
    assert vocabularies["languages"] == list(LANGUAGES)
    assert vocabularies["jurisdictions"] == catalog.values("jurisdiction")
    assert "Council of Europe" in vocabularies["jurisdictions"]


@pytest.mark.parametrize(("unit", "prefix", "number"), [
    ("art-29", "art", "29"), ("s-14", "s", "14"), ("rule-6", "rule", "6"), ("recital-85", "recital", "85"),
    ("annex-2", "annex", "2"), ("para-3", "para", "3"), ("part-4", "part", "4"), ("preamble", "preamble", ""),
])
def test_unit_words_are_those_labels_print(vocabularies: dict, catalog: Catalog, unit: str, prefix: str,
                                           number: str) -> None:
    word = vocabularies["units"][prefix]
    assert unit_label(unit, (), catalog.get(BUDAPEST)) == " ".join(filter(None, (word, number)))


def test_the_page_keeps_no_copy_of_the_vocabularies(vocabularies: dict) -> None:
    """A copy is an array or object literal holding two or more values of one vocabulary (a single value, such as
    an intent named "definition", is not one)."""
    script = Path(STATIC, "app.js").read_text()
    literals = re.findall(r"[\[{][^\[\]{}]*[\]}]", script)
    for vocabulary in (vocabularies["forces"], vocabularies["addressees"], list(vocabularies["units"].values()),
                       FORMER_LANGUAGE_NAMES):
        for literal in literals:
            held = [v for v in vocabulary if re.search(rf"""["'`]{re.escape(v)}["'`]""", literal)]
            assert len(held) < 2, f"app.js copies {held} in {literal[:80]}"
    assert "/vocabularies" in script
