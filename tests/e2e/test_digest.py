"""Channel digests end to end: `/digest daily` in a channel, then the digest job posts the new
debunks there as one message; retired ones stay out; a failed post is tried again, once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.tables import utcnow
from knowledge.formats.pack import parse_pack
from knowledge.moderation import editing
from knowledge.newsroom.digests import ChannelDigest
from knowledge.settings import Settings
from tests.e2e.conftest import Running, bot_settings
from tests.support.moderating import moderate
from tests.support.standin import Call, StandIn, TgChat, TgUser, command_entity

PUBLIC_URL = "https://tekser.example"
JOB_SECONDS = 0.1
CHANNEL = TgChat(-1001234, "channel", title="Жаңалықтар арнасы", username="janalyqtar")


@pytest.fixture
def settings(standin: StandIn, tmp_path: Path) -> Settings:
    return bot_settings(
        standin,
        f"sqlite:///{tmp_path / 'e2e.db'}",
        digest_check_seconds=JOB_SECONDS,
        public_url=PUBLIC_URL,
    )


def new_debunk(kb: KnowledgeBase, slug: str, title: str) -> None:
    pack = {
        "format": "debunk-pack/1",
        "debunks": [
            {
                "slug": slug,
                "verdict": "false",
                "title": {"ru": title, "en": title},
                "disproof": {"ru": "Опровержение.", "en": "Disproof."},
                "claims": [{"lang": "ru", "text": title}],
            }
        ],
    }
    entries = parse_pack(pack).debunks
    kb.import_entries(entries)


def a_day_passes(kb: KnowledgeBase) -> None:
    """The stand-in for waiting a day: the channel's digest falls due now."""
    with kb.session() as session:
        session.execute(update(ChannelDigest).values(due_at=utcnow() - timedelta(seconds=1)))
        session.commit()


def in_channel(call: Call) -> bool:
    return call.chat_id == CHANNEL.id


async def subscribe(bot: Running, text: str) -> Call:
    bot.standin.add_chat(CHANNEL)
    bot.standin.set_member(CHANNEL.id, bot.standin.bot.id, "administrator")
    post = bot.standin.message(CHANNEL, None, text=text, entities=command_entity(text),
                               sender_chat=CHANNEL)  # fmt: skip
    bot.standin.push({"channel_post": post})
    return await bot.standin.wait_for("sendMessage", in_channel)


async def quiet(bot: Running, jobs: int = 5) -> list[Call]:
    """Let the digest job run a few more times; what it posted in the channel meanwhile."""
    since = len(bot.standin.calls)
    await asyncio.sleep(JOB_SECONDS * jobs)
    return [c for c in bot.standin.calls[since:] if c.method == "sendMessage" and in_channel(c)]


async def test_a_channel_digest_lists_the_new_debunk_once_and_never_a_retired_one(
    bot: Running,
) -> None:
    confirmation = await subscribe(bot, "/digest daily ru")
    assert "@janalyqtar" in confirmation.plain and "раз в день" in confirmation.plain
    assert await quiet(bot) == []  # not due yet, and nothing new

    new_debunk(bot.kb, "fresh-fake-one", "Свежий фейк номер один")
    since = len(bot.standin.calls)
    a_day_passes(bot.kb)
    digest = await bot.standin.wait_for("sendMessage", in_channel, since=since)
    assert "Свежий фейк номер один" in digest.plain
    assert f'href="{PUBLIC_URL}/d/fresh-fake-one?lang=ru"' in digest.text
    assert "1 новое или обновлённое опровержение" in digest.plain
    assert await quiet(bot) == []  # posted once

    moderate(bot.kb, editing.set_status, slug="fresh-fake-one", status="retired")
    new_debunk(bot.kb, "fresh-fake-two", "Свежий фейк номер два")
    since = len(bot.standin.calls)
    a_day_passes(bot.kb)
    second = await bot.standin.wait_for("sendMessage", in_channel, since=since)
    assert "Свежий фейк номер два" in second.plain
    assert "номер один" not in second.plain
    assert await quiet(bot) == []


async def test_a_failed_digest_is_posted_later_and_only_once(bot: Running) -> None:
    await subscribe(bot, "/digest weekly")
    new_debunk(bot.kb, "fresh-fake-three", "Свежий фейк номер три")
    bot.standin.fail_next("sendMessage")
    since = len(bot.standin.calls)
    a_day_passes(bot.kb)
    failed = await bot.standin.wait_for("sendMessage", in_channel, since=since)
    assert not failed.ok
    assert await quiet(bot) == []  # waits before trying again
    a_day_passes(bot.kb)  # the retry falls due
    posted = await bot.standin.wait_for("sendMessage", in_channel, since=since + 1)
    assert posted.ok and "Свежий фейк номер три" in posted.plain
    assert [c for c in await quiet(bot) if c.ok] == []


async def test_only_a_channel_admin_may_ask_privately(bot: Running, reader: TgUser) -> None:
    bot.standin.add_chat(CHANNEL)
    bot.standin.set_member(CHANNEL.id, bot.standin.bot.id, "administrator")
    text = "/digest daily @janalyqtar"
    refused = bot.standin.push_text(reader, text, entities=command_entity(text))
    answer = await bot.standin.wait_reply(refused)
    assert "Only an administrator of that channel" in answer.plain
    bot.standin.set_member(CHANNEL.id, reader.id, "administrator")
    since = len(bot.standin.calls)
    text = "/digest weekly @janalyqtar kk"
    asked = bot.standin.push_text(reader, text, entities=command_entity(text))
    answer = await bot.standin.wait_reply(asked, since=since)
    assert "аптасына бір рет" in answer.plain
    with bot.kb.session() as session:
        row = session.get(ChannelDigest, CHANNEL.id)
        assert row is not None and (row.frequency, row.lang) == ("weekly", "kk")
