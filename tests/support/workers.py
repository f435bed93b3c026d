"""`tekser run` as real processes, for the end-to-end tests and benches that need them.

A :class:`Worker` is one `python -m bot run` in webhook mode on its own port, with the environment a
deployment would give it (TEKSER_* variables only); it can be waited for (``/readyz``), killed
(SIGKILL, as a crash or an OOM kill would) or stopped (SIGTERM), and started again on the same port.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.support.standin import Call, StandIn, TgUser

REPO = Path(__file__).resolve().parents[2]
# Webhook mode refuses the development TEKSER_SECRET and short secrets (knowledge.settings)
WEBHOOK_SECRET = "s3cret-Token_42-of-a-test-deployment-0123456789"
DEPLOYMENT_SECRET = "the-test-deployment-secret-key-0123456789"
TEKSER_RUN = (sys.executable, "-m", "bot", "run")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def first_answers(
    standin: StandIn, texts: list[str], *, readers: Iterator[int], timeout: float = 60.0
) -> dict[int, Call]:
    """Push each text from a new reader (ids from `readers`); every reader's first answer, by
    chat id. Fails naming how many readers got none within `timeout` seconds."""
    since = len(standin.calls)
    chats = []
    for text in texts:
        reader = TgUser(next(readers), "Reader", "ru")
        standin.push_text(reader, text)
        chats.append(reader.id)
    answers: dict[int, Call] = {}
    deadline = time.monotonic() + timeout
    while len(answers) < len(chats) and time.monotonic() < deadline:
        for call in standin.calls[since:]:
            if call.method == "sendMessage" and call.chat_id in chats:
                answers.setdefault(call.chat_id, call)
        await asyncio.sleep(0.05)
    missing = [c for c in chats if c not in answers]
    assert not missing, f"{len(missing)} of {len(chats)} readers got no answer"
    return answers


def alive(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def child_pids(pid: int) -> list[int]:
    """The live children of process `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def standin_env(database_url: str, standin: StandIn, **values: str) -> dict[str, str]:
    """`tekser_env` for a bot that talks to `standin`: its token and Bot API addresses."""
    return tekser_env(
        database_url,
        bot_token=standin.token,
        bot_api_url=standin.base_url,
        bot_api_file_url=standin.base_file_url,
        **values,
    )


def start_tekser(env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """`tekser run` in `cwd`, its output appended to the file `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(TEKSER_RUN, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)


def run_to_end(
    env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`tekser run` to its end (one that cannot start), its output captured."""
    return subprocess.run(
        TEKSER_RUN, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def stop_process(
    process: subprocess.Popen[Any], timeout: float = 30.0, kill_timeout: float = 10.0
) -> int:
    """SIGTERM, then SIGKILL if it has not stopped within `timeout`; the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(kill_timeout)
    return process.returncode


def tekser_env(database_url: str, **values: str) -> dict[str, str]:
    """The environment of a `tekser` process: this one's minus any TEKSER_*, plus `values`
    (``bot_token="…"`` becomes TEKSER_BOT_TOKEN). Lexical matching and no link fetching unless
    `values` say otherwise."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEKSER_")}
    env["PYTHONPATH"] = str(REPO)
    env["TEKSER_DATABASE_URL"] = database_url
    env["TEKSER_SEMANTIC"] = "false"
    env["TEKSER_LINK_PREVIEW"] = "false"
    env["TEKSER_SECRET"] = DEPLOYMENT_SECRET
    if "TEKSER_INDEX_DIR" in os.environ:  # the test's own (tests/conftest.py), not the user's
        env["TEKSER_INDEX_DIR"] = os.environ["TEKSER_INDEX_DIR"]
    env.update({f"TEKSER_{k.upper()}": v for k, v in values.items()})
    return env


class Worker:
    """One `tekser run` webhook worker listening on 127.0.0.1:`port`."""

    def __init__(self, env: dict[str, str], *, port: int, cwd: Path, log: Path) -> None:
        self.env = {**env, "TEKSER_LISTEN": "127.0.0.1", "TEKSER_PORT": str(port)}
        self.port = port
        self.cwd = cwd
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Worker:
        self.process = start_tekser(self.env, self.cwd, self.log)
        return self

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 120.0) -> float:
        """Seconds until ``/readyz`` answered 200; fails if the process exits or time runs out."""
        started = time.monotonic()
        while not self.ready():
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"worker :{self.port} exited: {self.output()[-2000:]}")
            if time.monotonic() - started > timeout:
                raise AssertionError(f"worker :{self.port} not ready: {self.output()[-2000:]}")
            time.sleep(0.1)
        return time.monotonic() - started

    def metric(self, name: str) -> float:
        """The sum of every sample of metric `name` on this worker's ``/metrics``."""
        text = httpx.get(f"{self.url}/metrics", timeout=5).text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith(name) and line[len(name)] in " {"
        )

    def rss_mb(self) -> float:
        """Resident memory of the process in MB (from /proc)."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def kill(self) -> None:
        """SIGKILL: the process dies mid-work, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL if it has not stopped within `timeout`; the exit code."""
        if self.process is None:
            return None
        return stop_process(self.process, timeout)

    def children(self) -> list[int]:
        """Process ids of this worker's child processes (TEKSER_WORKERS > 1 forks them)."""
        assert self.process is not None
        return child_pids(self.process.pid)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
