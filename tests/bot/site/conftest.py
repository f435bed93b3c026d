"""The public site over real HTTP: a seeded base served by bot.web's app (the site included), and
headless Chromium (the Debian package, driven by Playwright) for the browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import open_knowledge
from bot.web import build_web_app
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.settings import Settings
from tests.support.asgi_server import serve

CHROMIUM = os.environ.get("TEKSER_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def site_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": database_url, "semantic": False, **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def site_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    path = tmp_path_factory.mktemp("site") / "site.db"
    base = open_knowledge(site_settings(f"sqlite:///{path}"), load=False)
    base.seed_if_empty()
    base.reload()
    yield base
    base.close()


@pytest.fixture(scope="module")
def site_url(site_kb: KnowledgeBase) -> Iterator[str]:
    """The site on 127.0.0.1 (no TEKSER_PUBLIC_URL: links are built from the request)."""
    settings = site_settings(str(site_kb.engine.url), checks_per_minute=1000)
    with serve(build_web_app(settings, site_kb)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs the Debian package chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
