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

from knowledge.db.transactions import Transactions
from knowledge.debunks.tables import utcnow
from knowledge.moderation import audit
from knowledge.moderation.audit import Actor

OWNER, ADMIN, EDITOR = "owner", "admin", "editor"
ROLES = (OWNER, ADMIN, EDITOR)  # strongest first
GRANTABLE = (ADMIN, EDITOR)  # owners come from the settings only
RANK = {OWNER: 3, ADMIN: 2, EDITOR: 1}


class NotAllowed(Exception):
    """The acting moderator's role does not allow this (e.g. an admin revoking an admin)."""


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


class Roles:
    """Granting and revoking roles, each one transaction with its permission check and audit
    record, whether asked in Telegram (/grant, /revoke) or on the command line."""

    def __init__(self, tx: Transactions, *, owner_ids: Collection[int]) -> None:
        self.tx = tx
        self.owner_ids = frozenset(owner_ids)

    def role_of_actor(self, session: Session, actor: Actor) -> str | None:
        return OWNER if actor.console else role_of(session, user_id=actor.user_id,
                                                   owner_ids=self.owner_ids)  # fmt: skip

    def require(self, session: Session, actor: Actor, needed: str) -> None:
        """Refuse (NotAllowed) unless `actor` holds `needed` or a stronger role right now."""
        if not at_least(self.role_of_actor(session, actor), needed):
            raise NotAllowed(needed)

    def role(self, user_id: int, *, name: str = "") -> str | None:
        """The role `user_id` holds right now (and the name Telegram shows is remembered)."""

        def fn(session: Session) -> str | None:
            remember_name(session, user_id=user_id, name=name)
            return role_of(session, user_id=user_id, owner_ids=self.owner_ids)

        return self.tx.write(fn)

    def grant(self, actor: Actor, *, user_id: int, role: str, name: str = "") -> Moderator:
        def fn(session: Session) -> Moderator:
            mine = self.role_of_actor(session, actor)
            theirs = role_of(session, user_id=user_id, owner_ids=self.owner_ids)
            if user_id == actor.user_id or not (
                may_manage(mine, theirs) and may_manage(mine, role)
            ):
                raise NotAllowed(role)
            before = {"role": theirs} if theirs else None
            granted_by = None if actor.console else actor.user_id
            row = grant(session, user_id=user_id, role=role, granted_by=granted_by, name=name)
            audit.record(
                session, actor=actor, action="grant", before=before,
                after={"user_id": user_id, "role": role},
            )  # fmt: skip
            return row

        return self.tx.write(fn)

    def revoke(self, actor: Actor, *, user_id: int) -> Moderator | None:
        """Take a stored role away; None when `user_id` holds none (owners are not stored)."""

        def fn(session: Session) -> Moderator | None:
            mine = self.role_of_actor(session, actor)
            theirs = role_of(session, user_id=user_id, owner_ids=self.owner_ids)
            if theirs is None:
                return None
            if user_id == actor.user_id or not may_manage(mine, theirs):
                raise NotAllowed(theirs)
            row = revoke(session, user_id=user_id)
            audit.record(
                session, actor=actor, action="revoke",
                before={"user_id": user_id, "role": theirs}, after=None,
            )  # fmt: skip
            return row

        return self.tx.write(fn)

    def moderators(self) -> list[Moderator]:
        """Stored moderators, admins first (owners come from the settings)."""
        return self.tx.read(list_moderators)
