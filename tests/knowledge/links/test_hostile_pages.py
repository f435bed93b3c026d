"""Pages built to hurt the fetcher: compression bombs, quadratic charsets, deep nesting. The bot's
memory and its event loop stay free whatever a link points to."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterator

import pytest

from knowledge.links.extract import charset, extract_preview, within_budget
from knowledge.links.fetch import extract_in_subprocess
from knowledge.links.preview import AddressPolicy, LinkFetcher
from tests.support.asgi_server import serve
from tests.support.hostile_site import (
    LoopLag,
    PeakMemory,
    children,
    hostile_site,
    nested_page,
)

MB = 1024 * 1024
PAGE = 256 * 1024  # big enough to take many seconds in quadratic time, small enough to build fast


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(hostile_site(bomb_bytes=512 * MB, page_bytes=PAGE)) as url:
        yield url


def fetcher(site: str) -> LinkFetcher:
    """The hostile site is on loopback: allowed through the address-policy hook, as in tests of
    ordinary pages."""
    policy = AddressPolicy(
        ports=frozenset({int(site.rsplit(":", 1)[1])}),
        allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
    )
    return LinkFetcher(policy=policy)


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/bomb", None),  # stacked encodings: refused without inflating anything
        ("/gzip-bomb", "Bomb"),  # one gzip layer: read up to the cap on decoded bytes
        ("/punycode", "Punycode"),  # not a text charset: read as UTF-8, in linear time
        ("/nested", "Nested"),  # parsed up to the depth budget
    ],
)
async def test_a_hostile_page_costs_neither_memory_nor_the_event_loop(
    site: str, path: str, title: str | None
) -> None:
    started = time.monotonic()
    with PeakMemory() as memory:
        async with LoopLag() as lag:
            preview = await fetcher(site).fetch(f"{site}{path}")
    assert (preview.title if preview is not None else None) == title
    assert memory.growth < 100 * MB
    assert lag.worst < 0.5
    assert time.monotonic() - started < 5


async def test_many_links_at_once_start_two_extraction_processes_at_most(site: str) -> None:
    one = fetcher(site)
    with PeakMemory(child_marker="knowledge.links.extract") as memory:
        previews = await asyncio.gather(*(one.fetch(f"{site}/nested?copy={n}") for n in range(6)))
    assert [p.title if p is not None else None for p in previews] == ["Nested"] * 6
    assert 1 <= memory.children_most <= 2


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("text/html; charset=punycode", "utf-8"),
        ("text/html; charset=idna", "utf-8"),
        ("text/html; charset=rot13", "utf-8"),
        ("text/html; charset=zlib_codec", "utf-8"),
        ("text/html; charset=windows-1251", "cp1251"),
        ("text/html; charset=KOI8-R", "koi8-r"),
        ("text/html; charset=utf-8", "utf-8"),
    ],
)
def test_only_text_charsets_are_believed(declared: str, expected: str) -> None:
    assert charset(declared, b"") == expected


def test_the_depth_budget_keeps_an_ordinary_page_whole_and_cuts_a_nested_one() -> None:
    ordinary = "<html><head><title>T</title></head><body>" + "<div><p>text</p></div>" * 500
    assert within_budget(ordinary) == ordinary
    with_script = "<script>" + "'<div>'" * 1000 + "</script><!--" + "<div>" * 1000 + "--><p>x"
    assert within_budget(with_script) == with_script
    nested = nested_page(PAGE).decode()
    assert len(within_budget(nested)) < 2000
    started = time.monotonic()
    assert extract_preview("https://x.example/a", nested).title == "Nested"
    assert time.monotonic() - started < 1


async def test_the_deadline_kills_the_extraction_process() -> None:
    before = set(children())
    task = asyncio.create_task(
        extract_in_subprocess("https://x.example/a", nested_page(2 * MB), "text/html")
    )
    for _ in range(200):  # until the extraction process is up
        await asyncio.sleep(0.01)
        if set(children()) - before:
            break
    assert set(children()) - before
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(200):
        if not set(children()) - before:
            break
        await asyncio.sleep(0.01)
    assert not set(children()) - before
