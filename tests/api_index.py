"""A small real index for the API and page tests: hand-made passages (paraphrases, not the corpus texts)
of catalogued instruments, one text the catalogue does not list, and one passage as the ingest cuts it from the
Wiretap Act (18 U.S.C. § 2511(2)(d), a pinpoint printed in lowercase), embedded by the bundled model into an
embedded Qdrant Edge store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.model import Instrument, Passage
from cyberlex.index.embedders import DenseEncoder
from cyberlex.index.indexer import Indexer
from cyberlex.index.search import Searcher
from cyberlex.settings import Settings
from cyberlex.index.store import open_store
from cyberlex.ingest.passages import to_passages
from segment_corpus import instrument, provision

BUDAPEST = "budapest-convention"
GDPR = "gdpr-2016-679"
NIS2 = "eu-nis2-directive-2022-2555"
CHARTER = "un-charter"
WIRETAP = "us-wiretap-act-18usc2510"
CONSENT = f"{WIRETAP}/s-2511/2/d"  # "It shall not be unlawful ... where one of the parties ... has given prior consent"
NOTES = "my-firm-notes"  # a user's own text: indexed, not catalogued

NOTES_FACTS = {"title": "Our firm's notes on incident response", "short_title": "Firm notes", "kind": "document",
               "jurisdiction": "unknown", "language": "en", "status": "not-applicable", "binding": False}

# (instrument, unit, sub, label, heading, path, text): one passage each, in text order per instrument
PASSAGES = [
    (BUDAPEST, "art-2", (), "Art. 2", "Illegal access", ("Chapter II", "Title 1"),
     "Each Party shall make it a criminal offence under its domestic law to access a computer system, "
     "in whole or in part, intentionally and without right."),
    (BUDAPEST, "art-29", ("1",), "Art. 29(1)", "Expedited preservation of stored computer data", ("Chapter III",),
     "1. A Party may ask another Party to order the expeditious preservation of computer data stored "
     "on its territory, before a request for mutual assistance to search or seize that data."),
    (BUDAPEST, "art-29", ("2",), "Art. 29(2)", "Expedited preservation of stored computer data", ("Chapter III",),
     "2. A request for preservation shall name the authority asking for it, the offence under "
     "investigation, the stored data to be preserved and why preservation is necessary."),
    (BUDAPEST, "art-29", ("3",), "Art. 29(3)", "Expedited preservation of stored computer data", ("Chapter III",),
     "3. The requested Party shall take all appropriate measures to preserve the specified data "
     "expeditiously; dual criminality shall not be required for preservation."),
    (BUDAPEST, "art-30", (), "Art. 30", "Expedited disclosure of preserved traffic data", ("Chapter III",),
     "Where preserving traffic data shows that a service provider in another State took part in the "
     "transmission, the requested Party shall disclose enough traffic data to identify that provider."),
    (GDPR, "art-33", (), "Art. 33", "Notification of a personal data breach to the supervisory authority",
     ("Chapter IV", "Section 2"),
     "In the case of a personal data breach, the controller shall notify the supervisory authority "
     "without undue delay and, where feasible, not later than 72 hours after becoming aware of it."),
    (NIS2, "art-23", (), "Art. 23", "Reporting obligations", ("Chapter IV",),
     "Essential and important entities shall notify the CSIRT of any significant incident, with an early "
     "warning within 24 hours of becoming aware of it and an incident notification within 72 hours."),
    (CHARTER, "art-51", (), "Art. 51", "", ("Chapter VII",),
     "Nothing in the Charter impairs the inherent right of individual or collective self-defence if an "
     "armed attack occurs against a Member of the United Nations."),
    (NOTES, "para-1", (), "Para. 1", "Who to call", (),
     "When ransomware encrypts client files, call the incident response partner first and keep logs."),
]


def facts(instrument: Instrument) -> dict:
    return {"title": instrument.title, "short_title": instrument.short_title, "kind": instrument.kind,
            "jurisdiction": instrument.jurisdiction, "language": instrument.language,
            "status": instrument.status, "binding": instrument.binding}


def passages(catalog: Catalog) -> dict[str, list[Passage]]:
    """The passages, per instrument, citations written the way the catalogue cites each instrument."""
    by_instrument: dict[str, list[Passage]] = {}
    for n, (iid, unit, sub, label, heading, path, text) in enumerate(PASSAGES):
        known = iid in catalog
        cited_as = catalog.get(iid).citation if known else NOTES_FACTS["title"]
        unit_id = f"{iid}/{unit}"
        chunk = len([p for p in by_instrument.get(iid, []) if p.unit_id == unit_id])
        by_instrument.setdefault(iid, []).append(Passage(
            provision_id="/".join((unit_id, *sub)), unit_id=unit_id, chunk=chunk, instrument_id=iid,
            label=label, heading=heading, path=path, citation=f"{cited_as}, {label.lower()}", text=text,
            start=n * 1000, end=n * 1000 + len(text),
            metadata=facts(catalog.get(iid)) if known else dict(NOTES_FACTS),
        ))
    cut = to_passages([provision(WIRETAP, "s-2511")], instrument(WIRETAP))
    by_instrument[WIRETAP] = [p for p in cut if p.provision_id == CONSENT]
    return by_instrument


@contextmanager
def small_index(data_dir: Path, catalog: Catalog) -> Iterator[tuple[Settings, Searcher]]:
    settings = Settings(data_dir=data_dir)
    encoder = DenseEncoder.from_settings(settings)
    store = open_store(settings)
    indexer = Indexer(settings, store, encoder)
    for iid, found in passages(catalog).items():
        indexer.index(iid, found)
    searcher = Searcher(settings, store=store, embedder=encoder, catalog=catalog)
    searcher.warm_up()
    try:
        yield settings, searcher
    finally:
        searcher.close()
        store.close()
