"""Secrets in real runs: the development TEKSER_SECRET (public in the source) and short webhook
secrets are refused in webhook mode, by `tekser web`/`tekser api` and by the Docker image (forged
updates: tests/bot/test_web.py); and no secret reaches the output of a run that fails on an error
path (a token Telegram refuses, an unreachable database). The log filter itself:
tests/bot/test_logging_setup.py."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.cli import main
from bot.runner import refuse_weak_secrets, run
from knowledge.settings import DEVELOPMENT_SECRET, Settings, weak_secret

REPO = Path(__file__).resolve().parents[2]
TOKEN = "987654321:AAFxk2-Secret_Half-of-the-token-0123456789"
SECRET = "Zq7Lk2Nw9Xc4Vb8Mn3Hj6Gf1Ds5Ap0Qe-secret"
WEBHOOK = "Hb4Nk9Lq2Wx7Vc3Mz8Jf6Gd1Sa5Pt0Ry_webhook"
DB_PASSWORD = "pg-Pa55word-for-tekser"


def make_settings(**values: Any) -> Settings:
    defaults: dict[str, Any] = {"semantic": False, "webhook_secret": None}
    return Settings(_env_file=None, **{**defaults, **values})  # type: ignore[call-arg]


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEKSER_")}
    env["PYTHONPATH"] = str(REPO)
    env["TEKSER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'tekser.db'}"
    env["TEKSER_SEMANTIC"] = "false"
    env.update(values)
    return env


def tekser(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ------------------------------------------------------------------ which secrets are weak


def test_tekser_secret_prints_a_fresh_secret_every_webhook_accepts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["secret"]) == 0
    first = capsys.readouterr().out.strip()
    assert main(["secret"]) == 0
    second = capsys.readouterr().out.strip()
    assert first != second
    assert re.fullmatch(r"[A-Za-z0-9_-]{64}", first)  # what Telegram allows in secret_token
    assert weak_secret(make_settings(secret=first, webhook_secret=second)) is None
    assert weak_secret(make_settings(secret=SECRET, webhook_secret=WEBHOOK)) is None


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({}, "TEKSER_SECRET"),
        ({"secret": "short-but-set"}, "TEKSER_SECRET"),
        ({"secret": "a" * 40}, "TEKSER_SECRET"),
        ({"secret": SECRET, "webhook_secret": "s3cret-Token_42"}, "TEKSER_WEBHOOK_SECRET"),
        ({"secret": SECRET, "webhook_secret": WEBHOOK + "!?"}, "TEKSER_WEBHOOK_SECRET"),
        ({"secret": DEVELOPMENT_SECRET, "webhook_secret": WEBHOOK}, "TEKSER_SECRET"),
    ],
)
def test_weak_secrets_are_named_with_how_to_make_one(values: dict[str, str], names: str) -> None:
    problem = weak_secret(make_settings(**values))
    assert problem is not None and names in problem and "tekser secret" in problem
    assert "\n" not in problem


def test_webhook_mode_refuses_to_start_with_the_development_secret(tmp_path: Path) -> None:
    settings = make_settings(
        bot_token=SecretStr("1:x"),
        webhook_url="https://bot.example/hook",
        database_url=f"sqlite:///{tmp_path / 'never.db'}",
    )
    with pytest.raises(SystemExit, match="tekser secret"):
        run(settings)
    assert not (tmp_path / "never.db").exists()  # refused before touching anything


def test_polling_with_the_development_secret_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    refuse_weak_secrets(make_settings(bot_token=SecretStr("1:x")))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "tekser secret" in warnings[0]
    with pytest.raises(SystemExit, match="tekser secret"):  # unless told to require one
        refuse_weak_secrets(make_settings(bot_token=SecretStr("1:x"), require_secret=True))


@pytest.mark.parametrize("command", ["web", "api"])
def test_the_web_server_refuses_to_start_with_the_development_secret(
    tmp_path: Path, command: str
) -> None:
    done = tekser([command, "--port", "9"], clean_env(tmp_path), tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "tekser secret" in done.stderr
    assert "Traceback" not in done.stderr


# ------------------------------------------------------------------ the Docker image


def dockerfile_env() -> dict[str, str]:
    """The ENV the image sets (continued lines joined)."""
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(re.findall(r"(\w+)=(\S+)", line))
    return env


def dockerfile_command() -> list[str]:
    found = re.findall(r"^CMD (\[.*\])", (REPO / "Dockerfile").read_text(), re.M)
    import json

    return list(json.loads(found[-1]))


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_the_image_cannot_start_with_the_development_secret(tmp_path: Path, mode: str) -> None:
    image_env = {k: v for k, v in dockerfile_env().items() if k.startswith("TEKSER_")}
    assert "TEKSER_SECRET" not in image_env  # no secret baked into the image
    command = dockerfile_command()
    assert command[:2] == ["tekser", "run"]
    env = clean_env(tmp_path, **image_env, TEKSER_BOT_TOKEN="123:abc")
    env["TEKSER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'tekser.db'}"  # the image's /data
    if mode == "webhook":
        env["TEKSER_WEBHOOK_URL"] = "https://bot.example/hook"
    done = tekser(command[1:], env, tmp_path)
    assert done.returncode != 0
    assert "tekser secret" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "tekser.db").exists()


# ------------------------------------------------------------ runs that fail, and their output


def leaked(out: str) -> list[str]:
    """The secrets (or recognisable parts of them) found in `out`."""
    forms = {
        "token": TOKEN,
        "token's secret half": TOKEN.split(":")[1],
        "secret": SECRET,
        "webhook secret": WEBHOOK,
        "database password": DB_PASSWORD,
    }
    return [name for name, value in forms.items() if value in out]


class Unauthorized(BaseHTTPRequestHandler):
    """A Bot API that refuses every token, as Telegram does a revoked one."""

    def do_POST(self) -> None:
        body = b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def refusing_bot_api() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def deployment_env(tmp_path: Path, **values: str) -> dict[str, str]:
    return clean_env(
        tmp_path,
        TEKSER_BOT_TOKEN=TOKEN,
        TEKSER_SECRET=SECRET,
        TEKSER_WEBHOOK_SECRET=WEBHOOK,
        TEKSER_STARTUP_RETRY_SECONDS="0",
        **{f"TEKSER_{k.upper()}": v for k, v in values.items()},
    )


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_token_telegram_refuses_is_not_printed(
    tmp_path: Path, refusing_bot_api: str, log_format: str
) -> None:
    env = deployment_env(
        tmp_path,
        bot_api_url=f"{refusing_bot_api}/bot",
        bot_api_file_url=f"{refusing_bot_api}/file/bot",
        log_format=log_format,
    )
    done = tekser(["run"], env, tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert leaked(out) == [], out[-3000:]


def test_an_unreachable_database_does_not_print_its_password(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://tekser:{DB_PASSWORD}@127.0.0.1:9/tekser"
    for command in (["db", "upgrade"], ["run"], ["check", "hello"]):
        done = tekser(command, deployment_env(tmp_path, database_url=url), tmp_path)
        out = done.stdout + done.stderr
        assert done.returncode != 0
        assert leaked(out) == [], out[-3000:]
