"""A bounded load test of a running cyberlex API, on the loopback interface only.

    python -m evals.load --url http://127.0.0.1:8000 --clients 8 --seconds 120

Each client is a thread with its own HTTP connection that sends requests back to back until the time is
up, cycling through a mix written here (not the dev set): plain-language questions, typed citations,
and questions with filters. Reports requests per second, latency percentiles (overall and per kind) and
errors (non-200 answers and transport failures, by cause). The mix repeats, so the server's query-embedding
cache answers most questions; ``--uncached`` numbers each question ("… (#17)") so that every one is embedded.
"""

from __future__ import annotations

import argparse
import ipaddress
import itertools
import json
import random
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import numpy as np

Params = dict[str, str | int | list[str]]

QUESTIONS = [
    "what must a state do when another state asks it to preserve stored computer data",
    "is accessing a computer without authorisation a crime",
    "how fast must an operator report a significant cyber incident",
    "may a state use force in self-defence against an armed attack",
    "which authority supervises the processing of personal data",
    "obligations of providers to retain traffic data",
    "interception of communications content by law enforcement",
    "security requirements for products with digital elements",
]
CITATIONS = ["Budapest art. 29", "GDPR Art. 32", "18 U.S.C. 1030(a)(2)", "NIS2 Art. 23", "UN Charter art. 51",
             "Article 33 GDPR", "s. 14 Kenya Computer Misuse and Cybercrimes Act"]
FILTERED: list[Params] = [
    {"q": "notification of a personal data breach", "jurisdiction": "EU", "k": 5},
    {"q": "illegal access offence", "binding": "true", "kind": ["treaty", "national-law"]},
    {"q": "mutual assistance between parties", "instrument": "budapest-convention", "k": 20},
    {"q": "critical infrastructure protection", "jurisdiction": "US", "mode": "sparse"},
    {"q": "definition of computer data", "language": "en", "mode": "dense"},
]
MIX: list[tuple[str, Params]] = (
    [("question", {"q": q}) for q in QUESTIONS]
    + [("citation", {"q": c}) for c in CITATIONS]
    + [("filtered", p) for p in FILTERED]
)


@dataclass
class LoadReport:
    seconds: float
    clients: int
    latencies: dict[str, list[float]] = field(default_factory=dict)  # kind → seconds of each 200 answer
    errors: Counter[str] = field(default_factory=Counter)  # cause → count

    @property
    def requests(self) -> int:
        return sum(map(len, self.latencies.values())) + sum(self.errors.values())

    def percentiles(self, kind: str | None = None) -> dict[str, float]:
        """p50/p95/p99 in milliseconds, of one kind or of all."""
        values = self.latencies.get(kind, []) if kind else [v for vs in self.latencies.values() for v in vs]
        if not values:
            return {}
        return {f"p{q}": float(np.percentile(values, q)) * 1000 for q in (50, 95, 99)}

    def to_dict(self) -> dict:
        return {
            "seconds": round(self.seconds, 1), "clients": self.clients, "requests": self.requests,
            "requests_per_second": round(self.requests / self.seconds, 2), "errors": dict(self.errors),
            "latency_ms": {"all": self.percentiles(), **{k: self.percentiles(k) for k in sorted(self.latencies)}},
        }


def require_loopback(url: str) -> str:
    """The base URL, if its host is this machine; a load test never goes out on the network."""
    host = urlsplit(url).hostname or ""
    try:
        address = ipaddress.ip_address(socket.gethostbyname(host))
    except (OSError, ValueError):
        raise SystemExit(f"cannot resolve the host of {url!r}") from None
    if not address.is_loopback:
        raise SystemExit(f"{url!r} is not a loopback address; the load test runs against 127.0.0.1 or localhost only")
    return url.rstrip("/")


def run_load(url: str, clients: int, seconds: float, seed: int = 0, uncached: bool = False) -> LoadReport:
    report = LoadReport(seconds=seconds, clients=clients)
    lock = threading.Lock()
    started_all = time.perf_counter()
    deadline = started_all + seconds

    def client(n: int) -> None:
        order = random.Random(seed + n).sample(MIX, len(MIX))  # each client its own order of the same mix
        mine: dict[str, list[float]] = {}
        errors: Counter[str] = Counter()
        with httpx.Client(base_url=url, timeout=60) as http:
            for i in itertools.count():
                if time.perf_counter() >= deadline:
                    break
                kind, params = order[i % len(order)]
                if uncached and kind != "citation":
                    params = {**params, "q": f"{params['q']} (#{n}.{i})"}
                started = time.perf_counter()
                try:
                    response = http.get("/search", params=params)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                if response.status_code == 200:
                    mine.setdefault(kind, []).append(time.perf_counter() - started)
                else:
                    errors[f"HTTP {response.status_code}"] += 1
        with lock:
            for kind, values in mine.items():
                report.latencies.setdefault(kind, []).extend(values)
            report.errors.update(errors)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.perf_counter() - started_all  # the last requests end after the deadline
    return report


def print_report(report: LoadReport) -> None:
    summary = report.to_dict()
    print(f"{summary['requests']} requests in {summary['seconds']} s from {report.clients} clients: "
          f"{summary['requests_per_second']} requests/s; errors: {summary['errors'] or 'none'}")
    for kind, p in summary["latency_ms"].items():
        shown = ", ".join(f"{name} {value:.0f} ms" for name, value in p.items()) or "no answers"
        count = sum(map(len, report.latencies.values())) if kind == "all" else len(report.latencies[kind])
        print(f"  {kind:9} {count:6}  {shown}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the API's base URL (loopback only)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=120, help="how long to run (at most 3600)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--uncached", action="store_true", help="number each question, so none is embedded twice")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 256 or not 0 < args.seconds <= 3600:
        parser.error("clients must be 1 to 256 and seconds more than 0, at most 3600")
    url = require_loopback(args.url)
    httpx.get(f"{url}/health", timeout=30).raise_for_status()  # fail now, not 8 × N times, if it is not up
    report = run_load(url, args.clients, args.seconds, args.seed, args.uncached)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2)
        print()
    else:
        print_report(report)
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
