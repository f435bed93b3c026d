"""Held forwards: a chat's forwards are taken exactly once, by the reader's words, the release or
the sweep for overdue ones (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.audience import held_forwards
from knowledge.debunks.tables import utcnow


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


def hold(engine: Engine, chat_id: int, text: str, now: datetime, grace: float = 3.0) -> bool:
    with Session(engine) as session:
        first = held_forwards.hold(
            session, chat_id=chat_id, message={"text": text}, grace=grace, now=now
        )
        session.commit()
    return first


def take(engine: Engine, chat_id: int) -> list[str]:
    with Session(engine) as session:
        taken = held_forwards.take(session, chat_id=chat_id)
        session.commit()
    return [m["text"] for m in taken]


def test_the_first_forward_of_a_chat_is_the_one_that_releases(engine: Engine) -> None:
    now = utcnow()
    assert hold(engine, 1, "post one", now) is True
    assert hold(engine, 1, "post two", now) is False
    assert hold(engine, 2, "another reader", now) is True


def test_words_take_the_chats_forwards_in_order_once(engine: Engine) -> None:
    now = utcnow()
    hold(engine, 1, "post one", now)
    hold(engine, 1, "post two", now)
    hold(engine, 2, "another reader", now)
    assert take(engine, 1) == ["post one", "post two"]
    assert take(engine, 1) == []  # the release finds nothing: answered once
    assert take(engine, 2) == ["another reader"]
    assert hold(engine, 1, "a new forward", now) is True  # a new round for the chat


def test_the_sweep_takes_only_overdue_chats(engine: Engine) -> None:
    now = utcnow()
    hold(engine, 1, "holder died", now - timedelta(seconds=30))
    hold(engine, 1, "same chat, later", now)  # goes with its chat's overdue forward
    hold(engine, 2, "still in its grace period", now)
    with Session(engine) as session:
        overdue = held_forwards.take_overdue(session, older_than=5, now=now)
        session.commit()
    assert {chat: [m["text"] for m in ms] for chat, ms in overdue.items()} == {
        1: ["holder died", "same chat, later"]
    }
    assert take(engine, 2) == ["still in its grace period"]


def test_a_late_release_leaves_a_new_round_alone(engine: Engine) -> None:
    holds = held_forwards.ForwardHolds(engine)
    assert holds.hold(chat_id=1, message={"text": "new round"}, grace=30.0) is True
    assert holds.take(chat_id=1, due=True) == []  # the old round's release woke up: not yet due
    assert holds.take(chat_id=1) == [{"text": "new round"}]  # the reader's words take it at once


def test_a_due_release_takes_the_whole_round(engine: Engine) -> None:
    holds = held_forwards.ForwardHolds(engine)
    holds.hold(chat_id=1, message={"text": "first"}, grace=0.0)
    holds.hold(chat_id=1, message={"text": "second"}, grace=30.0)
    assert holds.take(chat_id=1, due=True) == [{"text": "first"}, {"text": "second"}]
    assert holds.take(chat_id=1, due=True) == []
