"""The audience tables as the bot uses them: each call is one short transaction, and Telegram ids
are turned into keyed hashes here, before anything reaches the database.

Every method blocks on the database: async callers run them with `asyncio.to_thread`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from knowledge import metrics
from knowledge.audience import (
    chat_settings,
    check_log,
    held_forwards,
    languages,
    quotas,
    reply_links,
    submissions,
    votes,
)
from knowledge.audience.check_log import CheckEntry
from knowledge.audience.pseudonyms import keyed_hash
from knowledge.audience.submissions import Origin
from knowledge.audience.votes import VoteTally
from knowledge.db.transactions import Transactions
from knowledge.debunks.tables import utcnow
from knowledge.moderation.deliveries import forget_recipient, purge_recipients, record_recipients


@dataclass(frozen=True)
class CardsSent:
    """Debunk cards a private chat was sent, remembered for 30 days so that a corrected card can
    reach the reader (`knowledge.moderation.deliveries.record_recipients`); the chat id is kept as
    is, to send to it."""

    chat_id: int
    slugs: tuple[str, ...]
    lang: str


@dataclass(frozen=True)
class AnswerRecord:
    """What one answer leaves in the database: its check-log line, which of our messages answers
    which of the reader's (`reply`: chat, message, our reply), and the cards a private chat was
    `sent`."""

    check: CheckEntry | None = None
    reply: tuple[int, int, int] | None = None
    sent: CardsSent | None = None


class Audience:
    def __init__(self, engine: Engine, *, secret: str) -> None:
        self.engine = engine
        self.tx = Transactions(engine)
        self._secret = secret

    def key(self, telegram_id: int) -> str:
        """The keyed hash that stands for a user or chat id everywhere (also in logs)."""
        return keyed_hash(self._secret, telegram_id)

    def language(self, user_id: int) -> str | None:
        user_hash = self.key(user_id)
        return self.tx.read(lambda s: languages.get_language(s, user_hash=user_hash))

    def set_language(self, user_id: int, lang: str) -> None:
        user_hash = self.key(user_id)
        self.tx.write(lambda s: languages.set_language(s, user_hash=user_hash, lang=lang))

    def submit(self, user_id: int, *, lang: str, text: str, origin: Origin) -> bool:
        """Queue a message for the fact-checkers; False when the same one is already queued."""
        user_hash = self.key(user_id)
        _, created = self.tx.write(
            lambda s: submissions.add_submission(
                s, user_hash=user_hash, lang=lang, text=text, origin=origin
            )
        )
        return created

    def vote(self, user_id: int, *, slug: str, vote: int) -> VoteTally:
        """Record the reader's vote; the debunk's tally with it."""

        def fn(session: Session) -> VoteTally:
            votes.set_vote(session, slug=slug, user_hash=self.key(user_id), vote=vote)
            session.flush()
            return votes.vote_tally(session, slug=slug)

        return self.tx.write(fn)

    def auto_check(self, chat_id: int) -> bool:
        return self.tx.read(lambda s: chat_settings.get_auto_check(s, chat_id=chat_id))

    def set_auto_check(self, chat_id: int, *, enabled: bool, by_user_id: int) -> None:
        by = self.key(by_user_id)
        self.tx.write(
            lambda s: chat_settings.set_auto_check(s, chat_id=chat_id, enabled=enabled, by=by)
        )

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
        answers message `reply[1]`, and which cards a private chat was `sent`."""
        (outcome,) = self.record_many([AnswerRecord(check, reply, sent)])
        if outcome is not None:
            raise outcome

    def record_many(self, records: Sequence[AnswerRecord]) -> list[Exception | None]:
        """Several answers' records in one transaction (one commit for a burst keeps SQLite
        fast); if that fails, each alone, so that one bad row loses no other answer's. Each
        record's outcome: None when stored, else what went wrong."""
        try:
            self.tx.write(partial(self._write, records))
        except SQLAlchemyError as exc:
            if len(records) == 1:
                return [exc]
            return [outcome for r in records for outcome in self.record_many([r])]
        for record in records:
            if record.check is not None:  # counted once stored: /metrics and /stats agree
                metrics.CHECKS.labels(
                    verdict=record.check.verdict, source=record.check.source
                ).inc()
        return [None] * len(records)

    def _write(self, records: Sequence[AnswerRecord], session: Session) -> None:
        """One statement per table for all `records`."""
        check_log.log_checks(session, [r.check for r in records if r.check is not None])
        reply_links.remember_replies(
            session,
            [(self.key(r.reply[0]), r.reply[1], r.reply[2]) for r in records if r.reply],
        )
        for sent in (r.sent for r in records if r.sent is not None and r.sent.slugs):
            record_recipients(session, chat_id=sent.chat_id, slugs=sent.slugs, lang=sent.lang)

    def popular(self, *, limit: int, days: int = 30) -> list[str]:
        since = utcnow() - timedelta(days=days)
        return self.tx.read(lambda s: check_log.popular_slugs(s, limit=limit, since=since))

    def remember_reply(self, chat_id: int, message_id: int, reply_message_id: int) -> None:
        self.record(reply=(chat_id, message_id, reply_message_id))

    def reply_for(self, chat_id: int, message_id: int) -> int | None:
        chat_key = self.key(chat_id)
        return self.tx.read(
            lambda s: reply_links.find_reply(s, chat_key=chat_key, message_id=message_id)
        )

    def forget_reply(self, chat_id: int, message_id: int) -> None:
        chat_key = self.key(chat_id)
        self.tx.write(
            lambda s: reply_links.forget_reply(s, chat_key=chat_key, message_id=message_id)
        )

    def forget(self, user_id: int) -> int:
        """/forgetme: delete everything stored about this reader (submissions, votes, the
        language choice, the answers in their private chat, their check quota, forwards held for
        their words, the cards sent to them); returns how many rows went."""
        user_hash = self.key(user_id)

        def fn(session: Session) -> int:
            concepts = (submissions, votes, languages, reply_links, quotas)
            removed = sum(concept.forget(session, user_hash=user_hash) for concept in concepts)
            removed += held_forwards.forget_chat(session, chat_id=user_id)
            return removed + forget_recipient(session, chat_id=user_id)

        return self.tx.write(fn)

    def purge(self, *, days: int) -> int:
        """Delete check records, reply links and submissions older than the retention period,
        and the cards sent to readers past their correction window; returns how many rows went."""
        before = utcnow() - timedelta(days=days)

        def fn(session: Session) -> int:
            concepts = (check_log, reply_links, submissions)
            removed = sum(concept.purge_before(session, before=before) for concept in concepts)
            return removed + purge_recipients(session)

        return self.tx.write(fn)


__all__ = ["Audience", "CardsSent", "CheckEntry", "Origin", "VoteTally"]
