"""End-to-end fixtures: the Bot API stand-in, settings pointing at it, a knowledge base with the
test pack, and the real Application (bot.app.build_application) polling the stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import TekserApplication, build_application
from bot.bootstrap import open_knowledge
from bot.runner import ALLOWED_UPDATES
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.settings import Settings
from tests.e2e.pack import pack_entries
from tests.support.standin import StandIn, TgUser

GRACE = 0.4  # seconds a forward waits for the reader's words in tests


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
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(standin: StandIn, tmp_path: Path) -> Settings:
    return bot_settings(standin, f"sqlite:///{tmp_path / 'e2e.db'}")


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


async def start_bot(standin: StandIn, settings: Settings, kb: KnowledgeBase) -> TekserApplication:
    """Start the real application exactly as run_polling does, inside the test's event loop."""
    app = build_application(settings, kb)
    await app.initialize()
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
