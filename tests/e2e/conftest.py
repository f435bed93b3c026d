"""End-to-end fixtures: the Bot API stand-in, settings pointing at it, a knowledge base with the
test pack, and the real Application (bot.app.build_application) polling the stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr
from telegram.error import NetworkError

from bot.app import TekserApplication, build_application
from bot.bootstrap import open_knowledge
from bot.runner import ALLOWED_UPDATES
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.settings import Settings
from tests.e2e.pack import pack_entries
from tests.support.standin import Call, StandIn, TgUser

GRACE = 0.4  # seconds a forward waits for the reader's words in tests
BOT_API_TIMEOUT = 60.0
INITIALIZE_ATTEMPTS = 3


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


def bot_settings(standin: StandIn, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "bot_token": SecretStr(standin.token),
        "bot_api_url": standin.base_url,
        "bot_api_file_url": standin.base_file_url,
        "secret": SecretStr("e2e-secret"),
        "semantic": False,
        "link_preview": False,  # no fetches from e2e tests unless a test opts in
        "forward_grace_seconds": GRACE,
        "checks_per_minute": 20,
        "webhook_url": None,
        "webhook_secret": None,
        # a loaded machine (CI shares two cores) can take seconds to answer a request
        "bot_api_timeout_seconds": BOT_API_TIMEOUT,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(standin: StandIn, sqlite_url: str) -> Settings:
    return bot_settings(standin, sqlite_url)


@pytest.fixture
def kb(settings: Settings) -> Iterator[KnowledgeBase]:
    base = open_knowledge(settings)
    base.import_entries(pack_entries())
    yield base
    base.close()


@dataclass
class Running:
    """The running bot and the stand-in it talks to."""

    standin: StandIn
    app: TekserApplication
    kb: KnowledgeBase
    settings: Settings

    async def reply(self, user: TgUser, text: str, **message: Any) -> Call:
        """The bot's reply to `text` sent privately by `user` (`message`: more of the message,
        as `StandIn.message` takes it)."""
        return await self.standin.wait_reply(self.standin.push_text(user, text, **message))


async def start_bot(standin: StandIn, settings: Settings, kb: KnowledgeBase) -> TekserApplication:
    """Start the real application exactly as run_polling does, inside the test's event loop."""
    app = build_application(settings, kb)
    for attempt in range(1, INITIALIZE_ATTEMPTS + 1):
        try:
            await app.initialize()
            break
        except NetworkError:  # TimedOut too: on a loaded machine the stand-in may answer late
            if attempt == INITIALIZE_ATTEMPTS:
                raise
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    await app.start()
    return app


async def stop_bot(app: TekserApplication) -> None:
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:  # as bot/lifecycle.py does: e.g. the OCR processes stop
        await app.post_shutdown(app)


@pytest.fixture
async def bot(standin: StandIn, settings: Settings, kb: KnowledgeBase) -> AsyncIterator[Running]:
    running = Running(standin, await start_bot(standin, settings, kb), kb, settings)
    try:
        yield running
    finally:
        await stop_bot(running.app)


@pytest.fixture
def reader() -> TgUser:
    return TgUser(1001, "Aigerim", "en")


@pytest.fixture
def ru_reader() -> TgUser:
    return TgUser(1002, "Иван", "ru")


@pytest.fixture(autouse=True)
def no_unhandled_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every end-to-end test fails if anything logged an error (an unhandled exception would)."""
    caplog.set_level("WARNING")
    yield
    errors = [r for r in caplog.get_records("call") if r.levelname in {"ERROR", "CRITICAL"}]
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]
