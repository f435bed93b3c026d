"""The daily clean-up of what workers share in the database for a short while only: check quota
windows, link previews and abandoned conversation steps (each module says how long it keeps)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.audience import quotas
from knowledge.db import bot_state, handled_updates, link_cache
from knowledge.debunks.tables import utcnow

PURGES = (
    quotas.purge_expired,
    link_cache.purge_expired,
    bot_state.purge_expired,
    handled_updates.purge_expired,
)


def purge_expired(engine: Engine, *, now: datetime | None = None) -> int:
    """Delete what ran out by `now` (by default now), in one transaction; returns how many rows
    went."""
    now = now or utcnow()
    with Session(engine) as session:
        removed = sum(purge(session, now=now) for purge in PURGES)
        session.commit()
    return removed
