"""The public site in a real headless Chromium: what a reader and a newsroom's page see."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.moderation import editing
from tests.support.asgi_server import serve
from tests.support.moderating import moderate

NATO_SLUG = "nato-centre-almaty"
NATO_TITLE_RU = "В Алматы открылся миротворческий центр НАТО"


class Tab:
    """A fresh browser context and page that records console errors, page errors and every
    host the page asked something of."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.hosts: set[str] = set()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.hosts.add(urlsplit(r.url).netloc))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    opened = Tab(browser)
    yield opened
    opened.close()


def test_debunk_page_renders_with_its_claimreview(site_url: str, tab: Tab) -> None:
    page = tab.page
    response = page.goto(f"{site_url}/d/{NATO_SLUG}?lang=ru")
    assert response is not None and response.status == 200
    assert NATO_TITLE_RU in page.inner_text("h1")
    assert "Минобороны" in page.inner_text(".disproof")
    # the browser itself parses the JSON-LD block
    review = page.evaluate(
        "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)"
    )
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == NATO_TITLE_RU
    assert review["url"] == f"{site_url}/d/{NATO_SLUG}?lang=ru"
    assert review["reviewRating"]["alternateName"] == "False"
    assert page.get_attribute("link[rel=canonical]", "href") == review["url"]
    assert page.get_attribute("meta[property='og:title']", "content").endswith(NATO_TITLE_RU)
    hreflangs = page.eval_on_selector_all(
        "link[rel=alternate][hreflang]", "links => links.map(l => l.hreflang)"
    )
    assert set(hreflangs) == {"en", "ru", "kk", "x-default"}
    assert tab.errors == []


def test_search_form_finds_a_seed_debunk_from_a_russian_question(site_url: str, tab: Tab) -> None:
    page = tab.page
    page.goto(f"{site_url}/?lang=ru")
    page.fill("input[name=q]", "Правда, что в Алматы открыли центр НАТО?")
    with page.expect_navigation():
        page.click("form.search button")
    first = page.locator("ol.findings a").first
    assert NATO_TITLE_RU in first.inner_text()
    with page.expect_navigation():
        first.click()
    assert urlsplit(page.url).path == f"/d/{NATO_SLUG}"
    assert NATO_TITLE_RU in page.inner_text("h1")
    assert tab.errors == []


def newsroom_page(tekser_url: str) -> Starlette:
    """A newsroom's article page, served from another origin, with the two embed snippets."""
    html = f"""<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>News</title>
    <link rel="icon" href="data:,"></head><body><h1>Article</h1>
    <div class="tekser-debunk" data-slug="{NATO_SLUG}" data-lang="ru"><a class="fallback"
      href="{tekser_url}/d/{NATO_SLUG}">Tekser</a></div>
    <p>Between the boxes.</p>
    <div class="tekser-check" data-lang="ru"></div>
    <script src="{tekser_url}/embed.js" async></script></body></html>"""

    async def article(request: Request) -> HTMLResponse:
        return HTMLResponse(html)

    return Starlette(routes=[Route("/", article)])


def test_the_embed_snippet_on_another_origin_shows_the_card(site_url: str, tab: Tab) -> None:
    tekser_host = urlsplit(site_url).netloc
    with serve(newsroom_page(site_url), host="localhost") as newsroom_url:
        page = tab.page
        page.goto(newsroom_url)
        card = page.frame_locator("div.tekser-debunk iframe")
        assert NATO_TITLE_RU in card.locator("h1").inner_text()
        assert page.locator("a.fallback").count() == 0  # the no-JavaScript link, replaced
        frame = page.locator("div.tekser-debunk iframe")
        assert frame.get_attribute("sandbox") is not None
        assert "allow-same-origin" not in (frame.get_attribute("sandbox") or "")
        # sized to its content: the frame grows to the card's height (not its 12rem default)
        page.wait_for_function(
            "() => { const f = document.querySelector('div.tekser-debunk iframe');"
            " return f && parseFloat(f.style.height) > 250; }"
        )
        # the check box answers inside its frame
        box = page.frame_locator("div.tekser-check iframe")
        box.locator("input[name=q]").fill("В Алматы открыли центр НАТО")
        box.locator("button").click()
        assert NATO_TITLE_RU in box.locator("ol.findings a").first.inner_text()
        assert tab.context.cookies() == []
        newsroom_host = urlsplit(newsroom_url).netloc
        assert tab.hosts <= {tekser_host, newsroom_host}, "no third-party requests"
        assert tab.errors == []


def test_a_moderators_script_in_a_title_shows_as_text(
    site_kb: KnowledgeBase, site_url: str, tab: Tab
) -> None:
    slug = "russians-persecuted-in-kazakhstan"
    title = "<script>window.pwned = 1</script><b>bold</b> title"
    moderate(site_kb, editing.set_text, slug=slug, field="title", lang="en", text=title)
    page = tab.page
    page.goto(f"{site_url}/d/{slug}?lang=en")
    assert title in page.inner_text("h1")
    assert page.evaluate("window.pwned") is None
    assert page.locator("h1 b").count() == 0
    review = json.loads(page.inner_text("script[type='application/ld+json']") or "{}")
    assert review["claimReviewed"] == title
    page.goto(f"{site_url}/search?lang=en&q=" + "%3Cscript%3Ewindow.pwned%3D2%3C%2Fscript%3E")
    assert "<script>window.pwned=2</script>" in page.inner_text("p.query")
    assert page.evaluate("window.pwned") is None
    assert tab.errors == []
