"""`tekser run` as a separate process: webhook mode with its secret, the seed pack, no token,
polling that confirms an update only once it is handled, SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.standin import StandIn, TgUser, command_entity
from tests.support.workers import WEBHOOK_SECRET, free_port, tekser_env

REPO = Path(__file__).resolve().parents[2]


def sqlite_env(tmp_path: Path, **values: str) -> dict[str, str]:
    return tekser_env(f"sqlite:///{tmp_path / 'run.db'}", **values)


@pytest.fixture
def webhook_bot(standin: StandIn, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    env = sqlite_env(
        tmp_path,
        bot_token=standin.token,
        bot_api_url=standin.base_url,
        bot_api_file_url=standin.base_file_url,
        webhook_url=url,
        webhook_secret=WEBHOOK_SECRET,
        listen="127.0.0.1",
        port=str(port),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process, url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


async def test_webhook_mode_registers_its_secret_and_rejects_requests_without_it(
    standin: StandIn, webhook_bot: tuple[subprocess.Popen[str], str]
) -> None:
    process, url = webhook_bot
    registered = await standin.wait_for("setWebhook", timeout=90)
    assert registered.params["url"] == url
    assert registered.params["secret_token"] == WEBHOOK_SECRET
    assert process.poll() is None

    update = {
        "update_id": 999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "text": "/about",
        },
    }
    async with httpx.AsyncClient(timeout=10) as client:
        missing = await client.post(url, json=update)
        wrong = await client.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
        )
    assert (missing.status_code, wrong.status_code) == (403, 403)
    await standin.settle(quiet=0.5)
    assert standin.calls_to("sendMessage") == []

    # the stand-in delivers updates like Telegram does, with the secret header
    reader = TgUser(8001, "Webhook reader", "en")
    about = standin.push_text(reader, "/about", entities=command_entity("/about"))
    reply = await standin.wait_reply(about, timeout=30)
    assert "The base holds" in reply.plain and "holds 0 " not in reply.plain  # seed imported
    assert all(status == 200 for _, status in standin.webhook_deliveries)
    commands = {c["command"] for c in standin.commands("en")}
    assert {"start", "help", "language", "privacy", "about"} <= commands


def test_without_a_token_run_stops_with_one_line_saying_where_to_get_one(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=sqlite_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "@BotFather" in lines[0] and "TEKSER_BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def polling_bot(standin: StandIn, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = sqlite_env(
        tmp_path,
        bot_token=standin.token,
        bot_api_url=standin.base_url,
        bot_api_file_url=standin.base_file_url,
    )
    log = (tmp_path / "polling.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, stdout=log, stderr=log
    )


async def answered_chats(standin: StandIn, chats: set[int], timeout: float) -> set[int]:
    deadline = time.monotonic() + timeout
    while True:
        done = {c.chat_id for c in standin.calls_to("sendMessage")} & chats
        if done == chats or time.monotonic() > deadline:
            return {c for c in done if c is not None}
        await asyncio.sleep(0.05)


async def test_polling_bot_killed_mid_batch_loses_no_update(
    standin: StandIn, tmp_path: Path
) -> None:
    first = polling_bot(standin, tmp_path)
    try:
        readers = [TgUser(8100 + i, "Reader", "ru") for i in range(40)]
        for reader in readers:
            standin.push_text(reader, "В Алматы открыли центр НАТО")
        await standin.wait_for("sendMessage", timeout=90)  # the batch is being handled
        first.kill()  # as a crash would: no chance to finish or confirm anything
        first.wait(10)
        chats = {r.id for r in readers}
        unanswered = chats - await answered_chats(standin, chats, timeout=0)
        assert unanswered, "the whole batch was answered before the kill: nothing was tested"

        second = polling_bot(standin, tmp_path)  # the restart gets the unconfirmed updates again
        try:
            assert await answered_chats(standin, chats, timeout=90) == chats
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0
        finally:
            if second.poll() is None:
                second.kill()
    finally:
        if first.poll() is None:
            first.kill()


async def test_sigterm_finishes_the_batch_in_hand_and_confirms_only_what_was_answered(
    standin: StandIn, tmp_path: Path
) -> None:
    bot = polling_bot(standin, tmp_path)
    try:
        readers = [TgUser(8200 + i, "Reader", "ru") for i in range(150)]  # > one batch (100)
        for reader in readers:
            standin.push_text(reader, "В Алматы открыли центр НАТО")
        await standin.wait_for("sendMessage", timeout=90)  # a batch is being handled
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(30) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
    chats = {r.id for r in readers}
    answered = await answered_chats(standin, chats, timeout=0)
    kept = {u["message"]["chat"]["id"] for u in standin.unconfirmed()}
    assert answered, "nothing was answered before the stop"
    assert answered | kept == chats  # nothing lost: answered, or still waiting at Telegram
    assert not answered & kept  # nothing answered is left unconfirmed (answered twice later)
