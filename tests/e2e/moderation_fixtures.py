"""Fixtures and helpers of the moderation end-to-end tests.

Test modules import the fixtures they use from here (`standin` and `settings` override the
shared ones: owners, the moderators' chat, quick announcements).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import open_knowledge
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.settings import Settings
from tests.e2e.conftest import Running, bot_settings, start_bot, stop_bot
from tests.support.standin import (
    WAIT_SECONDS,
    Call,
    StandIn,
    TgChat,
    TgUser,
    command_entity,
    private_chat,
)

OWNER = TgUser(9001, "Olga Owner", "en")
ADMIN = TgUser(9004, "Aidos Admin", "en")
EDITOR = TgUser(9002, "Erlan Editor", "en")
EDITOR2 = TgUser(9003, "Dana Editor", "en")
STRANGER = TgUser(9100, "Stranger", "en")
MOD_CHAT = TgChat(-1009000, "supergroup", title="Tekser moderators")
ANNOUNCE_SECONDS = 0.3
SETTLE = 0.05  # seconds without a bot call after an awaited answer


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def standin() -> Iterator[StandIn]:
    server = StandIn().start()
    try:
        yield server
    finally:
        server.stop()


def moderation_settings(standin: StandIn, database_url: str, **overrides: Any) -> Settings:
    return bot_settings(
        standin,
        database_url,
        owner_ids=frozenset({OWNER.id}),
        moderator_chat_id=MOD_CHAT.id,
        moderator_announce_seconds=ANNOUNCE_SECONDS,
        moderator_chat_language="en",
        **overrides,
    )


@pytest.fixture
def settings(standin: StandIn, sqlite_url: str) -> Settings:
    return moderation_settings(standin, sqlite_url)


@pytest.fixture
async def empty_bot(tmp_path: Path) -> AsyncIterator[Running]:
    """A second bot on its own stand-in with an empty base (for export → import)."""
    server = StandIn().start()
    try:
        settings = moderation_settings(server, f"sqlite:///{tmp_path / 'empty.db'}")
        base: KnowledgeBase = open_knowledge(settings)
        app = await start_bot(server, settings, base)
        try:
            yield Running(server, app, base, settings)
        finally:
            await stop_bot(app)
            base.close()
    finally:
        server.stop()


# ---------------------------------------------------------------- talking to the bot


def command(
    standin: StandIn,
    user: TgUser,
    text: str,
    chat: TgChat | None = None,
    reply_to: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A /command from `user` (in their private chat unless `chat` is given), as a reply to
    the message `reply_to` when given."""
    return standin.push_message(
        chat or private_chat(user),
        user,
        text=text,
        entities=command_entity(text),
        reply_to=reply_to,
    )


def says(chat_id: int, *parts: str) -> Callable[[Call], bool]:
    def check(call: Call) -> bool:
        return call.chat_id == chat_id and all(p in call.plain for p in parts)

    return check


async def answer(
    standin: StandIn, chat_id: int, *parts: str, since: int = 0, timeout: float = WAIT_SECONDS
) -> Call:
    """The first message sent to (or edited in) `chat_id` since call `since` containing every
    one of `parts`."""
    deadline = time.monotonic() + timeout
    while True:
        for call in list(standin.calls)[since:]:
            if call.method in ("sendMessage", "editMessageText") and says(chat_id, *parts)(call):
                # let the handler finish (a conversation moves to its next step only when the
                # handler returns), as any person reading the message would
                await standin.settle(quiet=SETTLE)
                return call
        if time.monotonic() > deadline:
            seen = [(c.method, c.plain[:90]) for c in standin.calls[since:]]
            raise AssertionError(f"no message with {parts!r} within {timeout}s; saw {seen}")
        await asyncio.sleep(0.005)


async def ask(standin: StandIn, user: TgUser, text: str, *expect: str) -> Call:
    """Send a command or text privately and wait for the answer containing `expect`."""
    since = len(standin.calls)
    if text.startswith("/"):
        command(standin, user, text)
    else:
        standin.push_text(user, text)
    return await answer(standin, user.id, *expect, since=since)


async def press(standin: StandIn, user: TgUser, call: Call, label: str, *expect: str) -> Call:
    """Press the button labelled `label` under the message of `call`; wait for `expect`."""
    since = len(standin.calls)
    message = call.result if isinstance(call.result, dict) else {}
    standin.push_callback(user, message, call.button(label)["callback_data"])
    return await answer(standin, user.id, *expect, since=since)


async def alert(standin: StandIn, user: TgUser, call: Call, label: str) -> Call:
    """Press a button and wait for the callback's answer (an alert)."""
    since = len(standin.calls)
    message = call.result if isinstance(call.result, dict) else {}
    callback_id = standin.push_callback(user, message, call.button(label)["callback_data"])
    return await standin.wait_for(
        "answerCallbackQuery",
        lambda c: c.params.get("callback_query_id") == callback_id,
        since=since,
    )


async def grant(standin: StandIn, user: TgUser, role: str = "editor") -> None:
    await ask(standin, OWNER, f"/grant {user.id} {role}", "is now")
