"""The audience tables on SQLite and PostgreSQL: votes, submissions, languages, chat settings,
the check log, reply links and retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, select

from knowledge.audience.check_log import CheckRecord
from knowledge.audience.languages import LanguagePreference
from knowledge.audience.pseudonyms import keyed_hash
from knowledge.audience.reply_links import ReplyLink
from knowledge.audience.service import Audience, CardsSent, CheckEntry, Origin
from knowledge.audience.submissions import Submission, add_submission, list_submissions
from knowledge.audience.votes import VoteTally
from knowledge.db.engines import create_engine_for, migrate
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.tables import utcnow
from knowledge.moderation.deliveries import CardRecipient
from tests.e2e.pack import BAIKONUR, BIOLABS, FIVE_G, RUSSIAN_BAN

BIG_CHAT = -1001234567890123  # supergroup ids need 64 bits


@pytest.fixture
def audience(kb: KnowledgeBase) -> Audience:
    return Audience(kb.engine, secret="test-secret")


def test_the_migration_creates_the_audience_tables(database_url: str) -> None:
    engine = create_engine_for(database_url)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    expected = {"submission", "feedbackvote", "languagepreference", "chatsettings"}
    assert expected | {"checkrecord", "replylink"} <= tables
    engine.dispose()


def test_people_are_stored_as_keyed_hashes(audience: Audience) -> None:
    assert audience.key(42) == keyed_hash("test-secret", 42)
    assert audience.key(42) != keyed_hash("another-secret", 42)
    assert "42" not in audience.key(42) and len(audience.key(42)) == 64
    audience.set_language(42, "kk")
    with Session(audience.engine) as session:
        stored = session.exec(select(LanguagePreference)).one()
    assert stored.user_hash == audience.key(42)


def test_a_vote_is_one_per_reader_and_changeable(audience: Audience) -> None:
    assert audience.vote(1, slug=BIOLABS, vote=1) == VoteTally(1, 0)
    assert audience.vote(1, slug=BIOLABS, vote=1) == VoteTally(1, 0)
    assert audience.vote(2, slug=BIOLABS, vote=1) == VoteTally(2, 0)
    assert audience.vote(1, slug=BIOLABS, vote=-1) == VoteTally(1, 1)
    assert audience.vote(1, slug=FIVE_G, vote=-1) == VoteTally(0, 1)
    with pytest.raises(ValueError):
        audience.vote(1, slug=BIOLABS, vote=2)


def test_the_same_submission_is_queued_once_a_day(audience: Audience) -> None:
    origin = Origin("channel", "News", "https://t.me/news/1")
    assert audience.submit(1, lang="ru", text="claim", origin=origin) is True
    assert audience.submit(1, lang="ru", text="claim", origin=origin) is False
    assert audience.submit(2, lang="ru", text="claim", origin=Origin()) is True
    with Session(audience.engine) as session:
        queued = list_submissions(session)
        assert [(s.origin_kind, s.status) for s in queued] == [("channel", "new"), ("", "new")]
        later = utcnow() + timedelta(days=2)
        _, created = add_submission(
            session, user_hash=audience.key(1), lang="ru", text="claim", now=later
        )
    assert created


def test_language_and_chat_settings_are_remembered(audience: Audience) -> None:
    assert audience.language(7) is None
    audience.set_language(7, "en")
    audience.set_language(7, "kk")
    assert audience.language(7) == "kk"
    assert audience.auto_check(BIG_CHAT) is False
    audience.set_auto_check(BIG_CHAT, enabled=True, by_user_id=7)
    assert audience.auto_check(BIG_CHAT) is True
    audience.set_auto_check(BIG_CHAT, enabled=False, by_user_id=7)
    assert audience.auto_check(BIG_CHAT) is False


def test_replies_are_found_again_by_chat_and_message(audience: Audience) -> None:
    audience.remember_reply(BIG_CHAT, 3_000_000_000, 11)
    audience.remember_reply(BIG_CHAT, 3_000_000_000, 12)  # a second answer replaces the first
    assert audience.reply_for(BIG_CHAT, 3_000_000_000) == 12
    assert audience.reply_for(BIG_CHAT, 5) is None
    with Session(audience.engine) as session:
        link = session.exec(select(ReplyLink)).one()
    assert link.chat_key == audience.key(BIG_CHAT)
    audience.forget_reply(BIG_CHAT, 3_000_000_000)
    assert audience.reply_for(BIG_CHAT, 3_000_000_000) is None


def test_an_answer_logs_the_check_links_the_reply_and_remembers_the_cards_at_once(
    audience: Audience,
) -> None:
    check = CheckEntry("private", "match", slug=FIVE_G, score=0.9, chat_type="private")
    sent = CardsSent(42, (FIVE_G, BIOLABS, FIVE_G), "kk")
    audience.record(check=check, reply=(42, 7, 8), sent=sent)
    audience.record(sent=CardsSent(42, (), "kk"))  # nothing shown: nothing remembered
    assert audience.reply_for(42, 7) == 8
    with Session(audience.engine) as session:
        assert [r.slug for r in session.exec(select(CheckRecord))] == [FIVE_G]
        recipients = session.exec(select(CardRecipient)).all()
    assert sorted((r.slug, r.chat_id, r.lang) for r in recipients) == sorted(
        [(BIOLABS, 42, "kk"), (FIVE_G, 42, "kk")]
    )


def test_popular_lists_the_most_checked_published_debunks_then_the_newest(
    audience: Audience,
) -> None:
    for slug in (FIVE_G, FIVE_G, BAIKONUR, "gone-debunk"):
        audience.log_check(CheckEntry("private", "match", slug=slug, score=0.9))
    audience.log_check(CheckEntry("private", "none"))
    popular = audience.popular(limit=3)
    assert popular[:2] == [FIVE_G, BAIKONUR]
    assert popular[2] in {BIOLABS, RUSSIAN_BAN}
    assert set(audience.popular(limit=10)) == {FIVE_G, BAIKONUR, BIOLABS, RUSSIAN_BAN}


def test_retention_removes_old_rows_only(audience: Audience) -> None:
    audience.record(check=CheckEntry("private", "none"), reply=(1, 1, 2))
    audience.submit(1, lang="en", text="x", origin=Origin())
    with Session(audience.engine) as session:
        old = utcnow() - timedelta(days=100)
        session.add(CheckRecord(source="private", verdict="none", created_at=old))
        session.add(ReplyLink(chat_key="k", message_id=1, reply_message_id=2, created_at=old))
        session.add(Submission(user_hash="h", lang="en", text="old", created_at=old))
        session.commit()
    assert audience.purge(days=90) == 3
    with Session(audience.engine) as session:
        assert len(list(session.exec(select(CheckRecord)))) == 1
        assert len(list(session.exec(select(ReplyLink)))) == 1
        assert [s.text for s in session.exec(select(Submission))] == ["x"]


def test_answers_recorded_together_survive_one_bad_record(
    audience: Audience, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import IntegrityError

    from knowledge.audience import check_log
    from knowledge.audience.service import AnswerRecord

    log_checks = check_log.log_checks

    def refusing_one(session: Session, checks: list[CheckEntry]) -> None:
        if any(check.source == "broken" for check in checks):
            raise IntegrityError("INSERT", {}, Exception("a row the database refuses"))
        log_checks(session, checks)

    monkeypatch.setattr(check_log, "log_checks", refusing_one)
    outcomes = audience.record_many(
        [
            AnswerRecord(CheckEntry("private", "none"), reply=(1, 10, 11)),
            AnswerRecord(CheckEntry("broken", "none"), reply=(2, 20, 21)),
            AnswerRecord(CheckEntry("forward", "match", BIOLABS), reply=(3, 30, 31)),
        ]
    )
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], IntegrityError)
    assert audience.reply_for(1, 10) == 11 and audience.reply_for(3, 30) == 31
    assert audience.reply_for(2, 20) is None  # its whole record rolled back, nothing half-written
    with Session(audience.engine) as session:
        sources = sorted(r.source for r in session.exec(select(CheckRecord)))
    assert sources == ["forward", "private"]


def test_two_answers_to_one_message_recorded_together_keep_the_later(audience: Audience) -> None:
    from knowledge.audience.service import AnswerRecord

    outcomes = audience.record_many(
        [AnswerRecord(reply=(BIG_CHAT, 5, 50)), AnswerRecord(reply=(BIG_CHAT, 5, 51))]
    )
    assert outcomes == [None, None]  # PostgreSQL refuses one statement updating a row twice
    assert audience.reply_for(BIG_CHAT, 5) == 51
