"""The audit log: who changed what, when, with the state before and after.

Moderators are staff, so events name them by Telegram id and the name Telegram showed; readers
never appear here (queue decisions name submissions by id, not by who sent them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, Session, SQLModel, col, select

from knowledge.debunks.tables import utcnow


@dataclass(frozen=True)
class Actor:
    """Who does something: a moderator's Telegram id and display name, or the `tekser` command
    line (id 0), which acts as an owner: whoever runs it already holds the database."""

    user_id: int
    name: str = ""
    console: bool = False

    @property
    def label(self) -> str:
        return self.name or str(self.user_id)


SHELL = Actor(0, "tekser (shell)", console=True)


class AuditEvent(SQLModel, table=True):
    """One change to the base or to the moderators, with before/after of what changed."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    actor_name: str = Field(default="", max_length=128)
    action: str = Field(max_length=32)
    slug: str | None = Field(default=None, max_length=80, index=True)
    version: int | None = None  # the debunk's version after the change
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


def changed_parts(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Only the keys whose values differ (both sides), so the log stays small and readable."""
    if before is None or after is None:
        return (dict(before) if before else None), (dict(after) if after else None)
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    slug: str | None = None,
    version: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    diff: bool = True,
) -> AuditEvent:
    """Add one event to the log (the caller commits with the change itself)."""
    if diff:
        before, after = changed_parts(before, after)
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_name=actor.name[:128],
        action=action,
        slug=slug,
        version=version,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
    )
    session.add(event)
    return event


def history(session: Session, *, slug: str, limit: int = 20) -> list[AuditEvent]:
    """The newest events of one debunk, newest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.slug == slug)
        .order_by(col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def last_change(session: Session, *, slug: str) -> AuditEvent | None:
    """The newest event that changed a debunk's content (it carries a version)."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.slug == slug, col(AuditEvent.version).is_not(None))
        .order_by(col(AuditEvent.id).desc())
        .limit(1)
    )
    return session.exec(query).first()
