"""A message that is only a link to an article: the bot reads the article and matches it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from handlers.context import SERVICES_KEY
from knowledge.links.preview import AddressPolicy, LinkExpander, LinkFetcher
from tests.e2e.conftest import Running
from tests.support.asgi_server import serve
from tests.support.standin import TgUser

ARTICLE = """<html><head><title>Вышки 5G распространяют коронавирус</title>
<meta name="description" content="Врачи молчат: новые вышки в Алматы опасны"></head>
<body><p>Вышки 5G распространяют коронавирус, утверждают наши источники.</p></body></html>"""
BORING = "<html><head><title>Weather in Astana</title></head><body><p>Sunny.</p></body></html>"


async def article(request: Request) -> HTMLResponse:
    return HTMLResponse(ARTICLE)


async def boring(request: Request) -> HTMLResponse:
    return HTMLResponse(BORING)


@pytest.fixture
def news_site() -> Iterator[str]:
    app = Starlette(routes=[Route("/news/5g-towers", article), Route("/news/weather", boring)])
    with serve(app) as url:
        yield url


@pytest.fixture
def links_on(bot: Running, news_site: str) -> str:
    """Link expansion with the loopback test site explicitly allowed (nothing else is)."""
    port = int(news_site.rsplit(":", 1)[1])
    policy = AddressPolicy(
        ports=frozenset({port}), allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),)
    )
    services = bot.app.bot_data[SERVICES_KEY]
    services.links = LinkExpander(fetcher=LinkFetcher(policy=policy))
    return news_site


async def test_a_bare_link_is_checked_by_its_article(
    bot: Running, links_on: str, reader: TgUser
) -> None:
    sent = bot.standin.push_text(reader, f"{links_on}/news/5g-towers")
    reply = await bot.standin.wait_reply(sent)
    assert "5G" in reply.plain
    assert "Send to fact-checkers" not in reply.plain


async def test_an_unrelated_article_is_no_match(
    bot: Running, links_on: str, reader: TgUser
) -> None:
    sent = bot.standin.push_text(reader, f"{links_on}/news/weather")
    reply = await bot.standin.wait_reply(sent)
    assert "5G" not in reply.plain


async def test_a_link_to_a_private_address_is_not_fetched(
    bot: Running, news_site: str, reader: TgUser
) -> None:
    """Default policy (as in production): loopback is refused, the bot still answers."""
    bot.app.bot_data[SERVICES_KEY].links = LinkExpander()
    sent = bot.standin.push_text(reader, f"{news_site}/news/5g-towers")
    reply = await bot.standin.wait_reply(sent)
    assert "5G" not in reply.plain
