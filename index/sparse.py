"""Lexical sparse vectors: the tokenizer that makes exact legal terms findable, and BM25 term weights.

Documents carry BM25 term-frequency weights (saturation k1, length normalisation b against a recorded
average length); queries carry weight 1 per unique term; Qdrant multiplies in the IDF (``Modifier.IDF``),
so the dot product is the BM25 score. Term ids are hashes of the tokens: no vocabulary file to keep.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

import snowballstemmer
import tinysegmenter
from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from cyberlex.corpus.model import Passage
from cyberlex.index.documents import to_passage
from cyberlex.settings import Settings

TOKENIZER_VERSION = "2"  # bump when tokens change: it is part of the index signature, so passages re-encode

ENGLISH_STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each either few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just may me might more most
    my myself neither no nor not of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too under
    until up upon very was we were what when where whether which while whilst who whom whose why will with would
    you your yours yourself yourselves""".split()
)
ARABIC_STOP_WORDS = frozenset(  # as they are after normalize(): alef forms unified
    """في من على الى عن ان او ما لا كل بين التي الذي الذين هذا هذه ذلك تلك مع وفق قد""".split()
)
# Abbreviations legal texts print and users type, mapped to the word they stand for.
ABBREVIATIONS = {"art": "article", "arts": "article", "sec": "section", "secs": "section", "para": "paragraph",
                 "paras": "paragraph", "ch": "chapter", "chap": "chapter", "subs": "subsection"}

# Spelling variants are rewritten to one form before stemming, so that British and American texts and queries
# share their terms. Which form is kept does not matter, only that documents and queries agree: -ize becomes
# -ise (the direction that merges nothing else: "advise", "revise", "supervise" have no -ize twin), -yze -yse,
# British -our -or (after the letters that end the roots of colour, honour, behaviour, odour...; "hour", "four",
# "tour", "contour" are left), defense/offense/pretense -ce (not "defensive", "offensive"), licence -se (with
# "licensing"), counsellor counselor. Snowball itself merges labelled/labeled and travelling/traveling.
_SPELLING = (
    (re.compile(r"(?<=[a-z]{3})iz(?=(?:e|es|ed|ing|ation|ations|ational|er|ers|able)$)"), "is"),
    (re.compile(r"(?<=[a-z]{2})yz(?=(?:e|es|ed|ing|er|ers)$)"), "ys"),
    (re.compile(r"^(?![a-z]*(?:contour|detour|devour|paramour|troubadour|velour|tambour|pompadour)|(?:am|sc|fl)our)"
                r"([a-z]+[bcdgilmnpv])our(?=(?:|s|ed|ing|able|ably|ite|ites|ful|fully|less|er|ers|al|ally|hood"
                r"|hoods|ism|ist|ists|ly)$)"), r"\1or"),
    (re.compile(r"(defen|offen|preten)se(?=s?$)"), r"\1ce"),
    (re.compile(r"licenc(?=e)"), "licens"),
    (re.compile(r"^([a-z]*[aeiou][^aeiou]+[aeiou])llor(?=s?$)"), r"\1lor"),
)
# Variants no rule covers, as stems: what Snowball makes of the British form → of the American one.
STEM_VARIANTS = {"programm": "program", "judgement": "judgment", "acknowledgement": "acknowledgment",
                 "catalogu": "catalog", "dialogu": "dialog", "analogu": "analog", "centr": "center", "metr": "meter",
                 "litr": "liter", "fibr": "fiber", "theatr": "theater", "manoeuvr": "maneuv", "sceptic": "skeptic",
                 "practis": "practic", "enquir": "inquir", "enquiri": "inquiri", "grey": "gray", "gaol": "jail"}
# Prefixes written glued, hyphenated or apart (cyberattack, cyber-attack, cyber attack; selfdefense): a glued
# word also yields its parts, as a hyphenated one does, so every spelling shares the parts' terms. A query's
# glued compound weighs its parts less than its own words: "cybersecurity" asks for cybersecurity, and the
# generic "security" at full weight would pull in every security provision.
COMPOUND_PREFIXES = ("cyber", "self")
COMPOUND_PART_WEIGHT = 0.3
_MIN_COMPOUND_REST = 4  # "selfish" is not self + ish

_THAI = r"\u0e00-\u0e7f"
_JAPANESE = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f\u3005\u3006"
_SCRIPT_RUN = re.compile(rf"(?P<thai>[{_THAI}]+)|(?P<ja>[{_JAPANESE}]+)|(?P<other>[^{_THAI}{_JAPANESE}]+)")
_LATIN_TOKEN = re.compile(
    r"(?P<numbered>\d+[a-z]{0,2}(?:\s?\([0-9a-z]{1,4}\))+)"  # 1030(a)(2), 21 (2), 46a(1)
    r"|(?P<ref>\d+(?:[./]\d+)+)"  # 2022/2555, 342.1
    r"|(?P<word>[^\W_]+(?:-[^\W_]+)*)"  # words, plain numbers, hyphenated compounds
)
_BRACKETED = re.compile(r"\(([0-9a-z]+)\)")
_LEADING_NUMBER = re.compile(r"^(\d+)[a-z]+$")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_HYPHENS = {"\u2010": "-", "\u2011": "-", "\u00ad": ""}  # Unicode hyphens join words as "-" does; a soft one vanishes
_ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff]")
_ARABIC_DIACRITICS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # tashkeel, tatweel
_ARABIC_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"}
)
_ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")

