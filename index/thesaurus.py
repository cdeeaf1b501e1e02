"""Query expansion from lay words to the words statutes use: "hack" reaches "unauthorised access" and
"ICT-related incident", "regulator" "competent authority", "bank" "credit institution".

The lexical vectors match words, and people asking about the law rarely use the statutes' words. The
thesaurus adds statutory terms to the sparse query vector, each with a weight below the user's own terms
(weight 1), so the user's words still decide among the passages the added terms bring in, and a query
already in statutory words is left unchanged: no entry is keyed on a word the statutes use for the concept.

Its entries (``data/lay_terms.tsv``) are hand-written from general legal knowledge: the lay forms of an
entry (matched as whole words, singular or plural, the longest form first) and the statutory terms they
add, tokenized as the indexed text is. The tokens of the added terms get ``LAY_WEIGHT``; a token the query
already has keeps its own weight. The corpus keeps the file honest (``tests/test_thesaurus.py``): every
statutory term occurs in the shipped texts, and no lay form is a term an instrument defines. Expansions are
made at query time only, so editing the file needs no re-ingest; the dense leg reads the query as typed.

Why not derive the entries from the legal index's definitions: a lay question's words match definitions
of unrelated terms as often as the right one ("personal", "data", "person" are in most of them), and the
terms of different instruments whose definitions say the same thing are few and already statutory words
("intercept" and "interception", "child" and "minor"); neither moved the evaluation sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from haystack import component

from cyberlex.corpus.errors import CatalogError
from cyberlex.index.sparse import normalize, tokenize
from cyberlex.ingest.definitions import term_key

LAY_TERMS = Path(__file__).parent / "data" / "lay_terms.tsv"
LAY_WEIGHT = 0.3  # of an added statutory token, against 1 for each of the query's own tokens
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Entry:
    forms: tuple[str, ...]  # lay forms as written: "hack", "break into"
    terms: tuple[str, ...]  # statutory terms they stand for: "unauthorised access", "ICT-related incident"


class Thesaurus:
    """Lay forms → statutory terms, and the weighted tokens a query gains from them."""

    def __init__(self, entries: Iterable[Entry], weight: float = LAY_WEIGHT):
        self.entries = tuple(entries)
        self.weight = weight
        self._by_form: dict[tuple[str, ...], tuple[str, ...]] = {}
        for entry in self.entries:
            tokens = tuple(dict.fromkeys(t for term in entry.terms for t in tokenize(term)))
            # A form and its plural: words are compared singular, and "cookies" singularises to "cooky", not "cookie".
            for key in {_words(f) for form in entry.forms for f in (form, form + "s")}:
                self._by_form[key] = tuple(dict.fromkeys((*self._by_form.get(key, ()), *tokens)))
        self._longest = max(map(len, self._by_form), default=0)

    @classmethod
    def load(cls, path: Path = LAY_TERMS, weight: float = LAY_WEIGHT) -> Thesaurus:
        return cls(read_entries(path), weight)

    def matches(self, text: str) -> list[tuple[str, ...]]:
        """The lay forms found in ``text`` (as word tuples), longest first where two overlap."""
        words = _words(text)
        taken = [False] * len(words)
        found = []
        for n in range(min(self._longest, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                key = words[i : i + n]
                if key in self._by_form and not any(taken[i : i + n]):
                    taken[i : i + n] = [True] * n
                    found.append(key)
        return found

    def expand(self, text: str) -> dict[str, float]:
        """Statutory tokens to add to the query's, with their weight; none the query has already."""
        own = set(tokenize(text))
        return {token: self.weight for key in self.matches(text) for token in self._by_form[key] if token not in own}


def read_entries(path: Path) -> list[Entry]:
    """Entries of a thesaurus file: ``lay, forms<TAB>statutory; terms`` a line, ``#`` comments."""
    entries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        forms, _, terms = line.partition("\t")
        entry = Entry(_items(forms, ","), _items(terms, ";"))
        if not entry.forms or not entry.terms or "\t" in terms:
            raise CatalogError(f"{path}:{n}: expected 'lay, forms<TAB>statutory; terms', got {line!r}")
        entries.append(entry)
    return entries


@component
class QueryExpander:
    """The statutory terms a query's lay words stand for, weighted, for the sparse query encoder."""

    def __init__(self, thesaurus: Thesaurus):
        self.thesaurus = thesaurus

    @component.output_types(expansions=dict[str, float])
    def run(self, text: str) -> dict[str, dict[str, float]]:
        return {"expansions": self.thesaurus.expand(text)}


def _items(text: str, separator: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(separator) if item.strip())


def _words(text: str) -> tuple[str, ...]:
    """Lowercase words, plurals made singular: the form lay forms and queries are compared in."""
    return tuple(term_key(" ".join(_WORD.findall(normalize(text)))).split())
