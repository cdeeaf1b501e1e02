"""Provisions written out for a brief or a reference manager: a citation list (OSCOLA, Bluebook), CSV or RIS.

Every format carries the provision's own text and citation as the index has them; only the citation lists
reword the citation (``corpus.styles``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from cyberlex.corpus.model import Instrument
from cyberlex.corpus.styles import STYLES, cite_as

CSV_COLUMNS = ("citation", "id", "heading", "text", "status", "url")
# RIS reference types (the RIS specification's list): a statute; a treaty, an EU act or another legal rule; a
# report; soft law published by a government or an international body; anything else (a user's own file).
RIS_TYPES = {"national-law": "STAT", "regional-law": "LEGAL", "treaty": "LEGAL", "protocol": "LEGAL",
             "un-report": "RPRT", "soft-law-manual": "GOVDOC"}


@dataclass(frozen=True)
class Format:
    media_type: str
    extension: str


FORMATS = {
    "oscola": Format("text/plain; charset=utf-8", "txt"),
    "bluebook": Format("text/plain; charset=utf-8", "txt"),
    "csv": Format("text/csv; charset=utf-8", "csv"),
    "ris": Format("application/x-research-info-systems; charset=utf-8", "ris"),
}


@dataclass(frozen=True)
class ExportItem:
    """One provision to write out: what a result card or the provision view shows of it."""

    provision_id: str
    label: str  # as printed: "Art. 29(3)"
    heading: str
    citation: str  # as the index cites it: "Convention on Cybercrime (ETS No. 185), art. 29(3)"
    text: str
    url: str  # the provision on the page
    instrument: Instrument

    @property
    def status(self) -> str:
        """The provision's own status (struck down, repealed, ...) where the catalogue records one, else its
        instrument's."""
        entry = self.instrument.status_of(self.provision_id)
        return entry.status if entry else self.instrument.status

    @property
    def status_note(self) -> str:
        """Where the status comes from: the source of the provision's entry, else the instrument's note."""
        entry = self.instrument.status_of(self.provision_id)
        if entry is None:
            return self.instrument.status_note
        return "; ".join(filter(None, (entry.source, entry.note)))


def render(fmt: str, items: list[ExportItem]) -> str:
    """The items in ``fmt`` (a key of FORMATS), in their order."""
    if fmt in STYLES:
        return "".join(f"{cite_as(fmt, i.instrument, i.provision_id, i.label)}\n" for i in items)
    if fmt == "csv":
        return _csv(items)
    return "".join(_ris(i) for i in items)


def _csv(items: list[ExportItem]) -> str:
    """With a byte-order mark, so that a spreadsheet reads the UTF-8 (§, ‘’, Arabic, Thai) as such."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows((i.citation, i.provision_id, i.heading, i.text, i.status, i.url) for i in items)
    return "\ufeff" + out.getvalue()


def _ris(item: ExportItem) -> str:
    """One record; a value spans one line, so the text's line breaks become spaces."""
    inst = item.instrument
    title = f"{item.label} — {item.heading}" if item.heading else item.label
    note = f"{item.citation}. Status: {item.status.replace('-', ' ')}" + (
        f" ({item.status_note})" if item.status_note else "")
    tags = [
        ("TY", RIS_TYPES.get(inst.kind, "GEN")),
        ("TI", title),
        ("T2", inst.title),
        ("ST", inst.short_title),
        ("PY", str(inst.adopted.year) if inst.adopted else ""),
        ("DA", f"{inst.adopted:%Y/%m/%d}" if inst.adopted else ""),
        ("CY", inst.jurisdiction),
        ("LA", inst.language),
        ("ID", item.provision_id),
        ("UR", item.url),
        ("N1", note),
        ("AB", " ".join(item.text.split())),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in tags if value or tag == "ER")
