"""Forwarded messages held for a few seconds, in case the reader adds their own words.

A reader often forwards a post and then writes "is this true?"; the two are checked as one request
and answered once. The forwards wait here, in the database, not in one process's memory: with
several workers the forward and the words may reach different workers, and the worker that took
the forward may die before the grace period ends.

Whoever takes a chat's held forwards first answers them, exactly once: the reader's words (on any
worker) take them at once; otherwise the worker that held them takes them when the grace period is
over; forwards that nobody took (their worker died) are taken by any worker's sweep a little later.
Taking is one DELETE … RETURNING, so two workers never both get the same row.

Each function takes a session and keyword arguments; the caller commits. No telegram import: a
held message is stored as the JSON the Bot API sent, less the reader's names (`needed_to_answer`).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Engine, bindparam, delete, func, select
from sqlmodel import Field, Session, SQLModel, col

from knowledge.db.upserts import core_connection
from knowledge.debunks.tables import utcnow


class HeldForward(SQLModel, table=True):
    """One forwarded message waiting for its reader's words until `release_at`."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    message: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    release_at: datetime = Field(index=True)


def needed_to_answer(message: dict[str, Any]) -> dict[str, Any]:
    """A held message without who sent it beyond what answering needs: the reader's names and
    username go, their id stays (it is the private chat's id, which the answer goes to) with
    their app's language; the forwarded content and its origin stay (they are what is checked)."""
    kept = {key: value for key, value in message.items() if key not in ("from", "chat")}
    chat = message.get("chat")
    if chat:
        kept["chat"] = {"id": chat.get("id"), "type": chat.get("type", "private")}
    sender = message.get("from")
    if sender:
        kept["from"] = {"id": sender.get("id"), "is_bot": False, "first_name": ""}
        if sender.get("language_code"):
            kept["from"]["language_code"] = sender["language_code"]
    return kept


def hold(
    session: Session, *, chat_id: int, message: dict[str, Any], grace: float, now: datetime
) -> bool:
    """Hold `message` for `grace` seconds; True when it is the first one the chat has waiting
    (its holder then releases the chat's forwards when the grace period ends)."""
    kept = needed_to_answer(message)
    session.add(
        HeldForward(chat_id=chat_id, message=kept, release_at=now + timedelta(seconds=grace))
    )
    session.flush()
    waiting = session.scalar(
        select(func.count()).select_from(HeldForward).where(col(HeldForward.chat_id) == chat_id)
    )
    return waiting == 1


def take(session: Session, *, chat_id: int, due_by: datetime | None = None) -> list[dict[str, Any]]:
    """Remove and return the chat's held forwards, oldest first (empty if another took them).

    With `due_by`, only when the chat's first forward is due by then: a release that woke up late
    leaves alone a new round of forwards that its own holder will release."""
    values: dict[str, Any] = {"chat_id": chat_id}
    if due_by is not None:
        values["due_by"] = due_by
    # Core, not the ORM's bulk delete: it runs for every private message
    rows = core_connection(session).execute(_take_statement(due=due_by is not None), values).all()
    return [message for _, message in sorted(rows, key=lambda row: row[0])]


@functools.cache
def _take_statement(*, due: bool) -> Any:
    """Built once, executed with parameters (it runs for every private message)."""
    chat = col(HeldForward.chat_id) == bindparam("chat_id")
    statement = delete(HeldForward).where(chat)
    if due:
        first_due = select(col(HeldForward.chat_id)).where(
            chat, col(HeldForward.release_at) <= bindparam("due_by")
        )
        statement = statement.where(col(HeldForward.chat_id).in_(first_due.scalar_subquery()))
    return statement.returning(col(HeldForward.id), col(HeldForward.message))


def take_overdue(
    session: Session, *, older_than: float, now: datetime | None = None
) -> dict[int, list[dict[str, Any]]]:
    """Remove and return, by chat, forwards whose release is `older_than` seconds overdue: their
    holder did not release them (it stopped or died)."""
    moment = (now or utcnow()) - timedelta(seconds=older_than)
    overdue = select(col(HeldForward.chat_id)).where(col(HeldForward.release_at) <= moment)
    statement = (
        delete(HeldForward)
        .where(col(HeldForward.chat_id).in_(overdue.scalar_subquery()))
        .returning(col(HeldForward.id), col(HeldForward.chat_id), col(HeldForward.message))
    )
    chats: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for _, chat_id, message in sorted(session.execute(statement).all(), key=lambda row: row[0]):
        chats[chat_id].append(message)
    return dict(chats)


def forget_chat(session: Session, *, chat_id: int) -> int:
    """Delete the chat's held forwards unanswered; returns how many went."""
    statement = delete(HeldForward).where(col(HeldForward.chat_id) == chat_id)
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


class ForwardHolds:
    """The held forwards of every private chat, one short transaction per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def hold(self, *, chat_id: int, message: dict[str, Any], grace: float) -> bool:
        with Session(self.engine) as session:
            first = hold(session, chat_id=chat_id, message=message, grace=grace, now=utcnow())
            session.commit()
        return first

    def take(self, *, chat_id: int, due: bool = False) -> list[dict[str, Any]]:
        """The chat's forwards (with `due`, only once its first one's grace period is over)."""
        with Session(self.engine) as session:
            taken = take(session, chat_id=chat_id, due_by=utcnow() if due else None)
            session.commit()
        return taken

    def take_overdue(self, *, older_than: float) -> dict[int, list[dict[str, Any]]]:
        with Session(self.engine) as session:
            taken = take_overdue(session, older_than=older_than)
            session.commit()
        return taken
