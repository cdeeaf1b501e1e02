"""Indexing writes only what changed: deterministic ids, content hashes, cached embeddings, stale removal."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from qdrant_client import QdrantClient

from cyberlex.corpus.errors import InvalidInput, StoreUnavailable
from cyberlex.corpus.model import Passage
from cyberlex.index.client_store import ClientStore
from cyberlex.index.documents import point_id
from cyberlex.index.e5 import E5Encoder, E5PassageEmbedder
from cyberlex.index.edge_store import EdgeStore
from cyberlex.index.embedders import DenseEncoder, EmbeddingCache, embedding_text
from cyberlex.index.indexer import IndexReport, Indexer
from cyberlex.index.store import E5, E5_DIM
from cyberlex.settings import Settings
from test_store import store_without_e5

FACTS = dict(jurisdiction="Kenya", kind="national-law", language="en", status="in-force", binding=True)


def section(n: int, text: str, chunk: int = 0) -> Passage:
    unit = f"kenya-computer-misuse-cybercrimes-act-2018/s-{n}"
    return Passage(
        provision_id=unit, unit_id=unit, chunk=chunk, instrument_id="kenya-computer-misuse-cybercrimes-act-2018",
        label=f"s. {n}", heading=f"Heading {n}", path=("Part III — Offences",), citation=f"Act (Kenya), s. {n}",
        text=text, start=100 * n + chunk, end=100 * n + chunk + len(text), metadata=FACTS,
    )


SECTIONS = [
    section(14, "A person who causes a computer system to perform a function to gain unauthorised access commits an "
                "offence."),
    section(15, "A person who accesses a computer system intending to commit a further offence commits an offence."),
    section(16, "A person who interferes with computer data without authorisation commits an offence."),
    section(16, "The penalty is a fine or imprisonment or both.", chunk=1),
]
INSTRUMENT = SECTIONS[0].instrument_id


def article(n: int, text: str) -> Passage:
    unit = f"japan-unauthorized-computer-access-act-1999-ja/art-{n}"
    return Passage(
        provision_id=unit, unit_id=unit, chunk=0, instrument_id="japan-unauthorized-computer-access-act-1999-ja",
        label=f"第{n}条", heading="", path=(), citation=f"Act (Japan), art. {n}", text=text, start=100 * n,
        end=100 * n + len(text), metadata=dict(FACTS, jurisdiction="Japan", language="ja"),
    )


ARTICLES = [article(3, "何人も、不正アクセス行為をしてはならない。"),
            article(11, "第三条の規定に違反した者は、三年以下の拘禁刑又は百万円以下の罰金に処する。")]
JAPANESE = ARTICLES[0].instrument_id


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return Settings(data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def encoder(settings):
    enc = DenseEncoder.from_settings(settings)
    enc.warm_up()
    yield enc
    enc.close()


@pytest.fixture(params=["edge", "client"])
def store(request, tmp_path):
    opened = EdgeStore(tmp_path / "edge") if request.param == "edge" else ClientStore(QdrantClient(":memory:"), "t")
    with opened:
        yield opened


def test_first_index_adds_every_passage_with_deterministic_ids(settings, store, encoder):
    report = Indexer(settings, store, encoder).index(INSTRUMENT, SECTIONS)
    assert report == IndexReport(added=4, updated=0, unchanged=0, removed=0)
    assert store.point_ids_of(INSTRUMENT) == {point_id(p.key) for p in SECTIONS}


def test_reindexing_the_same_passages_embeds_and_writes_nothing(settings, store, encoder):
    indexer = Indexer(settings, store, encoder)
    indexer.index(INSTRUMENT, SECTIONS)
    ids, calls = store.point_ids_of(INSTRUMENT), encoder.model_calls
    assert indexer.index(INSTRUMENT, SECTIONS) == IndexReport(added=0, updated=0, unchanged=4, removed=0)
    assert (store.point_ids_of(INSTRUMENT), store.count(), encoder.model_calls) == (ids, 4, calls)


def test_a_changed_passage_is_updated_in_place(settings, store, encoder):
    indexer = Indexer(settings, store, encoder)
    indexer.index(INSTRUMENT, SECTIONS)
    amended = [*SECTIONS[:2], replace(SECTIONS[2], text="A person who damages computer data commits an offence."),
               SECTIONS[3]]
    assert indexer.index(INSTRUMENT, amended) == IndexReport(added=0, updated=1, unchanged=3, removed=0)
    assert store.count() == 4
    texts = {p["text"] for _, p in store.scroll({"unit_id": [SECTIONS[2].unit_id]})}
    assert "A person who damages computer data commits an offence." in texts


def test_points_no_longer_produced_are_removed(settings, store, encoder):
    indexer = Indexer(settings, store, encoder)
    indexer.index(INSTRUMENT, SECTIONS)
    merged = [section(14, SECTIONS[0].text), section(16, SECTIONS[2].text + " " + SECTIONS[3].text)]
    assert indexer.index(INSTRUMENT, merged) == IndexReport(added=0, updated=1, unchanged=1, removed=2)
    assert store.point_ids_of(INSTRUMENT) == {point_id(p.key) for p in merged}


def test_other_instruments_are_left_alone(settings, store, encoder):
    indexer = Indexer(settings, store, encoder)
    indexer.index(INSTRUMENT, SECTIONS)
    other = replace(SECTIONS[0], provision_id="other/s-1", unit_id="other/s-1", instrument_id="other")
    indexer.index("other", [other])
    assert indexer.index(INSTRUMENT, SECTIONS[:1]).removed == 3
    assert store.point_ids_of("other") == {point_id(other.key)}


def test_changing_bm25_settings_rewrites_points_without_embedding_again(settings, store, encoder):
    Indexer(settings, store, encoder).index(INSTRUMENT, SECTIONS)
    calls = encoder.model_calls
    retuned = settings.model_copy(update={"bm25_b": 0.5})
    assert Indexer(retuned, store, encoder).index(INSTRUMENT, SECTIONS).updated == 4
    assert encoder.model_calls == calls


def fresh_encoder(tmp_path) -> DenseEncoder:
    """An encoder on an empty embedding cache (the model itself is loaded once per process)."""
    encoder = DenseEncoder.from_settings(Settings(data_dir=tmp_path / "fresh"))
    encoder.warm_up()
    return encoder


def test_embedding_ahead_leaves_index_nothing_to_embed(settings, store, encoder, tmp_path):
    other = [replace(p, provision_id=f"other/s-{n}", unit_id=f"other/s-{n}", instrument_id="other",
                     text=p.text.replace("computer", "information")) for n, p in enumerate(SECTIONS[:2])]
    fresh = fresh_encoder(tmp_path)
    indexer = Indexer(settings, store, fresh)
    indexer.embed_ahead({INSTRUMENT: SECTIONS, "other": other})
    assert fresh.model_calls == 6
    assert indexer.index(INSTRUMENT, SECTIONS).added == 4
    assert indexer.index("other", other).added == 2
    assert fresh.model_calls == 6
    fresh.close()


def test_embedding_ahead_leaves_out_what_the_store_holds_unchanged(settings, store, encoder, tmp_path):
    Indexer(settings, store, encoder).index(INSTRUMENT, SECTIONS)
    amended = [*SECTIONS[:3], replace(SECTIONS[3], text="The penalty is a fine.")]
    fresh = fresh_encoder(tmp_path)
    Indexer(settings, store, fresh).embed_ahead({INSTRUMENT: amended})
    assert fresh.model_calls == 1
    fresh.close()


@pytest.mark.parametrize(
    ("instrument", "passages", "message"),
    [
        ("other", SECTIONS[:1], "passages of kenya-computer-misuse-cybercrimes-act-2018 given to index instrument "
                                "'other'"),
        (INSTRUMENT, [SECTIONS[0], SECTIONS[0]], "share a point: kenya-computer-misuse-cybercrimes-act-2018/s-14#0"),
    ],
)
def test_passages_that_would_overwrite_each_other_are_refused(settings, store, encoder, instrument, passages, message):
    with pytest.raises(InvalidInput, match=message):
        Indexer(settings, store, encoder).index(instrument, passages)


def test_index_report_reads_as_a_sentence():
    assert str(IndexReport(1, 2, 3, 4)) == "added 1, updated 2, unchanged 3, removed 4"


def test_a_second_encoder_on_the_same_cache_embeds_nothing(settings, encoder):
    texts = [embedding_text(p) for p in SECTIONS] + ["a text never seen before by this cache"]
    first = encoder.embed(texts)
    again = DenseEncoder.from_settings(settings)
    try:
        assert again.embed(texts) == first
        assert again.model_calls == 0
    finally:
        again.close()


def test_embeddings_are_normalised_and_of_the_models_dimension(encoder):
    vectors = encoder.embed(["computer data", "interception of communications"])
    assert encoder.dim == 384
    assert all(len(v) == 384 and math.isclose(math.fsum(x * x for x in v), 1.0, rel_tol=1e-4) for v in vectors)


def test_repeated_queries_are_embedded_once(encoder):
    calls = encoder.model_calls
    first = encoder.embed_query("what is a protected computer?")
    assert encoder.embed_query("what is a protected computer?") == first
    assert encoder.model_calls == calls + 1


def test_embedding_text_says_what_the_provision_is_about():
    text = embedding_text(SECTIONS[0])
    assert text.splitlines()[:2] == ["s. 14 — Heading 14", "Part III — Offences"]
    assert text.endswith(SECTIONS[0].text)


def test_the_cache_keeps_models_apart(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    cache.put("model-a", {"h1": [0.5, 0.25]})
    assert cache.get("model-a", ["h1", "h2"]) == {"h1": [0.5, 0.25]}
    assert cache.get("model-b", ["h1"]) == {}
    cache.close()


def e5_units(store) -> set[str]:
    """The units whose points have an e5 vector: an e5 search returns every such point, and only those."""
    probe = [1.0] + [0.0] * (E5_DIM - 1)
    return {p["unit_id"] for p, _ in store.query(dense=probe, using=E5, limit=100)}


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (None, {p.unit_id for p in ARTICLES}),  # the default: every language but English
        (["ja"], {p.unit_id for p in ARTICLES}),
        (["th"], set()),
        (["en", "ja"], {p.unit_id for p in ARTICLES + SECTIONS}),
    ],
)
def test_the_e5_languages_decide_which_passages_get_an_e5_vector(settings, store, encoder, languages, expected):
    indexer = Indexer(settings.model_copy(update={"e5_languages": languages}), store, encoder)
    indexer.index(INSTRUMENT, SECTIONS)
    indexer.index(JAPANESE, ARTICLES)
    assert e5_units(store) == expected


def test_turning_e5_on_rewrites_only_the_passages_it_covers(settings, store, encoder):
    without = Indexer(settings.model_copy(update={"e5_languages": []}), store, encoder)
    without.index(INSTRUMENT, SECTIONS)
    without.index(JAPANESE, ARTICLES)
    assert e5_units(store) == set()
    indexer = Indexer(settings, store, encoder)
    assert indexer.index(INSTRUMENT, SECTIONS) == IndexReport(added=0, updated=0, unchanged=4, removed=0)
    assert indexer.index(JAPANESE, ARTICLES) == IndexReport(added=0, updated=2, unchanged=0, removed=0)
    assert e5_units(store) == {p.unit_id for p in ARTICLES}


def test_no_e5_languages_means_no_e5_model_in_the_pipeline(settings, store, encoder):
    indexer = Indexer(settings.model_copy(update={"e5_languages": []}), store, encoder)
    assert indexer.e5 is None
    assert "e5" not in indexer.pipeline.graph.nodes


def test_embedding_ahead_embeds_the_e5_vectors_too(settings, store, encoder, tmp_path):
    fresh = E5Encoder(Settings(data_dir=tmp_path / "fresh"))
    indexer = Indexer(settings, store, encoder, E5PassageEmbedder(fresh))
    indexer.embed_ahead({INSTRUMENT: SECTIONS, JAPANESE: ARTICLES})
    assert fresh.model_calls == 2
    assert indexer.index(JAPANESE, ARTICLES).added == 2
    assert fresh.model_calls == 2
    fresh.close()


@pytest.mark.parametrize("kind", ["edge", "client"])
def test_an_indexer_refuses_a_store_built_before_the_e5_vector_unless_e5_is_off(settings, encoder, kind, tmp_path):
    with store_without_e5(kind, tmp_path) as old:
        with pytest.raises(StoreUnavailable, match=r"has no 'e5' vector .*delete it and run `cyberlex ingest` again"):
            Indexer(settings, old, encoder)
        assert Indexer(settings.model_copy(update={"e5_languages": []}), old, encoder).e5 is None
