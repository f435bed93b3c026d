"""What Tekser keeps about its readers and chats: submissions, votes, language choices, chat
settings, a log of checks, and which reply answers which message (so edits edit the reply).

People are never stored by their Telegram id: `keyed_hash` turns an id into an HMAC-SHA256 with
the deployment's secret, so the tables can be joined per person without naming anyone.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from knowledge.debunks.tables import utcnow

VOTES = (1, -1)
SUBMISSION_STATUSES = ("new", "reviewed", "dismissed")


def keyed_hash(secret: str, value: int | str) -> str:
    """The HMAC-SHA256 (hex) of a Telegram id under the deployment's secret."""
    return hmac.new(secret.encode(), str(value).encode(), hashlib.sha256).hexdigest()


class Submission(SQLModel, table=True):
    """A message a reader sent to the fact-checkers' queue because no debunk matched it."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    user_hash: str = Field(max_length=64, index=True)
    lang: str = Field(max_length=8)
    text: str
    origin_kind: str = Field(default="", max_length=20)  # "", user, hidden_user, chat, channel
    origin_title: str = Field(default="", max_length=256)  # public chats only, never a person
    origin_url: str = Field(default="")  # t.me link of a public channel post
    status: str = Field(default="new", max_length=20, index=True)


class FeedbackVote(SQLModel, table=True):
    """One reader's 👍 (+1) or 👎 (-1) on one debunk card; changing it overwrites it."""

    __table_args__ = (UniqueConstraint("slug", "user_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, index=True)
    user_hash: str = Field(max_length=64)
    vote: int
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class LanguagePreference(SQLModel, table=True):
    """The interface language a reader chose with /language."""

    user_hash: str = Field(primary_key=True, max_length=64)
    lang: str = Field(max_length=8)
    updated_at: datetime = Field(default_factory=utcnow)


class ChatSettings(SQLModel, table=True):
    """Per group: whether Tekser answers confident matches on its own (/settings auto)."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    auto_check: bool = False
    updated_by: str = Field(default="", max_length=64)  # keyed hash of the admin
    updated_at: datetime = Field(default_factory=utcnow)


class CheckRecord(SQLModel, table=True):
    """One check a reader asked for: what was decided and which debunk, never the text or who."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    source: str = Field(max_length=20)  # private | edit | mention | command | auto | inline ...
    chat_type: str = Field(default="", max_length=20)
    lang: str = Field(default="", max_length=8)
    verdict: str = Field(max_length=10)  # match | possible | none | shown
    slug: str | None = Field(default=None, max_length=80, index=True)
    score: float = 0.0


class ReplyLink(SQLModel, table=True):
    """Which of Tekser's messages answers which incoming message, so an edit edits the answer."""

    __table_args__ = (UniqueConstraint("chat_key", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_key: str = Field(max_length=64)  # keyed hash of the chat id
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    reply_message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
