"""Who may change the knowledge base: owners (from the settings), admins and editors (stored).

Authority always comes from a Telegram user id and the role stored for it at the moment of the
action, never from the chat a command was sent in. Owners are the ids in `TEKSER_OWNER_IDS`; they
are never stored, so they cannot be revoked from Telegram.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, Session, SQLModel, col, select

from knowledge.debunks.tables import utcnow

OWNER, ADMIN, EDITOR = "owner", "admin", "editor"
ROLES = (OWNER, ADMIN, EDITOR)  # strongest first
GRANTABLE = (ADMIN, EDITOR)  # owners come from the settings only
RANK = {OWNER: 3, ADMIN: 2, EDITOR: 1}


class Moderator(SQLModel, table=True):
    """A Telegram user who may edit the base (editor) and also manage editors (admin)."""

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    role: str = Field(max_length=10)
    name: str = Field(default="", max_length=128)  # as Telegram showed it when last seen
    granted_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    granted_at: datetime = Field(default_factory=utcnow)


def at_least(role: str | None, needed: str) -> bool:
    """True when `role` is `needed` or stronger."""
    return role is not None and RANK.get(role, 0) >= RANK[needed]


def may_manage(actor_role: str | None, target_role: str | None) -> bool:
    """Owners manage admins and editors; admins manage editors; nobody manages owners."""
    if target_role == OWNER or actor_role is None:
        return False
    if actor_role == OWNER:
        return True
    return actor_role == ADMIN and target_role in (None, EDITOR)


def role_of(session: Session, *, user_id: int, owner_ids: Collection[int]) -> str | None:
    """The role of `user_id` right now: owner, admin, editor, or None."""
    if user_id in owner_ids:
        return OWNER
    row = session.get(Moderator, user_id)
    return row.role if row is not None else None


def get_moderator(session: Session, *, user_id: int) -> Moderator | None:
    return session.get(Moderator, user_id)


def grant(
    session: Session, *, user_id: int, role: str, granted_by: int | None, name: str = ""
) -> Moderator:
    """Give `user_id` a stored role (admin or editor), replacing any earlier one."""
    if role not in GRANTABLE:
        raise ValueError(f"role must be one of {', '.join(GRANTABLE)}")
    row = session.get(Moderator, user_id) or Moderator(user_id=user_id, role=role)
    row.role = role
    row.granted_by = granted_by
    row.granted_at = utcnow()
    if name:
        row.name = name[:128]
    session.add(row)
    session.flush()
    return row


def revoke(session: Session, *, user_id: int) -> Moderator | None:
    """Remove a stored role; returns the removed row (None when there was none)."""
    row = session.get(Moderator, user_id)
    if row is not None:
        session.delete(row)
        session.flush()
    return row


def remember_name(session: Session, *, user_id: int, name: str) -> None:
    """Keep the name Telegram shows for a moderator, for lists and the audit log."""
    row = session.get(Moderator, user_id)
    if row is not None and name and row.name != name[:128]:
        row.name = name[:128]
        session.add(row)


def list_moderators(session: Session) -> list[Moderator]:
    """Stored moderators, admins first, then by when they were granted."""
    rows = list(session.exec(select(Moderator).order_by(col(Moderator.granted_at))))
    return sorted(rows, key=lambda m: -RANK.get(m.role, 0))
