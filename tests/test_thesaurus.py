"""The lay-to-statutory thesaurus: which statutory terms a lay question gains, with what weight, and that a
question already in the statutes' words gains none."""

from __future__ import annotations

import pytest
from haystack import Pipeline

from cyberlex.corpus.errors import CatalogError
from cyberlex.index.sparse import SparseQueryEncoder, encode_query, tokenize
from cyberlex.index.thesaurus import LAY_WEIGHT, Entry, QueryExpander, Thesaurus, read_entries
from cyberlex.ingest.definitions import extract_definitions, term_key
from lexical_store import lexical_store, ranked

THESAURUS = Thesaurus.load()


@pytest.mark.parametrize(
    ("query", "statutory"),
    [
        ("How fast must I tell the regulator about a hack of our bank?",
         ["unauthorised access", "ICT-related incident", "competent authority", "supervisory authority",
          "credit institution", "financial entity", "notify", "without undue delay"]),
        ("Our hackers broke into the system", ["unauthorised access", "illegal access", "intrusion"]),
        ("can the police read my emails", ["law enforcement authority", "content of communications",
                                           "stored communications"]),
        ("the regulators fined my company", ["competent authority", "administrative fine", "undertaking"]),
        ("someone is snooping on my phone calls", ["interception", "terminal equipment"]),
        ("a virus wiped our files", ["malicious software", "data interference", "erasure"]),
        ("our phone company leaked customer data", ["provider of electronic communications services",
                                                     "personal data breach", "unauthorised disclosure"]),
        ("may a country hit back after a cyber attack", ["self-defence", "countermeasures", "armed attack"]),
        ("is an unauthorised hacker punished", ["illegal access", "penalty", "imprisonment"]),
        ("how often must the systems be tested", ["at least every", "regular basis", "periodically"]),
        ("can the police get my phone records", ["traffic data", "retention"]),
        ("is downloading pirated films a crime", ["infringements of copyright", "intellectual property"]),
        ("do websites need consent before setting cookies", ["terminal equipment", "storing of information"]),
        ("someone logged into my email account", ["unauthorised access", "without authorisation"]),
        ("does the law cover a firm based outside the EU", ["third country", "territorial scope"]),
        ("a ransomware gang wants money", ["malicious software", "extortion"]),
        ("a country wants to hack back against state-sponsored hackers", ["countermeasures", "attribution"]),
        ("is my smart tv covered by the rules", ["product with digital elements", "scope"]),
    ],
)
def test_lay_words_gain_the_statutory_terms(query, statutory):
    expanded = THESAURUS.expand(query)
    own = set(tokenize(query))
    for term in statutory:
        assert set(tokenize(term)) - own <= set(expanded), f"{term!r} missing from the expansion of {query!r}"


@pytest.mark.parametrize(
    "query",
    [
        "Notification of a personal data breach to the supervisory authority",
        "Reporting of major ICT-related incidents to the competent authority",
        "Illegal access to a computer system without right",
        "Expedited preservation of stored computer data",
        "Right to erasure",
        "Security of processing: technical and organisational measures",
        "Interception of content data",
        "threat or use of force against the territorial integrity of any state",
        "inherent right of individual or collective self-defence",
        "Misuse of devices",
        "Computer-related fraud",
        "administrative fines imposed by the supervisory authority",
        "obligations of financial entities and credit institutions",
        "18 U.S.C. § 1030(a)(2)",
    ],
)
def test_a_query_in_statutory_words_is_unchanged(query):
    assert THESAURUS.expand(query) == {}
    assert encode_query(query, THESAURUS.expand(query)) == encode_query(query)


def test_added_terms_weigh_less_than_the_querys_own():
    expanded = THESAURUS.expand("hack of our bank")
    assert set(expanded.values()) == {LAY_WEIGHT} and LAY_WEIGHT < 1
    assert "hack" not in expanded  # the user's own word keeps weight 1 in the vector
    vector = dict(zip(*_pairs(encode_query("hack of our bank", expanded))))
    assert max(vector.values()) == 1.0 and sorted(set(vector.values())) == [LAY_WEIGHT, 1.0]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Hackers", [("hacker",)]),  # case and plural do not matter
        ("my phone company", [("phone", "company")]),  # the longer form wins over "phone" and "company"
        ("how fast and how long", [("how", "fast"), ("how", "long")]),
        ("phonetics and banknotes", []),  # whole words only
    ],
)
def test_lay_forms_match_whole_words_longest_first(query, found):
    assert THESAURUS.matches(query) == found


