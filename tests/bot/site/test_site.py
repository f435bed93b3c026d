"""The public site over real HTTP: status codes, languages, headers, feeds, search and its limit,
and a moderator's change showing on the next request."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.bootstrap import open_knowledge
from bot.web import build_web_app
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.moderation import editing
from tests.bot.site.conftest import site_settings
from tests.support.asgi_server import serve
from tests.support.moderating import moderate
from tests.support.workers import free_port, tekser_env

NATO = "nato-centre-almaty"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def kb(sqlite_url: str) -> Iterator[KnowledgeBase]:
    base = open_knowledge(site_settings(sqlite_url), load=False)
    base.seed_if_empty()
    base.reload()
    yield base
    base.close()


@pytest.fixture
def site(kb: KnowledgeBase) -> Iterator[httpx.Client]:
    yield from client(kb)


def client(kb: KnowledgeBase, **overrides: Any) -> Iterator[httpx.Client]:
    settings = site_settings(str(kb.engine.url), **overrides)
    with serve(build_web_app(settings, kb)) as url, httpx.Client(base_url=url) as http:
        yield http


def test_a_page_answers_in_the_asked_language_else_accept_language(site: httpx.Client) -> None:
    kazakh = site.get(f"/d/{NATO}", headers={"Accept-Language": "de;q=1, kk;q=0.8, en;q=0.5"})
    assert '<html lang="kk">' in kazakh.text
    assert "Алматыда НАТО-ның бітімгершілік орталығы ашылды" in kazakh.text
    english = site.get(f"/d/{NATO}?lang=en", headers={"Accept-Language": "kk"})
    assert '<html lang="en">' in english.text and "peacekeeping centre" in english.text
    assert site.get(f"/d/{NATO}").text.startswith('<!doctype html>\n<html lang="ru">')
    assert "Accept-Language" in english.headers["vary"]


def test_retired_is_gone_unknown_is_not_found(kb: KnowledgeBase, site: httpx.Client) -> None:
    assert site.get(f"/d/{NATO}").status_code == 200
    moderate(kb, editing.set_status, slug=NATO, status="retired")
    gone = site.get(f"/d/{NATO}?lang=en")
    assert gone.status_code == 410 and "withdrawn" in gone.text
    assert site.get("/d/no-such-debunk").status_code == 404
    assert site.get("/d/..%2Fetc").status_code == 404
    assert site.get(f"/embed/d/{NATO}").status_code == 404


def test_pages_refuse_framing_embeds_allow_it_and_nothing_sets_a_cookie(
    site: httpx.Client,
) -> None:
    page = site.get(f"/d/{NATO}")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    embed = site.get(f"/embed/d/{NATO}?lang=ru")
    policy = embed.headers["content-security-policy"]
    assert "frame-ancestors *" in policy and "sandbox allow-scripts" in policy
    assert "allow-same-origin" not in policy
    for path in ("/", f"/d/{NATO}", "/search?q=x", "/embed/check?q=x", "/feed.xml", "/embed.js"):
        assert "set-cookie" not in site.get(path).headers, path


def test_public_url_makes_the_canonical_and_alternates(kb: KnowledgeBase) -> None:
    for http in client(kb, public_url="https://tekser.example/"):
        text = http.get(f"/d/{NATO}?lang=en").text
        assert f'<link rel="canonical" href="https://tekser.example/d/{NATO}?lang=en">' in text
        assert f'hreflang="kk" href="https://tekser.example/d/{NATO}?lang=kk"' in text
        assert f'hreflang="x-default" href="https://tekser.example/d/{NATO}"' in text
        assert '"url": "https://tekser.example/d/nato-centre-almaty?lang=en"' in text


def test_search_echoes_the_query_escaped_and_links_the_debunk(site: httpx.Client) -> None:
    found = site.get("/search", params={"q": "<b>В Алматы</b> открыли центр НАТО", "lang": "ru"})
    assert found.status_code == 200
    assert "&lt;b&gt;В Алматы&lt;/b&gt;" in found.text and "<b>В Алматы" not in found.text
    assert f'<a href="{str(site.base_url).rstrip("/")}/d/{NATO}?lang=ru">' in found.text
    true_news = site.get("/search", params={"q": "Сегодня в Астане солнечно и тепло", "lang": "en"})
    assert "No debunked claim matches this text" in true_news.text
    assert f"/d/{NATO}" not in true_news.text


def test_search_is_limited_per_client(kb: KnowledgeBase) -> None:
    for http in client(kb, checks_per_minute=2):
        codes = [http.get("/search", params={"q": f"центр НАТО {i}"}).status_code for i in range(3)]
        assert codes == [200, 200, 429]
        assert http.get("/search", params={"q": "x"}).headers["retry-after"] == "60"
        assert http.get(f"/d/{NATO}").status_code == 200  # pages are not limited


def test_feeds_and_sitemap_list_published_debunks_newest_change_first(
    kb: KnowledgeBase, site: httpx.Client
) -> None:
    moderate(kb, editing.set_status, slug="kazakh-shells-for-ukraine", status="retired")
    moderate(kb, editing.set_text, slug=NATO, field="disproof", lang="en", text="Corrected.")
    atom = ET.fromstring(site.get("/feed.xml?lang=en").content)
    entries = atom.findall(f"{ATOM}entry")
    links = [str(e.find(f"{ATOM}link").get("href")) for e in entries]  # type: ignore[union-attr]
    assert links[0].endswith(f"/d/{NATO}?lang=en")
    assert entries[0].findtext(f"{ATOM}summary") == "Corrected."
    assert len(links) == 11 and not any("kazakh-shells" in link for link in links)
    feed = site.get("/feed.json?lang=ru")
    assert feed.headers["content-type"].startswith("application/feed+json")
    body = json.loads(feed.text)
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert body["items"][0]["url"].endswith(f"/d/{NATO}?lang=ru") and len(body["items"]) == 11
    sitemap = ET.fromstring(site.get("/sitemap.xml").content)
    locs = [u.findtext(f"{SITEMAP}loc", "") for u in sitemap.findall(f"{SITEMAP}url")]
    assert len(locs) == 12 and not any("kazakh-shells" in loc for loc in locs)  # home + 11


def test_a_moderators_change_shows_on_the_next_request(
    kb: KnowledgeBase, site: httpx.Client
) -> None:
    assert "Corrected on the spot." not in site.get(f"/d/{NATO}?lang=en").text
    moderate(kb, editing.set_text, slug=NATO, field="disproof", lang="en",
             text="Corrected on the spot.")  # fmt: skip
    assert "Corrected on the spot." in site.get(f"/d/{NATO}?lang=en").text
    assert "Corrected on the spot." in site.get(f"/embed/d/{NATO}?lang=en").text


def test_sources_are_links_only_where_the_url_is_verified(site: httpx.Client) -> None:
    nato = site.get(f"/d/{NATO}?lang=en").text
    assert "<cite>Denial of the reports that a NATO centre opened in Almaty" in nato
    assert "gov.kz" not in nato and 'href=""' not in nato
    biolabs = site.get("/d/pentagon-biolabs-moved-to-kazakhstan?lang=en").text
    case = "the-us-is-constructing-secret-biological-labs-in-georgia-kazakhstan"
    assert f'<a href="https://euvsdisinfo.eu/report/{case}/" rel="noopener">' in biolabs
    assert "September 11, 2016" in biolabs  # the case's date, from the EUvsDisinfo list


def test_the_page_and_the_bots_card_show_the_same_sources(
    kb: KnowledgeBase, site: httpx.Client
) -> None:
    from handlers.i18n import translator
    from handlers.public.views import card_text

    card = kb.card("january-2022-unrest-us-staged")
    assert card is not None and len(card.sources) == 3
    page = site.get("/d/january-2022-unrest-us-staged?lang=en").text
    bot_card = card_text(card, translator("en"))
    for source in card.sources:
        label = source.title.replace("'", "&#39;")
        assert label in page and source.title in bot_card
        if source.url:
            assert f'href="{source.url}"' in page and f'href="{source.url}"' in bot_card


@pytest.mark.parametrize("command", ["web", "api"])
def test_tekser_web_serves_the_site_and_the_api_on_one_port(
    sqlite_url: str, tmp_path: Path, command: str
) -> None:
    port = free_port()
    env = tekser_env(sqlite_url, listen="127.0.0.1")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", command, "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if http.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
            assert http.get(f"/d/{NATO}").status_code == 200  # seeded at start
            assert http.get("/api/v1/openapi.json").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.postgres
def test_a_change_made_through_another_worker_reaches_this_workers_pages(
    postgres_url: str,
) -> None:
    from knowledge.debunks.sync import DebunkSync

    writer = open_knowledge(site_settings(postgres_url), load=False)
    writer.seed_if_empty()
    reader = open_knowledge(site_settings(postgres_url), load=True)
    try:
        with (
            DebunkSync(reader) as sync,
            serve(build_web_app(site_settings(postgres_url), reader)) as url,
        ):
            assert sync.connected.wait(5)
            page = f"{url}/d/{NATO}?lang=en"
            assert "Told by another worker." not in httpx.get(page).text  # now cached
            moderate(writer, editing.set_text, slug=NATO, field="disproof", lang="en",
                     text="Told by another worker.")  # fmt: skip
            deadline = time.monotonic() + 2
            while "Told by another worker." not in httpx.get(page).text:
                assert time.monotonic() < deadline, "the page did not change within 2 s"
                time.sleep(0.05)
            feed = httpx.get(f"{url}/feed.json?lang=en").json()
            assert feed["items"][0]["content_text"] == "Told by another worker."
            moderate(writer, editing.set_status, slug=NATO, status="retired")
            deadline = time.monotonic() + 2
            while httpx.get(page).status_code != 410:
                assert time.monotonic() < deadline, "the retired page did not go within 2 s"
                time.sleep(0.05)
    finally:
        reader.close()
        writer.close()
