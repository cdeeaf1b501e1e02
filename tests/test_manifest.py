"""The shipped texts are held to their manifest: a sha256 per file, checked before a catalogue text is parsed."""

import json
import shutil

import pytest

from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.errors import ConversionError
from cyberlex.corpus.manifest import checksums, verify
from cyberlex.ingest.pipeline import parse_instrument, resolve_sources
from cyberlex.settings import CORPUS_DIR

PROVENANCE = ("official_url", "retrieved", "license_note", "notes", "source", "sha256")


def test_every_shipped_text_and_alternate_matches_its_manifest_digest():
    sums = checksums(CORPUS_DIR)
    assert len(sums) == 43  # 42 instruments and the CRA's HTML alternate
    for name, digest in sums.items():
        verify(CORPUS_DIR / name, digest)


def test_every_manifest_entry_states_its_provenance():
    for entry in json.loads((CORPUS_DIR / "manifest.json").read_text(encoding="utf-8")):
        missing = [name for name in PROVENANCE if not entry.get(name)]
        assert not missing, (entry["id"], missing)


def test_catalogue_sources_carry_the_manifest_digest():
    sources = resolve_sources(load_catalog(), CORPUS_DIR)
    assert all(inst.sha256 == checksums(CORPUS_DIR)[inst.file] for _, inst in sources)


def test_an_edited_text_is_refused_with_both_digests_named(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    (corpus / "paris-call-2018.md").write_text("an edited text\n", encoding="utf-8")
    sources = dict((inst.id, (path, inst)) for path, inst in resolve_sources(load_catalog(), corpus))
    path, paris = sources["paris-call-2018"]
    with pytest.raises(ConversionError, match=r"paris-call-2018\.md: sha256 \w+… does not match the manifest's"):
        parse_instrument(path, paris)
    path, charter = sources["un-charter"]
    assert parse_instrument(path, charter).provisions  # the intact texts still parse


def test_a_folder_without_a_manifest_has_nothing_to_check(tmp_path):
    assert checksums(tmp_path) == {}