def test_the_expander_feeds_the_sparse_encoder_in_a_pipeline():
    pipeline = Pipeline()
    pipeline.add_component("expander", QueryExpander(THESAURUS))
    pipeline.add_component("encoder", SparseQueryEncoder())
    pipeline.connect("expander.expansions", "encoder.expansions")
    text = "tell the regulator"
    vector = pipeline.run({"text": text})["encoder"]["sparse_embedding"]
    assert vector == encode_query(text, THESAURUS.expand(text))
    assert len(vector.indices) > len(encode_query(text).indices)


LAWS = {
    "dora/art-19": "Reporting of major ICT-related incidents. Financial entities shall report major ICT-related "
                   "incidents to the relevant competent authority without undue delay.",
    "gdpr/art-33": "Notification of a personal data breach to the supervisory authority. The controller shall notify "
                   "the breach without undue delay and not later than 72 hours after becoming aware of it.",
    "crr/art-92": "This Regulation applies fast to the markets of the Member States.",
    "eprivacy/art-5": "Member States shall ensure the confidentiality of communications by national legislation.",
    "budapest/art-2": "Each Party shall establish as criminal offences access to a computer system without right.",
}


@pytest.fixture(scope="module")
def law_store():
    store = lexical_store(LAWS, "lay")
    yield store
    store.close()


def test_a_lay_question_reaches_the_provisions_in_statutory_words(law_store):
    query = "How fast must I tell the regulator about a hack of our bank?"
    # without the thesaurus, only the text sharing "regul" and "fast" is found
    assert ranked(law_store, encode_query(query)) == ["crr/art-92"]
    expanded = ranked(law_store, encode_query(query, THESAURUS.expand(query)))
    assert expanded[0] == "dora/art-19" and "gdpr/art-33" in expanded


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("hack, hacker", "no tab"),
        ("hack\t", "no terms"),
        ("\tunauthorised access", "no forms"),
        ("hack\tunauthorised access\tintrusion", "two tabs"),
    ],
)
def test_a_malformed_line_is_refused_with_its_number(tmp_path, line, problem):
    path = tmp_path / "lay.tsv"
    path.write_text(f"# comment\n\nbank\tcredit institution\n{line}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"lay.tsv:4: expected 'lay, forms<TAB>statutory; terms'"):
        read_entries(path)


def test_a_thesaurus_file_reads_into_entries(tmp_path):
    path = tmp_path / "lay.tsv"
    path.write_text("# lay\tlegal\nbank, banking\tcredit institution; financial entity\n", encoding="utf-8")
    assert read_entries(path) == [Entry(("bank", "banking"), ("credit institution", "financial entity"))]


@pytest.mark.slow
def test_the_thesaurus_is_grounded_in_the_corpus():
    """Every statutory term occurs in the shipped texts (else its tokens only add noise), and no lay form is a
    term an instrument defines (else a query in statutory words would be expanded)."""
    from segment_corpus import converted, manifest, provisions

    english = [entry for entry in manifest() if entry.get("language", "en") == "en"]
    corpus = " " + " ".join(" ".join(tokenize(converted(e["file"]).text)) for e in english) + " "
    absent = [t for entry in THESAURUS.entries for t in entry.terms if f" {' '.join(tokenize(t))} " not in corpus]
    assert not absent, f"statutory terms found in no text: {absent}"
    defined = {term_key(d.term) for e in english for d in extract_definitions(list(provisions(e["id"])))}
    statutory = [f for entry in THESAURUS.entries for f in entry.forms if term_key(f) in defined]
    assert not statutory, f"lay forms the instruments define: {statutory}"


def _pairs(vector):
    return vector.indices, vector.values
