"""/forgetme deletes everything /privacy lists, and a held forward keeps only what answering it
needs while it waits (on SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from knowledge.audience import held_forwards, quotas
from knowledge.audience.held_forwards import HeldForward
from knowledge.audience.quotas import CheckQuota
from knowledge.audience.reply_links import ReplyLink
from knowledge.audience.service import Audience
from knowledge.debunks.tables import utcnow

READER, OTHER = 5_000_001, 5_000_002
FORWARD: dict[str, Any] = {
    "message_id": 10,
    "date": 1_700_000_000,
    "chat": {
        "id": READER,
        "type": "private",
        "first_name": "Aigerim",
        "last_name": "Kassymova",
        "username": "aigerim_k",
    },
    "from": {
        "id": READER,
        "is_bot": False,
        "first_name": "Aigerim",
        "last_name": "Kassymova",
        "username": "aigerim_k",
        "language_code": "kk",
        "is_premium": True,
    },
    "text": "Вышки 5G распространяют коронавирус",
    "forward_origin": {
        "type": "channel",
        "date": 1_699_999_000,
        "chat": {"id": -1001, "type": "channel", "title": "News", "username": "news_kz"},
        "message_id": 77,
    },
}


def count(engine: Engine, table: type, **where: object) -> int:
    statement = select(func.count()).select_from(table)
    for name, value in where.items():
        statement = statement.where(getattr(table, name) == value)
    with Session(engine) as session:
        return int(session.scalar(statement) or 0)


def leave_traces(engine: Engine, audience: Audience, user_id: int) -> None:
    """What one reader's ordinary use leaves: an answered message, a check, a held forward."""
    audience.remember_reply(user_id, 1, 2)
    with Session(engine) as session:
        quotas.take_check(session, user_hash=audience.key(user_id), now=time.time())
        held_forwards.hold(
            session, chat_id=user_id, message={**FORWARD, "chat": {"id": user_id}}, grace=60,
            now=utcnow(),
        )  # fmt: skip
        session.commit()


def test_forgetme_deletes_reply_links_quota_and_held_forwards(migrated_engine: Engine) -> None:
    audience = Audience(migrated_engine, secret="test-secret")
    for user in (READER, OTHER):
        leave_traces(migrated_engine, audience, user)
    removed = audience.forget(READER)
    assert removed == 3
    mine, theirs = audience.key(READER), audience.key(OTHER)
    assert count(migrated_engine, ReplyLink, chat_key=mine) == 0
    assert count(migrated_engine, CheckQuota, user_hash=mine) == 0
    assert count(migrated_engine, HeldForward, chat_id=READER) == 0
    assert audience.reply_for(READER, 1) is None
    # the other reader keeps everything
    assert count(migrated_engine, ReplyLink, chat_key=theirs) == 1
    assert count(migrated_engine, CheckQuota, user_hash=theirs) == 1
    assert count(migrated_engine, HeldForward, chat_id=OTHER) == 1
    assert audience.forget(READER) == 0


def test_a_held_forward_keeps_no_names_of_its_reader(migrated_engine: Engine) -> None:
    with Session(migrated_engine) as session:
        held_forwards.hold(session, chat_id=READER, message=FORWARD, grace=60, now=utcnow())
        session.commit()
    with Session(migrated_engine) as session:
        stored = session.scalars(select(HeldForward.message)).one()  # type: ignore[call-overload]
    text = repr(stored)
    for personal in ("Aigerim", "Kassymova", "aigerim_k", "is_premium"):
        assert personal not in text
    assert stored["from"] == {
        "id": READER,
        "is_bot": False,
        "first_name": "",
        "language_code": "kk",
    }
    assert stored["chat"] == {"id": READER, "type": "private"}
    # what the answer needs is all there: the text, where it was forwarded from, what to reply to
    assert stored["text"] == FORWARD["text"]
    assert stored["forward_origin"] == FORWARD["forward_origin"]
    assert stored["message_id"] == 10 and stored["date"] == FORWARD["date"]
