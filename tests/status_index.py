"""The instruments the provision-status tests index: RA 10175, parts of which Disini v. Secretary of Justice struck
down, and the ECHR, an amended instrument held in an older text (Protocol No. 15 amended some articles since); built
by ``cyberlex ingest`` once per test run (tests/legal_index.py), shared by the API and page tests."""

from __future__ import annotations

RA10175 = "philippines-cybercrime-prevention-act-2012"
ECHR = "echr-1950"
INSTRUMENTS = (RA10175, ECHR)
