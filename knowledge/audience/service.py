"""The audience tables as the bot uses them: each call is one short transaction, and Telegram ids
are turned into keyed hashes here, before anything reaches the database.

Every method blocks on the database: async callers run them with `asyncio.to_thread`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.audience import storage
from knowledge.audience.storage import VoteTally
from knowledge.audience.tables import keyed_hash
from knowledge.debunks.tables import utcnow
from knowledge.moderation.deliveries import forget_recipient, purge_recipients, record_recipients


@dataclass(frozen=True)
class CheckEntry:
    """One check for the log: what was decided and which debunk; never the text or the person."""

    source: str  # private | forward | edit | command | mention | auto | inline | deep-link ...
    verdict: str  # match | possible | none | shown
    slug: str | None = None
    score: float = 0.0
    chat_type: str = ""
    lang: str = ""


@dataclass(frozen=True)
class CardsSent:
    """Debunk cards a private chat was sent, remembered for 30 days so that a corrected card can
    reach the reader (`knowledge.moderation.deliveries.record_recipients`); the chat id is kept as
    is, to send to it."""

    chat_id: int
    slugs: tuple[str, ...]
    lang: str


@dataclass(frozen=True)
class Origin:
    """Where a forwarded message came from, as much of it as may be stored."""

    kind: str = ""  # "", user, hidden_user, chat, channel
    title: str = ""  # public chat or channel title; empty for people
    url: str = ""  # t.me link of a public channel post


class Audience:
    def __init__(self, engine: Engine, *, secret: str) -> None:
        self.engine = engine
        self._secret = secret

    def key(self, telegram_id: int) -> str:
        """The keyed hash that stands for a user or chat id everywhere (also in logs)."""
        return keyed_hash(self._secret, telegram_id)

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def language(self, user_id: int) -> str | None:
        with self._session() as session:
            return storage.get_language(session, user_hash=self.key(user_id))

    def set_language(self, user_id: int, lang: str) -> None:
        with self._session() as session:
            storage.set_language(session, user_hash=self.key(user_id), lang=lang)
            session.commit()

    def submit(self, user_id: int, *, lang: str, text: str, origin: Origin) -> bool:
        """Queue a message for the fact-checkers; False when the same one is already queued."""
        with self._session() as session:
            _, created = storage.add_submission(
                session,
                user_hash=self.key(user_id),
                lang=lang,
                text=text,
                origin_kind=origin.kind,
                origin_title=origin.title,
                origin_url=origin.url,
            )
            session.commit()
        return created

    def vote(self, user_id: int, *, slug: str, vote: int) -> VoteTally:
        with self._session() as session:
            storage.set_vote(session, slug=slug, user_hash=self.key(user_id), vote=vote)
            session.commit()
            return storage.vote_tally(session, slug=slug)

    def auto_check(self, chat_id: int) -> bool:
        with self._session() as session:
            return storage.get_auto_check(session, chat_id=chat_id)

    def set_auto_check(self, chat_id: int, *, enabled: bool, by_user_id: int) -> None:
        with self._session() as session:
            storage.set_auto_check(
                session, chat_id=chat_id, enabled=enabled, by=self.key(by_user_id)
            )
            session.commit()

    def log_check(self, check: CheckEntry) -> None:
        self.record(check=check)

    def record(
        self,
        *,
        check: CheckEntry | None = None,
        reply: tuple[int, int, int] | None = None,
        sent: CardsSent | None = None,
    ) -> None:
        """In one transaction: log a check, remember that message `reply[2]` in chat `reply[0]`
        answers message `reply[1]`, and which cards a private chat was `sent` (one commit per
        answer keeps SQLite fast)."""
        with self._session() as session:
            if check is not None:
                storage.log_check(
                    session,
                    source=check.source,
                    verdict=check.verdict,
                    slug=check.slug,
                    score=check.score,
                    chat_type=check.chat_type,
                    lang=check.lang,
                )
            if reply is not None:
                chat_id, message_id, reply_message_id = reply
                storage.remember_reply(
                    session,
                    chat_key=self.key(chat_id),
                    message_id=message_id,
                    reply_message_id=reply_message_id,
                )
            if sent is not None and sent.slugs:
                record_recipients(session, chat_id=sent.chat_id, slugs=sent.slugs, lang=sent.lang)
            session.commit()

    def popular(self, *, limit: int, days: int = 30) -> list[str]:
        with self._session() as session:
            since = utcnow() - timedelta(days=days)
            return storage.popular_slugs(session, limit=limit, since=since)

    def remember_reply(self, chat_id: int, message_id: int, reply_message_id: int) -> None:
        self.record(reply=(chat_id, message_id, reply_message_id))

    def reply_for(self, chat_id: int, message_id: int) -> int | None:
        with self._session() as session:
            return storage.find_reply(session, chat_key=self.key(chat_id), message_id=message_id)

    def forget_reply(self, chat_id: int, message_id: int) -> None:
        with self._session() as session:
            storage.forget_reply(session, chat_key=self.key(chat_id), message_id=message_id)
            session.commit()

    def forget(self, user_id: int) -> int:
        """/forgetme: delete everything stored about this reader; returns how many rows went."""
        with self._session() as session:
            removed = storage.forget_user(session, user_hash=self.key(user_id))
            removed += forget_recipient(session, chat_id=user_id)
            session.commit()
        return removed

    def purge(self, *, days: int) -> int:
        """Delete what is older than the retention period, and the cards sent to readers past
        their correction window; returns how many rows went."""
        with self._session() as session:
            removed = storage.purge_before(session, before=utcnow() - timedelta(days=days))
            removed += purge_recipients(session)
            session.commit()
        return removed
