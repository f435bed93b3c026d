"""Public site latency: a debunk page and a search beside /healthz of the same server.

`tekser web` runs as its own process (as deployed) over a 10k base: the seed pack plus
EUvsDisinfo case titles from ../shared/data (generated claims when the file is missing). One
client asks /healthz, a debunk page and a search in turn, one request at a time over a kept-alive
connection, so the three see the same machine. The matcher's own latency on the same queries is
measured in this process on the same base.

Targets: a debunk page within 3x /healthz (p50 and p99); a search within the matcher's own
p99 + 10 ms (p99).

    .venv/bin/python bench/site.py [--debunks 10000] [--requests 600] [--semantic]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import datasets as data  # noqa: E402
import httpx  # noqa: E402
from bot_throughput import debunks_for  # noqa: E402

from bot.bootstrap import open_knowledge  # noqa: E402
from knowledge.debunks.checking import CANDIDATES  # noqa: E402
from knowledge.debunks.knowledge_base import seed_pack  # noqa: E402
from knowledge.settings import Settings  # noqa: E402
from tests.support.workers import free_port, tekser_env  # noqa: E402

CACHE = REPO / "bench" / ".cache"
UNRELATED = [
    "Сегодня в Астане солнечно, к вечеру ветер",
    "Бүгін Алматыда ауа райы жылы болады",
    "The national team won its match on Sunday",
    "Курс тенге к доллару на торгах не изменился",
]


def prepare_base(n: int) -> tuple[str, Path]:
    """A cached SQLite base: the seed pack plus n - 12 more debunks."""
    seeds = seed_pack()
    source, more = debunks_for(n - len(seeds))
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"site_{source}_{len(seeds) + len(more)}.db"
    if not path.exists():
        started = time.monotonic()
        settings = Settings(_env_file=None, database_url=f"sqlite:///{path}", semantic=False)  # type: ignore[call-arg]
        kb = open_knowledge(settings, load=False)
        kb.import_entries([*seeds, *more])
        kb.close()
        print(f"built {path.name} in {time.monotonic() - started:.0f} s", flush=True)
    return source, path


def queries(count: int, seed: int = 7) -> list[str]:
    """Half seed wordings (often asked as questions), a quarter unrelated news, a quarter
    seed titles in another language."""
    rng = random.Random(seed)
    wordings = [c.text for d in seed_pack() for c in d.claims]
    titles = [t for d in seed_pack() for t in d.title.values()]
    asked = []
    for i in range(count):
        kind = i % 4
        if kind in (0, 1):
            text = rng.choice(wordings)
            asked.append(f"Правда ли, что {text[0].lower()}{text[1:]}?" if kind else text)
        elif kind == 2:
            asked.append(rng.choice(UNRELATED))
        else:
            asked.append(rng.choice(titles))
    return asked


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def matcher_latency(path: Path, asked: list[str], semantic: bool) -> list[float]:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{path}", semantic=semantic)  # type: ignore[call-arg]
    kb = open_knowledge(settings, load=True)
    try:
        for text in asked[:20]:
            kb.check(text, top=CANDIDATES)  # warm-up
        times = []
        for text in asked:
            started = time.perf_counter()
            kb.check(text, top=CANDIDATES)
            times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        kb.close()


def serve(path: Path, port: int, semantic: bool, log: Path) -> subprocess.Popen[bytes]:
    env = tekser_env(
        f"sqlite:///{path}",
        listen="127.0.0.1",
        semantic="true" if semantic else "false",
        checks_per_minute="1000000",  # the bench is one client: no rate limit
        log_level="WARNING",
    )
    command = [sys.executable, "-m", "bot", "web", "--port", str(port)]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=out)


def wait_ready(client: httpx.Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"tekser web exited:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit("tekser web did not become ready within 300 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debunks", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=600, help="of each kind")
    parser.add_argument("--semantic", action="store_true", help="semantic matching too")
    data.add_data_option(parser)
    args = parser.parse_args()
    data.use_data(args.data)
    if args.debunks < 100 or args.requests < 50:
        parser.error("--debunks takes at least 100, --requests at least 50")

    source, path = prepare_base(args.debunks)
    asked = queries(args.requests)
    slugs = [d.slug for d in seed_pack()]
    print(f"base: {path.name} ({source}); matching: {'semantic' if args.semantic else 'lexical'}")
    print("matcher alone ...", flush=True)
    matcher = matcher_latency(path, asked, args.semantic)

    port = free_port()
    log = CACHE / "site_bench.log"
    process = serve(path, port, args.semantic, log)
    timings: dict[str, list[float]] = {"/healthz": [], "/d/<slug>": [], "/search": []}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            wait_ready(client, process, log)
            for i in range(30):  # warm-up: templates compiled, caches filled
                client.get("/healthz")
                client.get(f"/d/{slugs[i % len(slugs)]}", params={"lang": "ru"})
                client.get("/search", params={"q": asked[i]})
            print(f"{args.requests} requests of each kind ...", flush=True)
            for i in range(args.requests):
                for name, path_, params in (
                    ("/healthz", "/healthz", {}),
                    ("/d/<slug>", f"/d/{slugs[i % len(slugs)]}", {"lang": "ru"}),
                    ("/search", "/search", {"q": asked[i]}),
                ):
                    started = time.perf_counter()
                    response = client.get(path_, params=params)
                    timings[name].append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        sys.exit(f"{name}: HTTP {response.status_code}")
    finally:
        process.terminate()
        process.wait(timeout=30)

    rows = [(name, times) for name, times in timings.items()]
    rows.append(("matcher alone (kb.check)", matcher))
    print(f"\n{'':26} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name, times in rows:
        print(
            f"{name:26} {percentile(times, 50):8.2f} {percentile(times, 99):8.2f} "
            f"{statistics.fmean(times):8.2f}"
        )
    health, page, search = (timings[k] for k in ("/healthz", "/d/<slug>", "/search"))
    page_ok = all(percentile(page, p) <= 3 * percentile(health, p) for p in (50, 99))
    search_budget = percentile(matcher, 99) + 10
    search_ok = percentile(search, 99) <= search_budget
    print(
        f"\ndebunk page within 3x /healthz (p50 {percentile(page, 50):.2f} <= "
        f"{3 * percentile(health, 50):.2f}, p99 {percentile(page, 99):.2f} <= "
        f"{3 * percentile(health, 99):.2f}): {'yes' if page_ok else 'NO'}"
    )
    print(
        f"search p99 within the matcher's p99 + 10 ms ({percentile(search, 99):.2f} <= "
        f"{search_budget:.2f}): {'yes' if search_ok else 'NO'}"
    )
    print(f"(server log: {log.relative_to(REPO)}; cpus: {os.cpu_count()})")
    return 0 if page_ok and search_ok else 1


if __name__ == "__main__":
    sys.exit(main())
