"""Hostile links: the bot's memory and other chats' waits while a reader sends links to pages built
to hurt it (tests/support/hostile_site.py: a double-gzip bomb, one gzip layer inflating to the bomb
size, a 1 MB `charset=punycode` page, a 1 MB page of nested <div>s).

The real Application (bot.app.build_application) polls the Bot API stand-in in this process, with
the hostile site (on loopback) let through the link fetcher's address-policy hook. For each page a
reader sends its link, and a bystander in another chat asks a check every 0.2 s until the link is
answered. Targets: bot memory under +100 MB, every bystander answered within 1 s.

    nice -n 10 .venv/bin/python bench/hostile_links.py [--bomb-mb 1024] [--page-mb 1]
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from handlers.context import SERVICES_KEY  # noqa: E402
from knowledge.links.preview import AddressPolicy, LinkExpander, LinkFetcher  # noqa: E402
from tests.e2e.conftest import bot_settings, start_bot, stop_bot  # noqa: E402
from tests.e2e.pack import pack_entries  # noqa: E402
from tests.support.asgi_server import serve  # noqa: E402
from tests.support.hostile_site import HOSTILE_PATHS, PeakMemory, hostile_site  # noqa: E402
from tests.support.standin import StandIn, TgUser  # noqa: E402

MB = 1024 * 1024
QUESTION = "Вышки 5G распространяют коронавирус"
BYSTANDER_EVERY = 0.2


async def one_page(standin: StandIn, site: str, path: str, round_: int) -> list[str]:
    reader = TgUser(1000 + round_, "Reader", "en")
    waits: list[float] = []
    started = time.monotonic()
    with PeakMemory(child_marker="knowledge.links.extract") as memory:
        attack = standin.push_text(reader, f"{site}{path}")
        answered = asyncio.create_task(standin.wait_reply(attack, timeout=60))
        n = 0
        while not answered.done() or n < 3:
            bystander = TgUser(10_000 + round_ * 1000 + n, "Bystander", "ru")
            since = len(standin.calls)
            asked = time.monotonic()
            question = standin.push_text(bystander, QUESTION)
            await standin.wait_reply(question, since=since, timeout=60)
            waits.append(time.monotonic() - asked)
            n += 1
            await asyncio.sleep(BYSTANDER_EVERY)
        await answered
        link_seconds = answered.result().at - started
    return [
        path,
        f"{link_seconds:.2f}",
        str(len(waits)),
        f"{statistics.median(waits) * 1000:.0f}",
        f"{max(waits) * 1000:.0f}",
        f"{memory.growth / MB:+.0f}",
        f"{memory.children_peak / MB:.0f}",
    ]


async def run(bomb_mb: int, page_mb: float) -> list[list[str]]:
    print(f"building the hostile site (bombs inflate to {bomb_mb} MB) ...", file=sys.stderr)
    app = hostile_site(bomb_bytes=bomb_mb * MB, page_bytes=int(page_mb * MB))
    rows = []
    with tempfile.TemporaryDirectory() as tmp, StandIn() as standin, serve(app) as site:
        settings = bot_settings(standin, f"sqlite:///{Path(tmp) / 'bench.db'}")
        from bot.bootstrap import open_knowledge

        kb = open_knowledge(settings)
        kb.import_entries(pack_entries())
        bot = await start_bot(standin, settings, kb)
        policy = AddressPolicy(
            ports=frozenset({int(site.rsplit(":", 1)[1])}),
            allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
        )
        bot.bot_data[SERVICES_KEY].links = LinkExpander(fetcher=LinkFetcher(policy=policy))
        try:
            for round_, path in enumerate((*HOSTILE_PATHS, "/article")):
                print(f"  {path} ...", file=sys.stderr)
                rows.append(await one_page(standin, site, path, round_))
        finally:
            await stop_bot(bot)
            kb.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bomb-mb", type=int, default=1024, help="what the bombs inflate to")
    parser.add_argument("--page-mb", type=float, default=1.0, help="punycode and nested pages")
    args = parser.parse_args()
    rows = asyncio.run(run(args.bomb_mb, args.page_mb))
    header = [
        "page",
        "link answered s",
        "bystander checks",
        "bystander p50 ms",
        "bystander max ms",
        "bot memory MB",
        "extraction process peak MB",
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print("targets: bot memory under +100 MB, every bystander answered within 1000 ms")


if __name__ == "__main__":
    main()
