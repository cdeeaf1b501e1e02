"""Comparison across jurisdictions: for one provision (or a question), its counterpart in every other instrument,
one row each, with the sentence that carries the match (SHERLOC's offence-by-country grid, from what the index
already has).

Candidates, per other instrument: its passages nearest by meaning to the source's heading and text (dense), its
passages best by the source's words (the sparse index), and every passage of its units whose headings are nearest
the source's heading, of the units the legal index's related provisions (``index/legal.py``) list for the source,
and of the units the source refers to or that refer to it (the references resolver). Like is compared with like:
a rule with rules (no recitals, preambles, annexes or definitions), a definition with definitions.

Each candidate unit scores the cosine of its nearest passage + ``HEADING_WEIGHT`` × its heading's cosine with the
source's heading + ``LEXICAL_WEIGHT`` × its best lexical score over the instrument's best + ``VOUCHED_WEIGHT`` when
related provisions or a reference name it. Headings weigh most because they are the drafter's own name for the
rule ("Unauthorised access to computer material" against "Access with intent to commit ... offence"); the weights
were set by reading Budapest arts. 2-10 against the concordance (``evals/data/concordance.tsv``), not per pair.
The best unit is the counterpart. A unit far from the source by meaning (cosine under ``FLOOR``) that nothing
vouches for is left out; one under ``WEAK`` is kept, flagged weak, and sorted last.

The key sentence is the rule the row shows: among the unit's sentences, the one sharing the most words of the
source's anchor (its heading and its first sentence that states an obligation, prohibition or permission), each
word weighted by its IDF over the unit's sentences and the sum divided by the square root of the sentence's
length, so that the sentence naming the conduct beats a chapeau or a penalty that repeats the instrument's
vocabulary; a tie goes to the earlier sentence. The counterpart's id and citation are those of the deepest
subdivision whose line holds the key sentence (s. 4(a)(1), § 1030(a)(2), not s. 4 or § 1030), and its force is
the key sentence's (else its passage's, else its unit's).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from haystack.dataclasses import SparseEmbedding

from cyberlex.corpus.catalog import Catalog
from cyberlex.corpus.model import Passage, ProvisionId
from cyberlex.index.documents import to_passage
from cyberlex.index.embedders import DenseEncoder, embedding_text
from cyberlex.index.legal import NOT_RULES, LegalIndex, instrument_group
from cyberlex.index.provisions import ProvisionReader, ProvisionView, unit_id_of
from cyberlex.index.sparse import encode_query, tokenize
from cyberlex.index.store import Store
from cyberlex.ingest.deontic import sentences, tag

CANDIDATES = 10  # passages per list and instrument, units by heading
FLOOR = 0.45  # dense cosine under which a counterpart that nothing else vouches for is left out
WEAK = 0.55  # ... and under which one kept is flagged weak, unless vouched for
HEADING_WEIGHT = 1.5  # the heading's cosine, added to the nearest passage's
LEXICAL_WEIGHT = 0.25  # the share of the instrument's best lexical score
VOUCHED_WEIGHT = 0.1  # named by the concordance or a reference
RULES = ("obligation", "prohibition", "permission")
QUERY_CHARS = 2000  # of the source's text: MiniLM reads ~256 word pieces, the lexical leg a few hundred words


@dataclass(frozen=True)
class Counterpart:
    passage: Passage  # the passage holding the key sentence: its instrument's facts, status, tags
    provision: ProvisionView  # the deepest subdivision holding the key sentence: its id, citation, heading
    key_sentence: str
    force: tuple[str, ...]  # of the key sentence, else of the passage
    score: float  # what chose it among the instrument's units (see the module's docstring); rows are in its order
    similarity: float  # dense cosine of the unit's nearest passage with the source
    vouched: tuple[str, ...]  # besides meaning and words, what names it: related (the concordance), reference
    weak: bool  # far by meaning and vouched for by nothing


@dataclass(frozen=True)
class Comparison:
    query: str  # what was compared: the source's heading and text, or the question
    source: ProvisionView | None
    rows: list[Counterpart]


class Comparer:
    """Builds comparisons from the store, the dense encoder and (when built) the legal index."""

    def __init__(self, store: Store, encoder: DenseEncoder, catalog: Catalog, legal: LegalIndex | None):
        self.store = store
        self.encoder = encoder
        self.catalog = catalog
        self.legal = legal
        self.reader = ProvisionReader(store)
        self._headings: tuple[list[tuple[str, str]], np.ndarray] | None = None

    def provision(self, view: ProvisionView) -> Comparison:
        """The counterparts of a provision in every other instrument."""
        query = f"{view.heading}\n{view.text}".strip()[:QUERY_CHARS]
        anchor = f"{view.heading}\n{anchor_sentence(view.text)}"
        return Comparison(query, view, self._compare(query, anchor, view.heading, view, self._vouched(view)))

    def question(self, query: str) -> Comparison:
        """The provision of every instrument that best answers a question (checked by the caller)."""
        return Comparison(query, None, self._compare(query, query, query, None, {}))

    def _vouched(self, view: ProvisionView) -> dict[str, dict[str, list[str]]]:
        """Signal (related, reference) → instrument group → the units it names there, in its order."""
        vouched: dict[str, dict[str, list[str]]] = {"related": defaultdict(list), "reference": defaultdict(list)}
        if self.legal is None:
            return vouched
        if view.unit_id in self.legal.units:
            for related in self.legal.related(view.unit_id):
                unit = related.unit
                vouched["related"][instrument_group(unit.instrument_id, self.catalog)].append(unit.id)
        refs = [r.target for r in self.legal.outgoing(view.provision_id, view.text) if r.resolved and "/" in r.target]
        refs += [r.source for r in self.legal.incoming(view.provision_id)]
        for target in refs:
            unit = unit_id_of(target)
            group = instrument_group(ProvisionId.parse(unit).instrument, self.catalog)
            if unit not in vouched["reference"][group]:
                vouched["reference"][group].append(unit)
        return vouched

    def _compare(self, query: str, anchor: str, heading: str, source: ProvisionView | None,
                 vouched: dict[str, dict[str, list[str]]]) -> list[Counterpart]:
        vector = np.asarray(self.encoder.embed_query(query), dtype=np.float32)
        headings = self._heading_cosines(heading)
        sparse = encode_query(query)
        exclude = instrument_group(source.instrument_id, self.catalog) if source else ""
        like = _Like.of(source)
        groups: dict[str, list[str]] = defaultdict(list)
        for iid in self.store.facet("instrument_id"):
            groups[instrument_group(iid, self.catalog)].append(iid)
        nearest: dict[str, list[str]] = defaultdict(list)  # group → its units, nearest heading first
        for unit, (_, group) in sorted(headings.items(), key=lambda item: -item[1][0]):
            if len(nearest[group]) < CANDIDATES:
                nearest[group].append(unit)
        cosines = {unit: cosine for unit, (cosine, _) in headings.items()}
        rows = []
        for group, iids in groups.items():
            if group == exclude:
                continue
            named = {n: units.get(group, []) for n, units in vouched.items()}
            candidates = self._candidates(vector, sparse, iids, [*nearest[group], *(u for us in named.values()
                                                                                   for u in us)], like)
            row = self._best(anchor, candidates, cosines, named)
            if row is not None:
                rows.append(row)
        return sorted(rows, key=lambda r: (r.weak, -r.score))

    def _heading_cosines(self, heading: str) -> dict[str, tuple[float, str]]:
        """Unit id → cosine of its heading with ``heading``, and its instrument group (the headings' embeddings
        are in the cache: the legal index embedded them at ingest)."""
        if self.legal is None or not heading.strip():
            return {}
        if self._headings is None:
            units = [u for u in self.legal.units.values() if u.heading]
            vectors = np.asarray(self.encoder.embed([u.heading for u in units]), dtype=np.float32)
            self._headings = ([(u.id, instrument_group(u.instrument_id, self.catalog)) for u in units], vectors)
        units, vectors = self._headings
        cosines = vectors @ np.asarray(self.encoder.embed_query(heading), dtype=np.float32)
        return {uid: (float(c), group) for (uid, group), c in zip(units, cosines)}

    def _candidates(self, vector: np.ndarray, sparse: SparseEmbedding, iids: list[str], units: list[str],
                    like: _Like) -> list[_Candidate]:
        """The instrument's passages nearest by meaning, best by words, and those of ``units`` (nearest by heading,
        related, referred to), each with its cosine and its share of the best lexical score."""
        where = {"instrument_id": iids}
        found: dict[str, Passage] = {}
        lexical: dict[str, float] = {}
        for payload, _ in self.store.query(dense=vector.tolist(), where=where, limit=CANDIDATES):
            found.setdefault(_key(payload), to_passage(payload))
        for payload, _ in self.store.query(sparse=sparse, where=where, limit=CANDIDATES):
            found.setdefault(_key(payload), to_passage(payload))
        if units:
            for _, payload in self.store.scroll({"unit_id": list(dict.fromkeys(units))}):
                found.setdefault(_key(payload), to_passage(payload))
        # every candidate's own lexical score, not only the best ones'
        units = list(dict.fromkeys(p.unit_id for p in found.values()))
        for payload, score in self.store.query(sparse=sparse, where={"unit_id": units}, limit=len(found)):
            lexical[_key(payload)] = float(score)
        admitted = [(k, p) for k, p in found.items() if like.admits(p)]
        if not admitted:
            return []
        cosines = np.asarray(self.encoder.embed([embedding_text(p) for _, p in admitted]), dtype=np.float32) @ vector
        top = max(lexical.values(), default=0.0) or 1.0
        return [_Candidate(p, float(c), lexical.get(k, 0.0) / top) for (k, p), c in zip(admitted, cosines)]

    def _best(self, anchor: str, candidates: list[_Candidate], headings: dict[str, float],
              named: dict[str, list[str]]) -> Counterpart | None:
        """The instrument's counterpart: the unit of the best score, pinpointed to the line of its key sentence."""
        if not candidates:
            return None
        units: dict[str, list[_Candidate]] = defaultdict(list)
        for c in candidates:
            units[c.passage.unit_id].append(c)
        vouchers = {u: tuple(n for n, us in named.items() if u in us) for u in units}

        def score(unit: str) -> float:
            held = units[unit]
            return (max(c.cosine for c in held) + HEADING_WEIGHT * headings.get(unit, 0.0)
                    + LEXICAL_WEIGHT * max(c.lexical for c in held) + VOUCHED_WEIGHT * bool(vouchers[unit]))

        unit = max(units, key=score)
        held = sorted(units[unit], key=lambda c: c.passage.chunk)
        if max(c.cosine for c in held) < FLOOR and not vouchers[unit]:
            return None
        sentences_held = [(s.strip(), c) for c in held for s in sentences(c.passage.text)]
        sentence, chosen = sentences_held[key_sentence(anchor, [s for s, _ in sentences_held])]
        view = self.reader.holding(unit, sentence)
        passage = chosen.passage
        force = (tag(sentence, passage.heading).force or tuple(passage.metadata.get("force", ()))
                 or (self.legal.units[unit].force if self.legal and unit in self.legal.units else ()))
        similarity = max(c.cosine for c in held)
        return Counterpart(passage, view, sentence, force, round(score(unit), 4), round(similarity, 4),
                           vouchers[unit], similarity < WEAK and not vouchers[unit])


