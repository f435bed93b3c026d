"""The daily clean-up of what workers share for a short while (knowledge/db/expiry.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from knowledge.audience.quotas import CheckQuota, take_check
from knowledge.db.bot_state import BotState, store_step
from knowledge.db.expiry import purge_expired
from knowledge.db.link_cache import LinkPreviewCache, store_link


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


def test_the_daily_purge_removes_only_what_ran_out(engine: Engine) -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    with Session(engine) as session:
        take_check(session, user_hash="old", now=now.timestamp() - 7200)
        take_check(session, user_hash="new", now=now.timestamp() - 30)
        for key, age in (("old", timedelta(hours=3)), ("new", timedelta(minutes=10))):
            store_link(session, url_hash=key, now=now - age, title=key)
        for key, age in (("[1, 1]", timedelta(days=2)), ("[2, 2]", timedelta(hours=1))):
            store_step(session, kind="conversation:m", key=key, state="s", now=now - age)
        session.add(BotState(kind="user", key="1", data={}, updated_at=now - timedelta(days=9)))
        session.commit()
    assert purge_expired(engine, now=now) == 3
    with Session(engine) as session:
        assert [q.user_hash for q in session.exec(select(CheckQuota))] == ["new"]
        assert [c.url_hash for c in session.exec(select(LinkPreviewCache))] == ["new"]
        assert sorted(s.key for s in session.exec(select(BotState))) == ["1", "[2, 2]"]
