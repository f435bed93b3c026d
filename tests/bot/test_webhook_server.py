"""Webhook mode with the newsroom API on the same port: the real Application behind bot.web,
Telegram played by the Bot API stand-in delivering updates over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.app import build_application
from bot.web import build_server, build_web_app, serve_telegram_webhook, webhook_secret_token
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.settings import Settings
from tests.support.standin import StandIn, TgUser
from tests.support.workers import free_port

NATO_CLAIM = "В Алматы открыли центр НАТО"


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


@pytest.fixture
def settings(standin: StandIn, tmp_path: Path) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'webhook.db'}",
        "bot_token": SecretStr(standin.token),
        "bot_api_url": standin.base_url,
        "bot_api_file_url": standin.base_file_url,
        "secret": SecretStr("webhook-test-secret"),
        "semantic": False,
        "link_preview": False,
        "webhook_secret": None,  # derived from the secret
        "listen": "127.0.0.1",
        "port": free_port(),
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def wait_until(condition: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    pytest.fail("condition not met in time")


async def test_updates_and_api_calls_share_one_port_and_stop_gracefully(
    standin: StandIn, settings: Settings, kb: KnowledgeBase
) -> None:
    application = build_application(settings, kb)
    web = build_web_app(settings, kb, telegram_app=application, webhook_path="/hook")
    server = build_server(web, host=settings.listen, port=settings.port)
    base = f"http://127.0.0.1:{settings.port}"
    serving = asyncio.create_task(
        serve_telegram_webhook(
            application,
            server,
            webhook_url=f"{base}/hook",
            secret_token=webhook_secret_token(settings),
            allowed_updates=["message", "callback_query"],
        )
    )
    try:
        await wait_until(lambda: standin.webhook is not None)
        assert server.started  # registered only once it listens
        hook = standin.webhook
        assert hook is not None and hook["url"] == f"{base}/hook"

        reader = TgUser(2001, "Aigerim", "ru")
        message = standin.push_text(reader, NATO_CLAIM)
        reply = await standin.wait_reply(message)
        assert "НАТО" in reply.plain
        # the update is answered 200 only once handled, so the delivery is logged after the reply
        await wait_until(lambda: bool(standin.webhook_deliveries))
        assert standin.webhook_deliveries[-1][1] == 200

        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get("/api/v1/openapi.json")).status_code == 200
            ready = (await client.get("/readyz")).json()
            assert ready["telegram"] is True and ready["status"] == "ready"
            forged = await client.post("/hook", json={"update_id": 1}, headers={})
            assert forged.status_code == 403
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)
    assert not application.running
    assert standin.webhook is not None  # left for the other workers
