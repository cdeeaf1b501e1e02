"""Fixtures every test module may use. Test helpers that build small indexes live beside this file
(api_index.py, legal_index.py, segment_corpus.py, browser.py) and are imported by the modules that need them."""

from __future__ import annotations

import os

import pytest

from cyberlex.corpus.catalog import Catalog, load_catalog

# With CYBERLEX_ADAPT on, `cyberlex ingest` adapts the embedder to the whole catalogue first, minutes of training:
# tests (and the ingest and serve subprocesses they start, which inherit this) embed with the model as shipped
# whatever the developer's environment says; test_train.py turns it on where it is the point.
os.environ["CYBERLEX_ADAPT"] = "false"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The shipped catalogue, loaded once per run."""
    return load_catalog()
