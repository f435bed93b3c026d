"""Fixtures and helpers of the moderation end-to-end tests.

`ModerationStandIn` adds to the Bot API stand-in what moderators need and the public bot does
not: documents sent by users (getFile and the file download URL) and the content of documents
and photos the bot uploads. Test modules import the fixtures they use from here (`standin` and
`settings` override the shared ones: owners, the moderators' chat, quick announcements).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tornado.web

from bot.bootstrap import open_knowledge
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.settings import Settings
from tests.e2e.conftest import Running, bot_settings, start_bot, stop_bot
from tests.support.standin import (
    ApiError,
    Call,
    StandIn,
    TgChat,
    TgUser,
    _ApiHandler,
    bad_request,
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


class _UploadCapturingHandler(_ApiHandler):
    """The stand-in's API handler, keeping the bytes of uploaded files."""

    def _params(self) -> dict[str, Any]:
        params = super()._params()
        for key, files in self.request.files.items():
            params[key] = {**params[key], "content": files[0].body}
        return params


class _FileHandler(tornado.web.RequestHandler):
    """`/file/bot<token>/<path>`: the content of a file a user sent."""

    def initialize(self, standin: ModerationStandIn) -> None:
        self.standin = standin

    def get(self, token: str, path: str) -> None:
        content = self.standin.files.get(path.rsplit("/", 1)[-1])
        if token != self.standin.token or content is None:
            self.set_status(404)
            self.finish("Not Found")
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(content)


class ModerationStandIn(StandIn):
    """The stand-in plus documents in both directions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.files: dict[str, bytes] = {}
        self._file_ids = itertools.count(1)

    def start(self) -> ModerationStandIn:
        super().start()
        assert self._server is not None
        app = self._server.request_callback
        assert isinstance(app, tornado.web.Application)
        app.add_handlers(
            r".*",
            [
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"standin": self}),
                (r"/bot([^/]+)/(send(?:Document|Photo))", _UploadCapturingHandler,
                 {"standin": self}),
            ],
        )  # fmt: skip
        return self

    def push_document(
        self, user: TgUser, content: bytes, *, file_name: str, caption: str | None = None
    ) -> dict[str, Any]:
        """A user sends a file as a document in their private chat with the bot."""
        file_id = f"doc{next(self._file_ids)}"
        self.files[file_id] = content
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": "application/json",
            "file_size": len(content),
        }
        extra: dict[str, Any] = {"document": document}
        if caption:
            extra["caption"] = caption
            extra["caption_entities"] = command_entity(caption)
        return self.push_message(private_chat(user), user, extra=extra)

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    def uploaded(self, call: Call, key: str = "document") -> bytes:
        """The bytes the bot uploaded with a sendDocument/sendPhoto call."""
        value = call.params.get(key)
        if not isinstance(value, dict) or "content" not in value:
            raise ApiError(400, f"no uploaded {key} in the call")
        return bytes(value["content"])


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def standin() -> Iterator[ModerationStandIn]:
    server = ModerationStandIn().start()
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
def settings(standin: ModerationStandIn, tmp_path: Path) -> Settings:
    return moderation_settings(standin, f"sqlite:///{tmp_path / 'e2e.db'}")


@pytest.fixture
async def empty_bot(tmp_path: Path) -> AsyncIterator[Running]:
    """A second bot on its own stand-in with an empty base (for export → import)."""
    server = ModerationStandIn().start()
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
    standin: StandIn, user: TgUser, text: str, chat: TgChat | None = None
) -> dict[str, Any]:
    """A /command from `user` (in their private chat unless `chat` is given)."""
    return standin.push_message(
        chat or private_chat(user), user, text=text, entities=command_entity(text)
    )


def says(chat_id: int, *parts: str) -> Callable[[Call], bool]:
    def check(call: Call) -> bool:
        return call.chat_id == chat_id and all(p in call.plain for p in parts)

    return check


async def answer(
    standin: StandIn, chat_id: int, *parts: str, since: int = 0, timeout: float = 10.0
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
