"""`tekser run` as a separate process: webhook mode with its secret, the seed pack, no token."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.standin import StandIn, TgUser, command_entity

REPO = Path(__file__).resolve().parents[2]
SECRET = "s3cret-Token_42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tekser_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEKSER_")}
    env["PYTHONPATH"] = str(REPO)
    env["TEKSER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    env["TEKSER_SEMANTIC"] = "false"
    env["TEKSER_LINK_PREVIEW"] = "false"
    env.update({f"TEKSER_{k.upper()}": v for k, v in values.items()})
    return env


@pytest.fixture
def webhook_bot(standin: StandIn, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    env = tekser_env(
        tmp_path,
        bot_token=standin.token,
        bot_api_url=standin.base_url,
        bot_api_file_url=standin.base_file_url,
        webhook_url=url,
        webhook_secret=SECRET,
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
    assert registered.params["secret_token"] == SECRET
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
        env=tekser_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "@BotFather" in lines[0] and "TEKSER_BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
