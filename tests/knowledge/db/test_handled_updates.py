"""knowledge/db/handled_updates.py: which updates a bot handled, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session

from knowledge.db.expiry import purge_expired
from knowledge.db.handled_updates import HandledUpdate, handled_among, record_handled
from knowledge.debunks.tables import utcnow


def test_a_bot_sees_its_own_recent_records_only(migrated_engine: Engine) -> None:
    record_handled(migrated_engine, 7, [1, 2, 3])
    record_handled(migrated_engine, 7, [3, 4])  # recorded again: no conflict
    assert handled_among(migrated_engine, 7, [2, 3, 4, 5]) == {2, 3, 4}
    assert handled_among(migrated_engine, 8, [1, 2, 3]) == set()  # another bot's ids


def test_records_older_than_two_days_neither_count_nor_stay(migrated_engine: Engine) -> None:
    record_handled(migrated_engine, 7, [1, 2])
    with Session(migrated_engine) as session:
        old = utcnow() - timedelta(days=3)
        session.execute(
            update(HandledUpdate).where(HandledUpdate.update_id == 1).values(handled_at=old)
        )
        session.commit()
    # Telegram numbers a bot's updates afresh after a quiet week: an old id is a new update
    assert handled_among(migrated_engine, 7, [1, 2]) == {2}
    assert purge_expired(migrated_engine) >= 1
    with Session(migrated_engine) as session:
        assert session.get(HandledUpdate, (7, 1)) is None
        assert session.get(HandledUpdate, (7, 2)) is not None
