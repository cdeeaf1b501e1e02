"""Hostile files and damaged stores, run against the real engine: what a user sees, how long it takes, and what
is lost (which must be nothing).

    python -m cyberlex.evals.faults [--work DIR]

Every case runs in a scratch data directory (a temporary one, or under ``--work``), never in CYBERLEX_DATA_DIR.
The hostile files are ingested beside two good corpus texts by ``cyberlex ingest``; each must be refused with its
reason, quickly, while the good texts are indexed whole. The store cases damage a small index the way a failing disk
or a careless hand would, and ``cyberlex check`` and the server's start must refuse it, saying to rebuild; a full
disk must be refused before anything is written. The files are built here; tests/test_bad_files.py,
tests/test_convert.py and tests/test_faults.py use the same builders.
"""

from __future__ import annotations

import io
import random

# ---- hostile files ---------------------------------------------------------------------------------------------

PAGE_TEXT = b"BT /F1 12 Tf 72 720 Td (Article 1 Every Party shall adopt such measures.) Tj ET"


def page_tree_bomb(levels: int = 14, pages: int = 3) -> bytes:
    """A PDF of ``pages`` real pages under a /Pages node whose /Kids list the node below twice, ``levels`` deep: a
    DAG whose /Count is pages * 2**levels (49,152 for the defaults) in about two kilobytes."""
    objects = {
        2: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        3: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(PAGE_TEXT), PAGE_TEXT),
    }
    leaves = list(range(4, 4 + pages))
    node = leaves[-1] + 1
    for leaf in leaves:
        objects[leaf] = (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 2 0 R >> "
                         b">> /Contents 3 0 R >>" % node)
    objects[node] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % n for n in leaves), pages)
    count = pages
    for _ in range(levels):
        count *= 2
        objects[node + 1] = b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count %d >>" % (node, node, count)
        node += 1
    objects[1] = b"<< /Type /Catalog /Pages %d 0 R >>" % node
    return _pdf(objects)


def _pdf(objects: dict[int, bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, objects[number]))
    xref, size = out.tell(), max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    out.write(b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size)))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return out.getvalue()


def nested_html(depth: int = 5000) -> bytes:
    """Text ``depth`` <div>s deep, between two ordinary paragraphs."""
    return (b"<html><body><p>Section 1 Before the nest.</p>" + b"<div>" * depth + b"Section 2 Deep in the nest."
            + b"</div>" * depth + b"<p>Section 3 After the nest.</p></body></html>")


def doctype_subset() -> bytes:
    """A DOCTYPE with an internal subset, whose "]>" an HTML parser leaves as text."""
    return (b'<!DOCTYPE html [ <!ENTITY notice "x"> ]><html><body><h2>Section 1 Scope</h2>'
            b"<p>This notice applies to every system.</p></body></html>")


UTF16_TEXT = "Section 1 Scope\nThis policy applies to the networks of cafés and hôtels.\n"


def utf16_without_bom(byteorder: str = "le") -> bytes:
    return UTF16_TEXT.encode(f"utf-16-{byteorder}")


def high_bytes(size: int = 20_000, seed: int = 3) -> bytes:
    """Random bytes from 0x80 up: no control character of C0, but no text either."""
    return bytes(random.Random(seed).randrange(0x80, 0x100) for _ in range(size))