@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    cosine: float  # with the source, dense
    lexical: float  # its sparse score over the instrument's best one; 0 when not among the best by words


def _key(payload: dict) -> str:
    return Passage.key_of(payload["unit_id"], payload["chunk"])


@dataclass(frozen=True)
class _Like:
    """Like is compared with like: a rule with rules (no recitals, preambles, annexes, definitions), a
    definition with definitions; a question with anything."""

    rules: bool
    definitions: bool

    @classmethod
    def of(cls, source: ProvisionView | None) -> _Like:
        if source is None:
            return cls(False, True)
        kind = ProvisionId.parse(source.unit_id).kind
        forces = {f for p in source.passages for f in p.metadata.get("force", ())}
        return cls(kind not in NOT_RULES, "definition" in forces)

    def admits(self, passage: Passage) -> bool:
        if self.rules and ProvisionId.parse(passage.unit_id).kind in NOT_RULES:
            return False
        return self.definitions or tuple(passage.metadata.get("force", ())) != ("definition",)


def anchor_sentence(text: str) -> str:
    """The provision's first sentence that states a rule (an obligation, prohibition or permission): what its
    counterparts' key sentences are matched against; the whole text when none does."""
    return next((s for s in sentences(text) if set(tag(s).force) & set(RULES)), text)


def key_sentence(anchor: str, candidates: Sequence[str]) -> int:
    """Which of the ``candidates`` (a unit's sentences, in order) best carries ``anchor``'s words: the rule in the
    module's docstring, with IDF over the candidates themselves."""
    wanted = set(tokenize(anchor))
    tokens = [tokenize(c) for c in candidates]
    df = Counter(t for found in tokens for t in set(found))
    idf = {t: math.log((1 + len(tokens)) / (1 + df[t])) + 1 for t in wanted}
    scores = [sum(idf[t] for t in wanted & set(found)) / math.sqrt(len(found)) if found else -1.0
              for found in tokens]
    return max(range(len(candidates)), key=lambda n: (scores[n], -n))
