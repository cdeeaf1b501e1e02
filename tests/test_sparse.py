"""The lexical side: tokens that make legal terms findable in four scripts, and BM25 weights."""

from __future__ import annotations

import pytest

from cyberlex.corpus.model import Passage
from cyberlex.index.sparse import Bm25Params, encode_document, encode_query, normalize, sparse_text, term_id, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18 U.S.C. § 1030(a)(2)", ["18", "section", "1030", "1030(a)", "1030(a)(2)"]),
        ("Art. 21(2)", ["articl", "21", "21(2)"]),  # the abbreviation and the word share a term
        ("Article 29 (3)", ["articl", "29", "29(3)"]),
        ("Directive (EU) 2022/2555", ["direct", "eu", "2022/2555", "2022", "2555"]),
        ("section 342.1", ["section", "342.1", "342"]),
        ("s. 2A and s. 46a", ["2a", "2", "46a", "46"]),
        ("The Parties shall co-operate", ["parti", "shall", "cooper", "co", "oper"]),
        ("accessing computers without right", ["access", "comput", "without", "right"]),
        ("naïve CAFÉ données", ["naiv", "cafe", "donne"]),
        ("ETS No. 185", ["et", "185"]),
    ],
)
def test_english_tokens_keep_legal_numbering_and_stem_words(text, expected):
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("under Art. 29(3)", {"29(3)"}),
        ("18 USC 1030(a)(2)", {"1030(a)(2)", "1030(a)"}),
        ("Regulation 2016/679", {"2016/679"}),
    ],
)
def test_numbered_references_become_whole_tokens(text, expected):
    assert expected <= set(tokenize(text))


@pytest.mark.parametrize(
    ("document", "query"),
    [
        # Japanese: a compound segmented differently in text and query still shares bigrams and words
        ("不正アクセス行為の禁止等に関する法律", "不正アクセス"),
        ("何人も、不正アクセス行為をしてはならない。", "アクセス行為"),
        # Thai: dictionary word segmentation, Thai digits read as numbers
        ("มาตรา ๕ ในพระราชบัญญัตินี้ การรักษาความมั่นคงปลอดภัยไซเบอร์", "ความมั่นคงปลอดภัยไซเบอร์"),
        ("มาตรา ๕ ในพระราชบัญญัตินี้", "มาตรา 5"),
        # Arabic: tashkeel, alef forms and the article do not keep a query from its word
        ("يُعاقب بالسجن كل من يرتكب الجرائم المعلوماتية", "جرائم معلوماتيه"),
        ("المادة الأولى", "ماده اولى"),
    ],
)
def test_non_latin_scripts_yield_searchable_terms(document, query):
    query_terms = set(tokenize(query))
    assert query_terms, "the query has no terms"
    assert len(query_terms & set(tokenize(document))) >= 0.75 * len(query_terms)


@pytest.mark.parametrize(
    ("text", "dropped"),
    [
        ("the of and which shall", {"the", "of", "and", "which"}),
        ("不正アクセスの禁止", {"の"}),
        ("في هذا النظام", {"في", "هذا"}),
    ],
)
def test_stop_words_are_dropped(text, dropped):
    assert not dropped & set(tokenize(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ÀÉÎÕÜ", "aeiou"),
        ("أَإِآ", "ااا"),  # tashkeel stripped, alef forms unified
        ("๑๒๓ ١٢٣", "123 123"),  # Thai and Arabic-Indic digits
        ("が", "が"),  # Japanese voicing marks are part of the letter, not accents
        ("ที่", "ที่"),  # so are Thai vowel and tone marks
    ],
)
def test_normalize_folds_only_what_does_not_change_meaning(text, expected):
    assert normalize(text) == expected


def test_term_ids_are_stable_31_bit_hashes():
    assert term_id("1030(a)(2)") == term_id("1030(a)(2)")
    assert term_id("access") != term_id("accessed_")
    assert all(0 <= term_id(t) < 2**31 for t in ("a", "数据", "مادة", "x" * 500))
    assert term_id("access") == 1984063900  # changing the hash would silently break existing indexes


def test_query_vector_weights_each_unique_term_once():
    vector = encode_query("access access computer")
    assert sorted(vector.indices) == sorted({term_id("access"), term_id("comput")})
    assert vector.values == [1.0, 1.0]


def test_bm25_weight_saturates_with_term_frequency():
    params = Bm25Params(k1=1.2, b=0.0, avg_len=10)
    weight = lambda text: dict(zip(*_pairs(encode_document(text, params))))[term_id("access")]  # noqa: E731
    once, twice, many = weight("access"), weight("access access"), weight(" ".join(["access"] * 50))
    assert once < twice < many < params.k1 + 1


def test_bm25_weight_falls_with_document_length():
    params = Bm25Params(k1=1.2, b=0.75, avg_len=10)
    short = encode_document("access computer", params)
    long = encode_document("access computer " + "data system network " * 10, params)
    assert dict(zip(*_pairs(short)))[term_id("access")] > dict(zip(*_pairs(long)))[term_id("access")]


def test_sparse_text_includes_label_heading_path_and_citation():
    passage = Passage(
        provision_id="x/art-29/3", unit_id="x/art-29", chunk=1, instrument_id="x", label="Art. 29(3)",
        heading="Expedited preservation", path=("Chapter III",), citation="Convention (ETS No. 185), art. 29(3)",
        text="Upon receiving the request...", start=0, end=10,
    )
    assert {"29(3)", "expedit", "chapter", "iii", "185", "receiv"} <= set(tokenize(sparse_text(passage)))


def _pairs(vector):
    return vector.indices, vector.values
