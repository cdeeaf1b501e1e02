"""The shipped texts' manifest (``texts/manifest.json``): provenance per file and the sha256 that proves a text is
still byte-identical to its source. Artefacts of a source are mended in normalisation, never in the file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cyberlex.corpus.errors import ConversionError


def checksums(corpus_dir: Path) -> dict[str, str]:
    """File (relative to the corpus directory) → sha256, for every text and alternate the manifest lists.

    A corpus directory without a manifest (a user's own folder of texts) has no checksums to hold it to."""
    path = corpus_dir / "manifest.json"
    if not path.is_file():
        return {}
    sums: dict[str, str] = {}
    for entry in json.loads(path.read_text(encoding="utf-8")):
        for text in (entry, *entry.get("alternates", ())):
            if text.get("sha256"):
                sums[text["file"]] = text["sha256"]
    return sums


def verify(path: Path, expected: str) -> None:
    """Raise ConversionError naming the file and both digests when its bytes are not the manifest's."""
    found = hashlib.sha256(path.read_bytes()).hexdigest()
    if found != expected:
        raise ConversionError(
            str(path), f"sha256 {found[:12]}… does not match the manifest's {expected[:12]}…: the file differs from "
            "its source; restore it (texts stay byte-identical; fix artefacts in normalisation)"
        )
