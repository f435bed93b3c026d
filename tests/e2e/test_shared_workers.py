"""Two workers on one database (SQLite and PostgreSQL), updates handed to either at will: nothing
a reader, a group or a moderator set up through one is unknown to the other.

Each worker is the real application (bot.app.build_application) with its own knowledge base
object on the shared database, as two `tekser run` processes would be; the test delivers every
update to the worker it names, the way a load balancer spreads them.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from telegram import Update

from bot.app import TekserApplication, build_application
from bot.bootstrap import open_knowledge
from knowledge.debunks.knowledge_base import KnowledgeBase
from tests.e2e.moderation_fixtures import (  # noqa: F401  (fixtures)
    EDITOR,
    OWNER,
    moderation_settings,
    standin,
)
from tests.e2e.pack import pack_entries
from tests.support.standin import Call, StandIn, TgChat, TgUser, command_entity, private_chat

CLAIM = "Власти Казахстана будут конфисковать у пенсионеров дачи с 1 января"
FIVE_G = "Вышки 5G распространяют коронавирус"
GROUP = TgChat(-1005500, "supergroup", title="Two workers' group")
ADMIN = TgUser(5501, "Group Admin", "en")
READER = TgUser(5502, "Reader", "en")


@dataclass
class Workers:
    standin: StandIn
    apps: list[TekserApplication]
    bases: list[KnowledgeBase]
    ids: itertools.count[int]

    async def deliver(self, worker: int, body: dict[str, Any]) -> list[Call]:
        """Hand one update to worker `worker` (0 or 1), as the balancer would; the bot's calls
        made while handling it."""
        since = len(self.standin.calls)
        app = self.apps[worker]
        update = Update.de_json({"update_id": next(self.ids), **body}, app.bot)
        await app.process_update(update)
        return list(self.standin.calls)[since:]

    async def say(self, worker: int, user: TgUser, text: str, chat: TgChat | None = None) -> str:
        """A text or /command from `user`; what the bot answered (all messages, joined)."""
        message = self.standin.message(
            chat or private_chat(user), user, text=text, entities=command_entity(text)
        )
        calls = await self.deliver(worker, {"message": message})
        return "\n".join(c.plain for c in calls if c.method in ("sendMessage", "editMessageText"))

    async def ask(self, worker: int, user: TgUser, text: str, *expect: str) -> Call:
        message = self.standin.message(
            private_chat(user), user, text=text, entities=command_entity(text)
        )
        return _answer(await self.deliver(worker, {"message": message}), expect)

    async def press(self, worker: int, user: TgUser, call: Call, label: str, *expect: str) -> Call:
        message = call.result if isinstance(call.result, dict) else {}
        current = self.standin.stored_message(message["chat"]["id"], message["message_id"])
        query = {
            "id": f"cb{next(self.ids)}",
            "from": user.to_dict(),
            "message": current or message,
            "chat_instance": f"ci{message['chat']['id']}",
            "data": call.button(label)["callback_data"],
        }
        return _answer(await self.deliver(worker, {"callback_query": query}), expect)


def _answer(calls: list[Call], expect: tuple[str, ...]) -> Call:
    for call in calls:
        if call.method in ("sendMessage", "editMessageText") and all(
            part in call.plain for part in expect
        ):
            return call
    raise AssertionError(f"no answer with {expect!r}; saw {[c.plain[:90] for c in calls]}")


@pytest.fixture
async def workers(
    standin: StandIn,  # noqa: F811  (the fixture imported above)
    database_url: str,
) -> AsyncIterator[Workers]:
    settings = moderation_settings(standin, database_url, checks_per_minute=3)
    bases = [open_knowledge(settings) for _ in range(2)]
    bases[0].import_entries(pack_entries())
    bases[1].reload()
    apps: list[TekserApplication] = []
    try:
        for base in bases:
            app = build_application(settings, base)
            await app.initialize()
            if app.post_init is not None:
                await app.post_init(app)
            await app.start()  # the job queue (conversation timeouts), no update fetching
            apps.append(app)
        yield Workers(standin, apps, bases, itertools.count(1))
    finally:
        for app in apps:
            await app.stop()
            await app.shutdown()
        for base in bases:
            base.close()


async def test_a_moderators_conversation_continues_on_the_other_worker(workers: Workers) -> None:
    await workers.ask(0, OWNER, f"/grant {EDITOR.id} editor", "is now")
    await workers.ask(0, EDITOR, "/add", "Send the claim as it circulates")
    lang = await workers.ask(1, EDITOR, CLAIM, "The claim is in 🇷🇺 Русский?")
    verdicts = await workers.press(0, EDITOR, lang, "ru", "What is the verdict?")
    await workers.press(1, EDITOR, verdicts, "False", "Send the title in 🇷🇺 Русский")
    await workers.ask(0, EDITOR, "Пенсионеров лишат дач", "Now the disproof in 🇷🇺 Русский")
    # ended on worker 1: worker 2, which saw the conversation last step but one, knows it too
    await workers.ask(1, EDITOR, "/cancel", "Stopped. Your draft is kept")
    await workers.ask(0, EDITOR, CLAIM, "did not find this claim")
    await workers.ask(1, EDITOR, CLAIM, "did not find this claim")
    resumed = await workers.ask(0, EDITOR, "/add", "You have an unfinished draft")
    await workers.press(1, EDITOR, resumed, "Continue", "Now the disproof in 🇷🇺 Русский")


async def test_a_language_chosen_through_one_worker_is_used_by_the_other(
    workers: Workers,
) -> None:
    assert "5G towers" in await workers.say(1, READER, FIVE_G)  # worker 2 has seen the reader
    prompt = await workers.ask(0, READER, "/language", "Choose the language")
    await workers.press(0, READER, prompt, "🇰🇿", "қазақ тілінде")
    answer = await workers.say(1, READER, FIVE_G)
    assert "❌ Жалған" in answer and "5G towers" not in answer  # the card in Kazakh now


async def test_automatic_checks_switched_through_one_worker_apply_on_the_other(
    workers: Workers,
) -> None:
    workers.standin.add_chat(GROUP)
    workers.standin.set_member(GROUP.id, ADMIN.id, "administrator")
    assert not await workers.say(1, READER, FIVE_G, chat=GROUP)  # automatic checks are off
    assert "are on" in await workers.say(0, ADMIN, "/settings auto", chat=GROUP)
    assert "5G" in await workers.say(1, READER, FIVE_G + " 1", chat=GROUP)
    assert "are off" in await workers.say(1, ADMIN, "/settings off", chat=GROUP)
    assert not await workers.say(0, READER, FIVE_G + " 2", chat=GROUP)


async def test_the_check_limit_counts_on_both_workers(workers: Workers) -> None:
    answers = [await workers.say(i % 2, READER, f"{FIVE_G} {i}") for i in range(6)]
    assert sum("5G towers" in a for a in answers) == 3  # 3 a minute in these tests
    assert sum("faster than I can take them (3 a minute)" in a for a in answers) == 1
    assert answers[4:] == ["", ""]  # told once, then silence
