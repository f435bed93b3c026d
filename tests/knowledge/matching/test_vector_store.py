"""Stored sentence vectors: round trip, and workers storing the same text at the same time."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from knowledge.debunks.tables import TextEmbedding
from knowledge.matching.embedding import text_sha256, vector_to_bytes
from knowledge.matching.vector_store import DatabaseVectorCache

MODEL = "test-model/1"


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(8).astype(np.float32)
    return v / np.linalg.norm(v)


def stored_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(TextEmbedding)).one()


def test_vectors_come_back_by_model_and_text(migrated_engine: Engine) -> None:
    cache = DatabaseVectorCache(migrated_engine)
    cache.put_many(MODEL, {"НАТО": unit(1), "NATO": unit(2)})
    found = cache.get_many(MODEL, ["НАТО", "NATO", "other"])
    assert set(found) == {"НАТО", "NATO"}
    assert np.array_equal(found["НАТО"], unit(1))
    assert cache.get_many("another-model/1", ["НАТО"]) == {}


def test_storing_a_stored_text_again_keeps_the_first_vector(migrated_engine: Engine) -> None:
    cache = DatabaseVectorCache(migrated_engine)
    cache.put_many(MODEL, {"НАТО": unit(1)})
    cache.put_many(MODEL, {"НАТО": unit(2), "NATO": unit(3)})
    assert stored_rows(migrated_engine) == 2
    assert np.array_equal(cache.get_many(MODEL, ["НАТО"])["НАТО"], unit(1))
    cache.put_many(MODEL, {})
    assert stored_rows(migrated_engine) == 2


@pytest.mark.postgres
def test_two_workers_storing_the_same_text_at_once_both_succeed(postgres_url: str) -> None:
    """Worker A has inserted a text but not committed yet when worker B stores it too: B must
    wait for A and then leave A's row alone, not fail on the unique key (it used to crash the
    worker when two TEKSER_WORKERS embedded a fresh base at start-up)."""
    from knowledge.db.engines import create_engine_for, migrate

    engine = create_engine_for(postgres_url)
    migrate(engine)
    try:
        cache = DatabaseVectorCache(engine)
        errors: list[BaseException] = []
        with engine.connect() as worker_a:
            worker_a.execute(
                TextEmbedding.__table__.insert(),  # type: ignore[attr-defined]
                {
                    "model_id": MODEL,
                    "text_sha256": text_sha256("НАТО"),
                    "vector": vector_to_bytes(unit(1)),
                },
            )

            def worker_b() -> None:
                try:
                    cache.put_many(MODEL, {"НАТО": unit(2), "NATO": unit(3)})
                except BaseException as error:  # handed to the test
                    errors.append(error)

            thread = threading.Thread(target=worker_b)
            thread.start()
            thread.join(0.5)
            assert thread.is_alive()  # B waits on A's uncommitted row
            worker_a.commit()
        thread.join(10)
        assert not thread.is_alive() and errors == []
        assert stored_rows(engine) == 2
        assert np.array_equal(cache.get_many(MODEL, ["НАТО"])["НАТО"], unit(1))
    finally:
        engine.dispose()