_stem_lock = threading.Lock()
_english = snowballstemmer.stemmer("english")
_segmenter = tinysegmenter.TinySegmenter()


@dataclass(frozen=True)
class Bm25Params:
    k1: float = 1.2
    b: float = 0.75
    avg_len: float = 120.0
    heading_weight: int = 4  # times a provision's heading counts (see sparse_text)

    @classmethod
    def from_settings(cls, settings: Settings) -> Bm25Params:
        return cls(settings.bm25_k1, settings.bm25_b, settings.bm25_avg_len, settings.bm25_heading_weight)

    @property
    def signature(self) -> str:
        return f"bm25:{self.k1}:{self.b}:{self.avg_len}:h{self.heading_weight}:tok{TOKENIZER_VERSION}"


def normalize(text: str) -> str:
    """NFKC, lowercase, ASCII digits, accents folded on Latin letters only (Thai and Japanese marks are
    letters' parts), Arabic without tashkeel and with alef, yeh and teh marbuta forms unified."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("§", " section ")
    text = _NON_ASCII.sub(lambda m: _fold(m.group()), text)  # ASCII, most of most texts, needs no folding
    return _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_FOLD)


@lru_cache(maxsize=None)
def _fold(ch: str) -> str:
    if ch in _HYPHENS:
        return _HYPHENS[ch]
    if ch.isdigit() and (digit := unicodedata.digit(ch, None)) is not None:
        return str(digit)
    if "\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff":
        return "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return ch


def tokenize(text: str, compound_parts: bool = True) -> list[str]:
    """Searchable terms of a text, in order; the same function serves documents and queries. Without
    ``compound_parts``, a glued compound ("cybersecurity") yields itself alone, not also its parts."""
    tokens: list[str] = []
    for run in _SCRIPT_RUN.finditer(normalize(text)):
        if run["thai"]:
            tokens += _thai_tokens(run["thai"])
        elif run["ja"]:
            tokens += _japanese_tokens(run["ja"])
        else:
            tokens += _latin_arabic_tokens(run["other"], compound_parts)
    return tokens


def term_id(token: str) -> int:
    """A stable 31-bit id for a token (Qdrant sparse indices are u32; 31 bits stay clear of sign issues)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "big") & 0x7FFFFFFF


def encode_document(text: str, params: Bm25Params) -> SparseEmbedding:
    """BM25 term weights without IDF: tf·(k1+1) / (tf + k1·(1 − b + b·len/avg_len))."""
    counts = Counter(tokenize(text))
    norm = params.k1 * (1 - params.b + params.b * sum(counts.values()) / params.avg_len)
    weights: dict[int, float] = {}
    for token, tf in counts.items():
        index = term_id(token)
        weights[index] = weights.get(index, 0.0) + tf * (params.k1 + 1) / (tf + norm)
    return _sparse(weights)


def query_terms(text: str) -> dict[str, float]:
    """A query's terms and their weights: 1 for each unique one, ``COMPOUND_PART_WEIGHT`` for the parts of
    a glued compound (not for those of one typed with a hyphen or apart: the user wrote them)."""
    return {t: COMPOUND_PART_WEIGHT for t in tokenize(text)} | {t: 1.0 for t in tokenize(text, compound_parts=False)}


def encode_query(text: str, expansions: dict[str, float] | None = None) -> SparseEmbedding:
    """``query_terms`` as a vector; ``expansions`` (token → weight, from ``index.thesaurus``) add terms the
    query lacks."""
    terms = (expansions or {}) | query_terms(text)
    return _sparse({term_id(token): weight for token, weight in terms.items()})


def sparse_text(passage: Passage, heading_weight: int = 1) -> str:
    """What the lexical vector indexes: the label and citation make typed numbers match, the heading and
    enclosing divisions the topic words a provision's own text may lack. The heading is repeated
    ``heading_weight`` times, as BM25F weighs a title field: it names what the provision is about in a few words
    ("Expedited preservation of stored computer data"), where the text's words are many and mostly generic.
    Chosen on dev and dev2 (docs/retrieval.md)."""
    fields = (passage.label, *[passage.heading] * heading_weight, *passage.path, passage.citation, passage.text)
    return "\n".join(x for x in fields if x)


