"""Load through two webhook workers on PostgreSQL: updates/s, p99 update->reply, errors, memory.

Two `tekser run` processes (webhook mode, exactly as deployed) share one PostgreSQL database with a
10k-debunk base (EUvsDisinfo case titles from ../shared when present, generated claims otherwise);
the Bot API stand-in from tests/ plays Telegram, delivering updates to one webhook URL with up to
40 requests at once, and the balancer from tests/ spreads them over the workers.

1. capacity: a burst of --probe updates, all queued at once: the rate the pair sustains;
2. load: --updates updates (10,000) offered at --load-share (0.8) of that rate; reported: updates/s
   achieved, p50/p99 from update to reply, errors (deliveries not answered 200, updates never
   answered, failed Bot API calls, the workers' own error counter; all must be 0), and each
   worker's resident memory after warm-up (200 updates and the burst) and at the end (growth
   must stay within 10%), with samples every 30 s in between to tell a leak from a cache filling.

Needs PostgreSQL (TEKSER_TEST_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1/test):
a template database with the base is built once (`tekser_bench_load_<n>`), each run works on a
copy of it that is dropped afterwards.

    .venv/bin/python bench/worker_load.py [--updates 10000] [--debunks 10000] [--semantic]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import datasets as data  # noqa: E402
from bot_throughput import Driver, burst, debunks_for, messages, paced  # noqa: E402
from postgres_base import ADMIN_URL, run_database, template_database  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from tests.support.balancer import Balancer  # noqa: E402
from tests.support.standin import StandIn  # noqa: E402
from tests.support.workers import WEBHOOK_SECRET, Worker, free_port, standin_env  # noqa: E402

WORKERS = 2


async def sample_memory(
    workers: list[Worker], samples: list[tuple[float, list[float]]], every: float = 30.0
) -> None:
    """Append each worker's resident memory every `every` seconds until cancelled."""
    started = time.monotonic()
    while True:
        await asyncio.sleep(every)
        samples.append((time.monotonic() - started, [w.rss_mb() for w in workers]))


async def measure(args: argparse.Namespace, url: str, titles: list[str], tmp: Path) -> int:
    ports = [free_port() for _ in range(WORKERS)]
    with StandIn() as standin, Balancer([f"http://127.0.0.1:{p}" for p in ports]) as balancer:
        env = standin_env(
            url,
            standin,
            webhook_url=balancer.url("/hook"),
            webhook_secret=WEBHOOK_SECRET,
            semantic="true" if args.semantic else "false",
            send_rate_per_second="100000",  # Telegram's flood limits are not what is measured
            checks_per_minute="1000",
            log_level="WARNING",
        )
        workers = [
            Worker(env, port=port, cwd=tmp, log=tmp / f"worker{i}.log")
            for i, port in enumerate(ports, 1)
        ]
        samples: list[tuple[float, list[float]]] = []
        try:
            started = time.monotonic()
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.wait_ready(timeout=args.startup)
            print(f"  {WORKERS} workers ready after {time.monotonic() - started:.1f} s")
            driver = Driver(standin)
            warm = await burst(driver, messages(titles, 200, seed=1), timeout=120)
            probe = await burst(driver, messages(titles, args.probe, seed=2), timeout=300)
            rss_start = [w.rss_mb() for w in workers]
            rate = probe.rate * args.load_share
            print(
                f"  warm-up {warm.answered}/{warm.sent}; capacity burst {probe.answered}/"
                f"{probe.sent} at {probe.rate:.0f} updates/s; "
                f"offering {args.updates} at {rate:.0f}/s"
            )
            sampling = asyncio.create_task(sample_memory(workers, samples))
            load = await paced(driver, messages(titles, args.updates, seed=3), rate, timeout=300)
            sampling.cancel()
            rss_end = [w.rss_mb() for w in workers]
            worker_errors = sum(w.metric("tekser_errors_total") for w in workers)
            served = [balancer.served[w.url] for w in workers]
        finally:
            for worker in workers:
                worker.stop()
        bad_deliveries = sum(1 for _, status in standin.webhook_deliveries if status != 200)
        failed_calls = sum(1 for call in standin.calls if not call.ok)
    unanswered = load.sent - load.answered + probe.sent - probe.answered
    errors = bad_deliveries + failed_calls + int(worker_errors) + unanswered
    growth = max(end / start - 1 for start, end in zip(rss_start, rss_end, strict=True))

    print()
    header = (
        f"{'mode':<10} {'updates':>7} {'upd/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'burst upd/s':>11} {'RSS start MB':>14} {'RSS end MB':>12} {'growth':>7}"
    )
    print(header)
    print("-" * len(header))
    print(
        f"{'semantic' if args.semantic else 'lexical':<10} {load.sent:>7} {load.rate:>6.0f} "
        f"{load.percentile(50):>7.0f} {load.percentile(99):>7.0f} {errors:>6} {probe.rate:>11.0f} "
        f"{' + '.join(f'{m:.0f}' for m in rss_start):>14} "
        f"{' + '.join(f'{m:.0f}' for m in rss_end):>12} {growth:>7.1%}"
    )
    print(
        f"errors: {bad_deliveries} deliveries not answered 200, {unanswered} updates unanswered, "
        f"{failed_calls} failed Bot API calls, {int(worker_errors)} worker errors; "
        f"requests per worker: {served}"
    )
    print(
        "RSS during the load (s: MB per worker): "
        + ", ".join(f"{t:.0f}: {'+'.join(f'{m:.0f}' for m in mb)}" for t, mb in samples)
    )
    print("targets: errors 0; memory growth <= 10% per worker")
    return 0 if errors == 0 and growth <= 0.10 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=10_000, help="updates in the load")
    parser.add_argument("--debunks", type=int, default=10_000, help="size of the base")
    parser.add_argument("--probe", type=int, default=1000, help="updates in the capacity burst")
    parser.add_argument(
        "--load-share", type=float, default=0.8, help="share of the burst rate offered in the load"
    )
    parser.add_argument("--semantic", action="store_true", help="with the semantic extra")
    parser.add_argument("--startup", type=float, default=1800, help="seconds allowed to start")
    data.add_data_option(parser)
    args = parser.parse_args()
    data.use_data(args.data)
    source, debunks = debunks_for(args.debunks)
    try:
        template = template_database(source, debunks, vectors=args.semantic)
    except OperationalError as exc:
        print(f"PostgreSQL is not reachable at {ADMIN_URL}: {exc.orig}")
        return 2
    titles = [d.title.get("en") or next(iter(d.title.values())) for d in debunks]
    with run_database(template) as url, tempfile.TemporaryDirectory() as tmp:
        print(f"{WORKERS} webhook workers on PostgreSQL, {len(debunks)} debunks; database {url}")
        return asyncio.run(measure(args, url, titles, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
