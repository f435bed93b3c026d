"""`tekser run` as a separate process: webhook mode with its secret, the seed pack, no token,
polling that confirms an update only once it is handled, SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.standin import StandIn, TgUser, command_entity
from tests.support.workers import (
    WEBHOOK_SECRET,
    free_port,
    run_to_end,
    standin_env,
    start_tekser,
    stop_process,
    tekser_env,
)


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'run.db'}"


@pytest.fixture
def webhook_bot(standin: StandIn, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    env = standin_env(
        sqlite_url(tmp_path),
        standin,
        webhook_url=url,
        webhook_secret=WEBHOOK_SECRET,
        listen="127.0.0.1",
        port=str(port),
    )
    process = start_tekser(env, tmp_path, tmp_path / "webhook.log")
    try:
        yield process, url
    finally:
        stop_process(process, timeout=20, kill_timeout=5)


async def test_webhook_mode_registers_its_secret_and_rejects_requests_without_it(
    standin: StandIn, webhook_bot: tuple[subprocess.Popen[bytes], str]
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
    result = run_to_end(tekser_env(sqlite_url(tmp_path)), tmp_path)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "@BotFather" in lines[0] and "TEKSER_BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@contextmanager
def polling_bot(
    standin: StandIn, tmp_path: Path, port: int = 0
) -> Iterator[subprocess.Popen[bytes]]:
    """`tekser run` polling `standin`, killed on the way out if it is still running."""
    env = standin_env(sqlite_url(tmp_path), standin, port=str(port or free_port()))
    process = start_tekser(env, tmp_path, tmp_path / "polling.log")
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()


async def answered_chats(standin: StandIn, chats: set[int], timeout: float) -> set[int]:
    deadline = time.monotonic() + timeout
    while True:
        done = {c.chat_id for c in standin.calls_to("sendMessage")} & chats
        if done == chats or time.monotonic() > deadline:
            return {c for c in done if c is not None}
        await asyncio.sleep(0.05)


def push_claims(standin: StandIn, first_id: int, count: int = 40) -> set[int]:
    """`count` readers each send a known claim at once; their chat ids."""
    readers = [TgUser(first_id + n, "Reader", "ru") for n in range(count)]
    for reader in readers:
        standin.push_text(reader, "В Алматы открыли центр НАТО")
    return {reader.id for reader in readers}


@asynccontextmanager
async def mid_batch(
    standin: StandIn, tmp_path: Path, first_reader: int, count: int = 40
) -> AsyncIterator[tuple[subprocess.Popen[bytes], set[int]]]:
    """A polling bot once it is answering a batch of `count` readers' claims (ids from
    `first_reader`); the bot and the readers' chat ids."""
    with polling_bot(standin, tmp_path) as bot:
        chats = push_claims(standin, first_reader, count)
        await standin.wait_for("sendMessage", timeout=90)  # the batch is being handled
        yield bot, chats


async def test_polling_bot_killed_mid_batch_loses_no_update(
    standin: StandIn, tmp_path: Path
) -> None:
    async with mid_batch(standin, tmp_path, 8100) as (first, chats):
        first.kill()  # as a crash would: no chance to finish or confirm anything
        first.wait(10)
    unanswered = chats - await answered_chats(standin, chats, timeout=0)
    assert unanswered, "the whole batch was answered before the kill: nothing was tested"

    # the restart gets the unconfirmed updates again
    with polling_bot(standin, tmp_path) as second:
        assert await answered_chats(standin, chats, timeout=90) == chats
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0


async def quiet_for(standin: StandIn, seconds: float, timeout: float = 30.0) -> None:
    """Wait until the bot made no call but getUpdates for `seconds`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls = [c for c in standin.calls if c.method != "getUpdates"]
        last = calls[-1].at if calls else 0.0
        if time.monotonic() - last >= seconds:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot kept calling")


async def test_polling_bot_killed_mid_batch_answers_no_update_twice(
    standin: StandIn, tmp_path: Path
) -> None:
    async with mid_batch(standin, tmp_path, 8300) as (first, chats):
        standin.hold("sendMessage")  # the answers in flight now never reach a reader
        await quiet_for(standin, 1.0)  # what was answered has been recorded as handled
        first.kill()  # as a crash would: the batch is not confirmed
        first.wait(10)
    standin.release("sendMessage")
    answered_before = await answered_chats(standin, chats, timeout=0)
    assert answered_before and answered_before != chats, "the kill tested nothing"

    # the restart gets the whole unconfirmed batch again
    with polling_bot(standin, tmp_path) as second:
        try:
            assert await answered_chats(standin, chats, timeout=90) == chats
            await standin.settle(quiet=1.0, timeout=60)
            answers = [c.chat_id for c in standin.calls_to("sendMessage") if c.chat_id in chats]
            assert sorted(answers) == sorted(chats)  # each reader answered exactly once
        finally:
            stop_process(second)


async def test_sigterm_finishes_the_batch_in_hand_and_confirms_only_what_was_answered(
    standin: StandIn, tmp_path: Path
) -> None:
    # 150 readers: more than one batch (100)
    async with mid_batch(standin, tmp_path, 8200, count=150) as (bot, chats):
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(30) == 0
    answered = await answered_chats(standin, chats, timeout=0)
    kept = {u["message"]["chat"]["id"] for u in standin.unconfirmed()}
    assert answered, "nothing was answered before the stop"
    assert answered | kept == chats  # nothing lost: answered, or still waiting at Telegram
    assert not answered & kept  # nothing answered is left unconfirmed (answered twice later)


def test_an_unreachable_bot_api_is_retried_then_run_stops_with_one_line(tmp_path: Path) -> None:
    env = tekser_env(
        sqlite_url(tmp_path),
        bot_token="123456:token-of-a-bot-far-away",
        bot_api_url=f"http://127.0.0.1:{free_port()}/bot",  # nothing listens there
        startup_retry_seconds="4",
    )
    result = run_to_end(env, tmp_path)
    assert result.returncode != 0
    output = result.stderr + result.stdout
    assert "Traceback" not in output
    attempts = [line for line in output.splitlines() if "Bot API unreachable" in line]
    assert len(attempts) >= 2  # tried again, one line each
    last = [line for line in result.stderr.splitlines() if line.strip()][-1]
    assert last.startswith("Cannot reach the Bot API") and "TEKSER_BOT_API_URL" in last


def test_an_empty_token_gets_the_one_line_message(tmp_path: Path) -> None:
    result = run_to_end(tekser_env(sqlite_url(tmp_path), bot_token=""), tmp_path)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and len(lines) == 1, result.stderr
    assert "@BotFather" in lines[0] and "Traceback" not in result.stderr


async def test_a_polling_bot_answers_readyz_on_its_own_machine(
    standin: StandIn, tmp_path: Path
) -> None:
    port = free_port()
    with polling_bot(standin, tmp_path, port) as bot:
        await standin.wait_for("deleteWebhook", timeout=90)  # started
        async with httpx.AsyncClient(timeout=10) as client:
            for _ in range(100):
                try:
                    ready = await client.get(f"http://127.0.0.1:{port}/readyz")
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
                    continue
                if ready.status_code == 200:
                    break
                await asyncio.sleep(0.1)
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(30) == 0