@component
class SparseEncoder:
    """Adds the BM25 sparse vector of each passage document (documents come from ``index.documents``)."""

    def __init__(self, params: Bm25Params):
        self.params = params

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        encoded = [encode_document(sparse_text(to_passage(doc.meta), self.params.heading_weight), self.params)
                   for doc in documents]
        return {"documents": [replace(doc, sparse_embedding=v) for doc, v in zip(documents, encoded)]}


@component
class SparseQueryEncoder:
    """The query's sparse vector; ``expansions`` come from ``thesaurus.QueryExpander`` when it is wired in.

    Given the words that named a place (``place_words``: "Philippines" in "is identity theft a crime in the
    Philippines?"), also the vector without them, for the search within that place: there they tell nothing, and
    they matched the few provisions that print the country's name (its courts' jurisdiction, its national police)
    above its identity-theft offence."""

    @component.output_types(sparse_embedding=SparseEmbedding, place_sparse_embedding=SparseEmbedding)
    def run(self, text: str, expansions: dict[str, float] | None = None,
            place_words: list[str] | None = None) -> dict[str, SparseEmbedding]:
        vector = encode_query(text, expansions)
        named = {term_id(t) for word in place_words or () for t in tokenize(word)}
        within = _sparse({i: v for i, v in zip(vector.indices, vector.values) if i not in named})
        return {"sparse_embedding": vector, "place_sparse_embedding": within if within.indices else vector}


def _sparse(weights: dict[int, float]) -> SparseEmbedding:
    indices = sorted(weights)
    return SparseEmbedding(indices=indices, values=[weights[i] for i in indices])


def _latin_arabic_tokens(text: str, compound_parts: bool) -> list[str]:
    tokens: list[str] = []
    for match in _LATIN_TOKEN.finditer(text):
        if match["numbered"]:
            tokens += _numbered(match["numbered"])
        elif match["ref"]:
            ref = match["ref"]
            parts = re.split(r"[./]", ref)
            tokens += [ref, *(parts if "/" in ref else parts[:1])]
        else:
            word = match["word"]
            parts = word.split("-")
            if len(parts) == 1:
                tokens += _word(word, compound_parts)
            else:  # the compound and its parts, each term once: self-defence → selfdef, self, defenc
                tokens += dict.fromkeys([*_word("".join(parts)), *(t for part in parts for t in _word(part))])
    return tokens


def _numbered(text: str) -> list[str]:
    """'1030(a)(2)' → 1030, 1030(a), 1030(a)(2): a query for a paragraph or its enclosing one both match."""
    head = text.split("(", 1)[0].strip()
    tokens = [head]
    if m := _LEADING_NUMBER.match(head):
        tokens.append(m.group(1))
    for sub in _BRACKETED.findall(text):
        head += f"({sub})"
        tokens.append(head)
    return tokens


@lru_cache(maxsize=65536)  # a corpus repeats its words: each is looked at once
def _word(word: str, compound_parts: bool = True) -> tuple[str, ...]:
    if word.isdigit():
        return (word,)
    if m := _LEADING_NUMBER.match(word):  # "46a", "2a": the numbered unit and its number
        return word, m.group(1)
    if _ARABIC_LETTERS.search(word):
        return () if word in ARABIC_STOP_WORDS else (_arabic_stem(word),)
    word = ABBREVIATIONS.get(word, word)
    if len(word) < 2 or word in ENGLISH_STOP_WORDS:
        return ()
    for prefix in COMPOUND_PREFIXES if compound_parts else ():
        rest = word[len(prefix):]
        if word.startswith(prefix) and len(rest) >= _MIN_COMPOUND_REST and rest.isalpha():
            return tuple(dict.fromkeys((_stem(word), *_word(prefix), *_word(rest))))
    return (_stem(word),)


def _stem(word: str) -> str:
    """The Snowball stem of the word's canonical spelling (``_SPELLING``, ``STEM_VARIANTS``)."""
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    with _stem_lock:  # a snowball stemmer object keeps state between calls
        stem = _english.stemWord(word)
    return STEM_VARIANTS.get(stem, stem)


def _arabic_stem(word: str) -> str:
    """Light stemming: drop the article and the conjunction before it, keeping at least two letters."""
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix):]
    return word


def _japanese_tokens(run: str) -> list[str]:
    """Words from TinySegmenter plus the character bigrams of longer words, so that a compound segmented
    one way in the text and another way in a query still shares terms; lone kana particles are dropped."""
    tokens: list[str] = []
    for word in _segmenter.tokenize(run):
        if len(word) <= 2 and all("\u3040" <= c <= "\u309f" for c in word):
            continue
        tokens.append(word)
        if len(word) > 2:
            tokens += [word[i : i + 2] for i in range(len(word) - 1)]
    return tokens


def _thai_tokens(run: str) -> list[str]:
    from pythainlp.corpus import thai_stopwords
    from pythainlp.tokenize import word_tokenize

    stop = thai_stopwords()
    return [w for w in word_tokenize(run, engine="newmm", keep_whitespace=False) if w.strip() and w not in stop]
