"""A reader sends links to pages built to hurt the bot (a double-gzip bomb, a `charset=punycode`
page, a deeply nested page): the bot's memory stays within +100 MB and a bystander in another
chat is answered within a second all the while."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterator

import pytest

from handlers.context import SERVICES_KEY
from knowledge.links.preview import AddressPolicy, LinkExpander, LinkFetcher
from tests.e2e.conftest import Running
from tests.support.asgi_server import serve
from tests.support.hostile_site import HOSTILE_PATHS, PeakMemory, hostile_site
from tests.support.standin import TgUser

MB = 1024 * 1024
BYSTANDER_QUESTION = "Вышки 5G распространяют коронавирус"


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(hostile_site(bomb_bytes=1024 * MB, page_bytes=MB)) as url:
        yield url


@pytest.fixture
def hostile_links(bot: Running, site: str) -> str:
    """Link expansion with the loopback hostile site let through the address-policy hook."""
    policy = AddressPolicy(
        ports=frozenset({int(site.rsplit(":", 1)[1])}),
        allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
    )
    bot.app.bot_data[SERVICES_KEY].links = LinkExpander(fetcher=LinkFetcher(policy=policy))
    return site


@pytest.mark.parametrize("path", HOSTILE_PATHS)
async def test_a_hostile_link_neither_bloats_the_bot_nor_delays_other_chats(
    bot: Running, hostile_links: str, reader: TgUser, path: str
) -> None:
    bystanders = [TgUser(2000 + n, f"Bystander {n}", "ru") for n in range(8)]
    waits: list[float] = []
    with PeakMemory() as memory:
        attack = bot.standin.push_text(reader, f"{hostile_links}{path}")
        reply_to_attack = asyncio.create_task(bot.standin.wait_reply(attack, timeout=15))
        for bystander in bystanders:  # one check every 0.25 s while the link is worked on
            since = len(bot.standin.calls)
            asked = time.monotonic()
            question = bot.standin.push_text(bystander, BYSTANDER_QUESTION)
            answer = await bot.standin.wait_reply(question, since=since, timeout=10)
            waits.append(time.monotonic() - asked)
            assert "5G" in answer.plain
            await asyncio.sleep(0.25)
        await reply_to_attack  # the reader who sent the link is answered too (without its text)
    assert max(waits) < 1.0, waits
    assert memory.growth < 100 * MB, memory.growth / MB
