"""The lexical side: tokens that make legal terms findable in four scripts, and BM25 weights."""

from __future__ import annotations

import pytest

from cyberlex.corpus.model import Passage
from cyberlex.index.sparse import (
    COMPOUND_PART_WEIGHT,
    TOKENIZER_VERSION,
    Bm25Params,
    SparseQueryEncoder,
    encode_document,
    encode_query,
    normalize,
    query_terms,
    sparse_text,
    term_id,
    tokenize,
)
from lexical_store import lexical_store, ranked


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
        ("self-defence", ["selfdef", "self", "defenc"]),  # the compound and its parts, each once
        ("cyberattacks", ["cyberattack", "cyber", "attack"]),  # a glued compound yields its parts too
        ("selfish cybers", ["selfish", "cyber"]),  # but not a word that only starts like one
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


def test_a_heading_counts_as_often_as_its_weight_says():
    passage = Passage(
        provision_id="x/art-16", unit_id="x/art-16", chunk=0, instrument_id="x", label="Art. 16",
        heading="Expedited preservation", path=(), citation="x, art. 16", text="Each Party shall adopt measures.",
        start=0, end=10,
    )
    assert tokenize(sparse_text(passage, 4)).count("expedit") == 4
    params = Bm25Params()
    plain, weighted = (dict(zip(*_pairs(encode_document(sparse_text(passage, n), params)))) for n in (1, 4))
    assert weighted[term_id("expedit")] > plain[term_id("expedit")]
    assert weighted[term_id("adopt")] < plain[term_id("adopt")]  # a longer vector: the text's words weigh less


def test_the_heading_weight_is_part_of_the_index_signature():
    assert Bm25Params(heading_weight=1).signature != Bm25Params(heading_weight=4).signature


def _pairs(vector):
    return vector.indices, vector.values


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # -ise / -ize, -isation / -ization, -yse / -yze
        ("unauthorised", "unauthorized"),
        ("organisation", "organization"),
        ("organisational", "organizational"),
        ("recognised", "recognized"),
        ("minimise", "minimize"),
        ("analyse", "analyze"),
        ("paralysed", "paralyzed"),
        # -our / -or
        ("behaviour", "behavior"),
        ("behavioural", "behavioral"),
        ("favourable", "favorable"),
        ("honour", "honor"),
        ("labour", "labor"),
        ("neighbourhood", "neighborhood"),
        ("odour", "odor"),
        ("misdemeanour", "misdemeanor"),
        # -ence / -ense
        ("defence", "defense"),
        ("offences", "offenses"),
        ("licence", "license"),
        ("pretence", "pretense"),
        # -ll- / -l-
        ("labelled", "labeled"),
        ("cancelled", "canceled"),
        ("travelling", "traveling"),
        ("counsellor", "counselor"),
        ("fulfil", "fulfill"),
        ("enrolment", "enrollment"),
        # irregular
        ("programme", "program"),
        ("centre", "center"),
        ("judgement", "judgment"),
        ("catalogue", "catalog"),
        ("practise", "practice"),
        ("enquiry", "inquiry"),
        ("manoeuvre", "maneuver"),
        ("sceptical", "skeptical"),
        # hyphens and compounds
        ("self-defence", "self-defense"),
        ("selfdefense", "selfdefence"),
        ("cyber-attack", "cyberattack"),
        ("e-mail", "email"),
        ("self\u2010defence", "self-defence"),  # a Unicode hyphen
        ("cyber\u00adattack", "cyberattack"),  # a soft hyphen from a PDF
    ],
)
def test_spelling_variants_share_their_terms(one, other):
    """British and American spellings, hyphenated and glued compounds: the first term of one is a term of the
    other, so a query in either spelling finds a text in the other."""
    assert tokenize(one)[0] in tokenize(other) and tokenize(other)[0] in tokenize(one)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("defensive", ["defens"]),  # not the noun defence
        ("offensive", ["offens"]),
        ("hours", ["hour"]),  # -our is folded only after the roots of colour, honour, behaviour...
        ("four", ["four"]),
        ("flour", ["flour"]),
        ("contour", ["contour"]),
        ("devour", ["devour"]),
        ("journal", ["journal"]),
        ("advise", ["advis"]),  # -ise words with no -ize twin keep their stem
        ("supervisory", ["supervisori"]),
        ("size", ["size"]),
        ("citizen", ["citizen"]),
        ("filed", ["file"]),  # not "filled": -ll- is not folded in one-syllable words
        ("shall", ["shall"]),
        ("selfish", ["selfish"]),  # not self + ish
    ],
)
def test_spelling_rules_leave_other_words_alone(word, expected):
    assert tokenize(word) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unauthorised access", ["unauthoris", "access"]),
        ("supervise supervision", ["supervis", "supervis"]),  # unchanged families keep their stem
        ("the whilst", []),  # British stop word
    ],
)
def test_canonical_spellings_of_common_legal_words(text, expected):
    assert tokenize(text) == expected


