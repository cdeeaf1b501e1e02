"""to_passages(): whole provisions when they fit, else slices cut at subdivisions, then at sentences."""

from __future__ import annotations

import re

import pytest

from cyberlex.corpus.model import Block, Provision
from cyberlex.corpus.citations import cite
from cyberlex.ingest.passages import to_passages
from segment_corpus import instrument, make_instrument, provision, provisions

MANUAL = make_instrument("manual", "rule")


def made(*blocks: tuple[tuple[str, ...], str], heading: str = "Due diligence") -> Provision:
    """A provision of the test manual whose blocks have the given subdivisions and texts."""
    out, start = [], 0
    for sub, text in blocks:
        out.append(Block(sub, text, start, start + len(text)))
        start += len(text) + 1
    return Provision("manual/rule-6", "manual", "rule-6", "r. 6", heading, ("Part I",), tuple(out), 0, start - 1)


def words(n: int, word: str = "word") -> str:
    """A sentence of about ``5 * n`` characters."""
    return " ".join([word] * n) + "."


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_short_article_is_one_passage_with_the_provision_fields():
    art2 = provision("budapest-convention", "art-2")
    budapest = instrument("budapest-convention")
    [passage] = to_passages([art2], budapest)
    assert (passage.provision_id, passage.unit_id, passage.chunk, passage.key) == (
        "budapest-convention/art-2", "budapest-convention/art-2", 0, "budapest-convention/art-2#0")
    assert (passage.label, passage.citation) == ("Art. 2", cite(budapest, "art-2"))
    assert (passage.heading, passage.path, passage.text) == (art2.heading, art2.path, art2.text)
    assert (passage.start, passage.end, passage.page) == (art2.blocks[0].start, art2.blocks[-1].end, None)


def test_a_long_article_splits_at_its_paragraphs():
    art29 = provision("budapest-convention", "art-29")
    passages = to_passages([art29], instrument("budapest-convention"))
    assert [p.provision_id.removeprefix("budapest-convention/") for p in passages] == [
        f"art-29/{n}" for n in range(1, 8)]
    third = passages[2]
    assert (third.chunk, third.label, third.citation) == (
        2, "Art. 29(3)", "Convention on Cybercrime (ETS No. 185), art. 29(3)")
    assert third.text.startswith("3. Upon receiving the request") and third.unit_id == "budapest-convention/art-29"


def test_passage_metadata_carries_the_instrument_facts_for_filters():
    [passage] = to_passages([provision("gdpr-2016-679", "recital-85")], instrument("gdpr-2016-679"))
    assert passage.metadata == {
        "title": instrument("gdpr-2016-679").title, "short_title": "GDPR", "kind": "regional-law",
        "jurisdiction": "EU", "language": "en", "status": "in-force", "binding": True, "unit": "article",
        "unit_kind": "recital", "force": [], "addressees": [],  # a recital states no rule
    }


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        # a short lead-in is read with the first paragraph, which keeps its own id
        ([((), words(20)), (("1",), words(140)), (("2",), words(140))], ["manual/rule-6/1", "manual/rule-6/2"]),
        # paragraph 1 is too long: cut between its points, its lead-in rides with point (a)
        ([(("1",), words(40)), (("1", "a"), words(100)), (("1", "b"), words(100)), (("1", "c"), words(100)),
          (("2",), words(30))], ["manual/rule-6/1/a", "manual/rule-6/1/b", "manual/rule-6/1/c", "manual/rule-6/2"]),
        # below the top level, short points pack together under their paragraph's id
        ([(("1",), words(40)), *[(("1", x), words(30)) for x in "abcdefgh"], (("2",), words(30))],
         ["manual/rule-6/1/a", "manual/rule-6/1", "manual/rule-6/2"]),
        # one point alone in its slice gets the point's id
        ([(("1",), words(200)), (("1", "a"), words(200)), (("2",), words(10))],
         ["manual/rule-6/1", "manual/rule-6/1/a", "manual/rule-6/2"]),
        # every top-level paragraph is a passage of its own, however short: each can be cited
        ([(("1",), words(20)), (("2",), words(20)), (("3",), words(20)), (("4",), words(230))],
         ["manual/rule-6/1", "manual/rule-6/2", "manual/rule-6/3", "manual/rule-6/4"]),
    ],
)
def test_slices_take_the_most_specific_id_that_covers_them(blocks, expected):
    passages = to_passages([made(*blocks)], MANUAL)
    assert [p.provision_id for p in passages] == expected
    assert [p.chunk for p in passages] == list(range(len(expected)))


def test_a_block_longer_than_the_limit_is_cut_between_sentences_in_order():
    sentences = [words(30, f"word{n}") for n in range(6)]  # 180 characters each: two fit in 400
    passages = to_passages([made((("1",), " ".join(sentences)))], MANUAL, max_chars=400)
    assert [p.text for p in passages] == [" ".join(sentences[:2]), " ".join(sentences[2:4]), " ".join(sentences[4:])]
    assert {p.provision_id for p in passages} == {"manual/rule-6/1"}


def test_a_sentence_longer_than_the_limit_stays_whole():
    long_one, short = words(120, "long"), words(10, "short")
    passages = to_passages([made((("1",), f"{short} {long_one} {short}"))], MANUAL, max_chars=200)
    assert [p.text for p in passages] == [short, long_one, short]


def test_abbreviations_are_no_sentence_ends():
    text = f"{words(30)} See No. R (85) 10 and Art. 5 of the Convention. {words(30)}"
    passages = to_passages([made((("1",), text))], MANUAL, max_chars=250)
    assert any("See No. R (85) 10 and Art. 5 of the Convention." in p.text for p in passages)


def test_a_provision_without_text_has_no_passage():
    empty = Provision("manual/rule-9", "manual", "rule-9", "r. 9", "Repealed", (), ())
    assert to_passages([empty], MANUAL) == []


@pytest.mark.parametrize("instrument_id", ["gdpr-2016-679", "eu-nis2-directive-2022-2555", "us-cfaa-18usc1030",
                                           "us-6usc650-cisa-agency-circia", "budapest-convention",
                                           "japan-cybersecurity-basic-act-2014-ja",
                                           "thailand-cybersecurity-act-2019-th",
                                           "eu-cyber-resilience-act-2024-2847", "pakistan-peca-2016"])
def test_passages_rebuild_each_provision_and_respect_the_limit(instrument_id):
    inst = instrument(instrument_id)
    for prov in provisions(instrument_id):
        passages = to_passages([prov], inst, max_chars=1200)
        assert flat(" ".join(p.text for p in passages)) == flat(prov.text), prov.id
        assert [p.chunk for p in passages] == list(range(len(passages)))
        for p in passages:
            assert p.provision_id == p.unit_id or p.provision_id.startswith(p.unit_id + "/")
            assert len(p.text) <= 1200 or not _has_inner_sentence_end(p.text), (p.provision_id, p.chunk)


def _has_inner_sentence_end(text: str) -> bool:
    """Whether a too long passage could have been cut: a word ending in "." "!" "?" ";" or ":" before a
    capital letter, the word not being a short abbreviation ("No. R (85) 10", "Art. 5")."""
    for m in re.finditer(r"(\S+)\s+(?=[A-Z(])", text):
        word = m.group(1)
        if word[-1] in ".!?;:" and not (word[-1] == "." and len(word) <= 4 and word[0].isalpha()):
            return True
    return False
