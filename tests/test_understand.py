"""Query understanding: named instruments, places, definitional intent and script, read from catalogue data."""

import pytest

from cyberlex.index.retrieve import foreign_languages
from cyberlex.index.understand import QueryUnderstanding, Understanding, definitional_term, understand


@pytest.mark.parametrize(("query", "instruments"), [
    ("NIS2 maximum fines for essential entities", ("eu-nis2-directive-2022-2555",)),
    ("does Regulation 2016/679 apply to a club's mailing list", ("gdpr-2016-679",)),
    ("Convention on Cybercrime production orders", ("budapest-convention",)),
    ("ETS 185 and the CFAA compared", ("budapest-convention", "us-cfaa-18usc1030")),
    ("RA 10175 cyber libel", ("philippines-cybercrime-prevention-act-2012",)),
    ("what the DORA says about ICT third-party risk", ("eu-dora-2022-2554",)),
    ("how fast must a bank tell its regulator about a hack", ()),
])
def test_named_instruments_are_read_from_catalogue_names(catalog, query, instruments):
    assert understand(query, catalog).instruments == instruments


@pytest.mark.parametrize(("query", "places"), [
    ("a German hospital was hit by ransomware", ("EU",)),
    ("is phishing illegal in Japan", ("Japan",)),
    ("under Saudi law, is defamation online a crime", ("Saudi Arabia",)),
    ("federal rules on sharing threat indicators", ("US",)),
    ("can the police make us hand over data", ()),
    ("let us know what counts", ()),  # "us" in prose is not the United States
])
def test_places_are_soft_jurisdictions(catalog, query, places):
    assert understand(query, catalog).jurisdictions == places


@pytest.mark.parametrize(("query", "term"), [
    ("what counts as a personal data breach?", "personal data breach"),
    ("what is a 'product with digital elements'?", "product with digital elements"),
    ("how do cybercrime laws define interception?", "interception"),
    ("meaning of cyber threat indicator", "cyber threat indicator"),
    ("definition of computer system under the Budapest Convention", "computer system"),
    ("what does subscriber information mean in the Convention on Cybercrime?", "subscriber information"),
    ("what is subscriber information?", "subscriber information"),
    ("what is cyber terrorism under Kenyan law?", "cyber terrorism"),
    ("what is a data protection impact assessment and when is it required?", "data protection impact assessment"),
    ("what is phishing and is it a crime in Kenya?", "phishing"),  # the term ends where a second question starts
    ("meaning of racist and xenophobic material", "racist and xenophobic material"),
    ("what is the penalty for hacking a bank?", ""),
    ("what is NIS2 about?", ""),  # about the instrument, not a term
    ("what is required of operators of essential services?", ""),
    ("what must a state do when asked to preserve stored data?", ""),
])
def test_definitional_questions_give_their_term(catalog, query, term):
    understood = understand(query, catalog)
    assert understood.term == term
    assert understood.intent == ("definition" if term else understood.intent)


def test_intent_is_scoped_when_an_instrument_is_named_and_open_otherwise(catalog):
    assert understand("GDPR fine for not reporting a breach", catalog).intent == "scoped"
    assert understand("fines for not reporting a breach", catalog).intent == "open"


@pytest.mark.parametrize(("query", "language"), [
    ("ما عقوبة التشهير عبر الإنترنت؟", "ar"),
    ("他人のパスワードを無断で教えると違法ですか", "ja"),
    ("ภัยคุกคามทางไซเบอร์ระดับร้ายแรง", "th"),
    ("unauthorised access", "en"),
])
def test_the_script_of_the_question_gives_its_language(catalog, query, language):
    assert understand(query, catalog).language == language


def test_mentions_are_the_words_as_typed(catalog):
    assert understand("GDPR rules for a German hospital", catalog).mentions == ("GDPR", "German")


@pytest.mark.parametrize(("query", "asks"), [
    ("my ex shared intimate photos of me online, is that a crime?", ("prohibition",)),
    ("what is the penalty for phishing in Japan?", ("prohibition",)),
    ("can the police make me unlock my phone?", ("permission",)),
    ("may a provider voluntarily disclose customer communications?", ("permission",)),
    ("when does the Cyber Resilience Act apply?", ("procedural",)),
    ("which states have ratified the Budapest Convention?", ("procedural",)),
    ("can I be punished for sharing a password?", ("prohibition", "permission")),
    ("what must a provider report to the authority?", ()),  # obligations are too many to favour
    ("expedited preservation of stored computer data", ()),
    ("does the GDPR apply to companies outside the EU?", ("scope",)),
    ("who has to comply with NIS2?", ("scope",)),
    ("is my bank covered by DORA?", ("scope",)),
    ("which companies fall under NIS2", ("scope",)),
    ("is open-source software in the scope of the CRA?", ("scope",)),
    ("who does the Cybersecurity Act apply to?", ("scope",)),
    ("from what date does the CRA's duty to report apply?", ("procedural",)),  # when, not to whom
    ("which provisions are in force in Kenya?", ("procedural",)),
    ("which countries may join the Budapest Convention?", ("permission", "procedural")),
    ("when will NIS2 start to apply?", ("procedural",)),
    ("when is an incident 'significant' under NIS2?", ()),  # "when" alone asks no date
    ("what must a state do when another party asks it to preserve data?", ()),
    ("who are the joint controllers?", ()),
    ("what is NIS2 about?", ("purpose",)),  # a named instrument, and nothing asked but what it is
    ("what is the purpose of the GDPR?", ("purpose",)),
    ("What does the Cyber Resilience Act do?", ("purpose",)),
    ("tell me about DORA", ("purpose",)),
    ("what does a data protection officer do?", ()),  # no instrument named
    ("what is the purpose of processing under the GDPR?", ()),  # asks about processing, not the GDPR
])
def test_the_kind_of_rule_a_question_asks_for(catalog, query, asks):
    assert understand(query, catalog).asks == asks


def test_an_unread_question_understands_nothing():
    assert Understanding().to_dict() == {"instruments": (), "jurisdictions": (), "intent": "open", "term": "",
                                         "language": "en", "mentions": (), "asks": ()}


def test_names_of_places_and_instruments_are_not_part_of_a_term():
    assert definitional_term("meaning of computer data in the Kenya act", ["Kenya"]) == "computer data"


@pytest.mark.parametrize(("query", "where", "held", "languages"), [
    ("is phishing illegal in Japan", {}, None, ["ja"]),
    ("Saudi anti-cybercrime law: penalty for defamation", {}, None, ["ar"]),
    ("ภัยคุกคามทางไซเบอร์ระดับร้ายแรง", {}, None, ["th"]),
    ("unauthorised access to a computer system", {}, None, []),
    ("unauthorised access to a computer system", {"language": ["ja"]}, None, ["ja"]),
    ("is phishing illegal in Japan", {}, ["th"], []),  # the index holds no e5 vector for Japanese
    ("NIS2 incident reporting in Japan", {}, None, []),  # a named instrument decides over a place
])
def test_the_multilingual_leg_runs_only_for_laws_in_other_languages(catalog, query, where, held, languages):
    assert foreign_languages(understand(query, catalog), catalog, where, held) == languages


@pytest.mark.parametrize(("query", "place_words"), [
    ("is identity theft a crime in the Philippines?", ["Philippines"]),
    ("GDPR rules for a German hospital", []),  # an instrument is named: the search is within it, not the place
    ("is identity theft a crime?", []),
])
def test_the_words_that_named_the_place_searched_within_are_passed_on(catalog, query, place_words):
    assert QueryUnderstanding(catalog).run(query)["place_words"] == place_words