def test_a_query_weighs_the_parts_of_its_glued_compound_less_than_its_own_words():
    assert query_terms("cybersecurity incident") == {
        "cybersecur": 1.0, "incid": 1.0, "cyber": COMPOUND_PART_WEIGHT, "secur": COMPOUND_PART_WEIGHT}
    assert query_terms("cyber security") == {"cyber": 1.0, "secur": 1.0}
    assert query_terms("self-defence") == {"selfdef": 1.0, "self": 1.0, "defenc": 1.0}  # typed apart: full weight


def test_expansions_add_terms_below_the_querys_own_and_never_lower_them():
    vector = encode_query("access", {"access": 0.3, "intrus": 0.3})
    assert dict(zip(*_pairs(vector))) == {term_id("access"): 1.0, term_id("intrus"): 0.3}


def test_the_tokenizer_version_is_part_of_the_index_signature():
    """Passages re-encode when the tokens change: the payload signature carries the BM25 signature."""
    assert Bm25Params().signature.endswith(f"tok{TOKENIZER_VERSION}")
    assert TOKENIZER_VERSION == "2"  # spelling variants and compound parts (re-ingest after a change)


SPELLING_TEXTS = {
    "un-charter/art-51": "Nothing in the present Charter shall impair the inherent right of individual or collective "
                         "selfdefense if an armed attack occurs against a Member.",
    "us-cfaa/s-1030": "Whoever intentionally accesses a computer without authorization or exceeds authorized access "
                      "shall be punished.",
    "gdpr/art-32": "The controller shall implement appropriate technical and organisational measures to ensure "
                   "security against unauthorised or unlawful processing.",
    "ap-i/art-65": "The protection of civil defence organizations shall not cease unless they commit acts harmful "
                   "to the enemy.",
    "nato/art-5": "An armed attack against one or more of the Parties shall be considered an attack against them "
                  "all, and each will assist the Party so attacked.",
}


@pytest.fixture(scope="module")
def spelling_store():
    store = lexical_store(SPELLING_TEXTS, "spelling")
    yield store
    store.close()


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("self-defence", "un-charter/art-51"),
        ("self-defense", "un-charter/art-51"),
        ("self defence", "un-charter/art-51"),
        ("selfdefence", "un-charter/art-51"),
        ("authorisation", "us-cfaa/s-1030"),
        ("unauthorized", "gdpr/art-32"),
        ("organizational measures", "gdpr/art-32"),
        ("defense organisations", "ap-i/art-65"),
    ],
)
def test_a_query_finds_the_text_written_in_the_other_spelling(spelling_store, query, expected_first):
    assert ranked(spelling_store, encode_query(query))[0] == expected_first


def test_both_spellings_of_a_query_rank_alike(spelling_store):
    def ranking(query):
        return [(p["provision_id"], round(score, 4)) for p, score in spelling_store.query(sparse=encode_query(query))]

    assert ranking("unauthorised organisation") == ranking("unauthorized organization")


def test_the_search_within_a_named_place_leaves_the_places_name_out_of_its_lexical_vector():
    """Within the Philippines every provision is Philippine: "Philippines" only matched its courts' jurisdiction."""
    out = SparseQueryEncoder().run("is identity theft a crime in the Philippines?", place_words=["Philippines"])
    full, within = out["sparse_embedding"], out["place_sparse_embedding"]
    assert set(within.indices) == set(full.indices) - {term_id(t) for t in tokenize("Philippines")}
    assert set(within.indices) == set(encode_query("is identity theft a crime in the?").indices)


def test_a_question_that_is_only_a_place_keeps_its_words_for_the_search_within_it():
    out = SparseQueryEncoder().run("Kenya", place_words=["Kenya"])
    assert out["place_sparse_embedding"] == out["sparse_embedding"]
    assert SparseQueryEncoder().run("Kenya")["place_sparse_embedding"] == out["sparse_embedding"]
