"""The public site's routes, mounted into bot.web's Starlette app.

    GET /                 the latest debunks and the search form
    GET /d/{slug}         a debunk page (ClaimReview JSON-LD, Open Graph); 410 retired, 404 unknown
    GET /search?q=        the bot's check of a text; rate-limited per client
    GET /embed.js         the newsroom snippet's loader: sandboxed iframes sized to their content
    GET /embed/d/{slug}   the card inside such an iframe;  GET /embed/check?q=  the check box
    GET /feed.xml, /feed.json, /sitemap.xml, /robots.txt, /static/*

Every page answers in `?lang=`, else the best of Accept-Language, else Russian. No cookies are
ever set; pages may not be framed, embed frames may be framed by any site (that is their job).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.site import pages
from handlers.i18n import translator
from knowledge import metrics
from knowledge.audience.quotas import take_check
from knowledge.debunks import storage
from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.checking import Answer, CardCache, answer_message
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.formats.pack import SLUG_RE
from knowledge.settings import Settings

log = logging.getLogger(__name__)

STATIC = pages.TEMPLATES.parent / "static"
QUERY_LIMIT = 2000
HOME_SIZE = 20
WINDOW_SECONDS = 60.0
# Pages: nothing but our own CSS; the JSON-LD block is data, never run. Framing refused.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# Embed frames: any newsroom may frame them; they run only our sizing script, in a sandbox
# without same-origin (no cookies, no storage, no access to the host page).
EMBED_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors *; "
    "sandbox allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox"
)
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Vary": "Accept-Language",
    "Cache-Control": "no-cache",  # a moderator's change shows on the next request
}
PAGE_HEADERS = {**COMMON_HEADERS, "Content-Security-Policy": PAGE_CSP, "X-Frame-Options": "DENY"}
EMBED_HEADERS = {**COMMON_HEADERS, "Content-Security-Policy": EMBED_CSP}
Endpoint = Callable[[Request], Awaitable[Response]]


def _guarded(endpoint: Endpoint) -> Endpoint:
    """A failure becomes a plain 500 (logged, counted), never a traceback to the reader."""

    @functools.wraps(endpoint)
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception:
            log.exception("%s %s failed", request.method, request.url.path)
            metrics.ERRORS.labels(where="site").inc()
            return PlainTextResponse("Internal error", status_code=500, headers=COMMON_HEADERS)

    return run


def site_routes(settings: Settings, kb: KnowledgeBase) -> list[BaseRoute]:
    """The site's routes over `kb` (its matcher kept current by knowledge.debunks.sync)."""
    cards = CardCache(kb)
    key = settings.secret.get_secret_value().encode()
    per_minute = settings.checks_per_minute

    def site_for(request: Request) -> pages.Site:
        base = settings.public_url or str(request.base_url)
        return pages.Site(base.rstrip("/"))

    def language(request: Request) -> str:
        return pages.page_language(
            request.query_params.get("lang"), request.headers.get("accept-language")
        )

    def client_hash(request: Request) -> str:
        client = request.client.host if request.client else "unknown"
        return hmac.new(key, b"site:" + client.encode(), hashlib.sha256).hexdigest()

    def allowed(request: Request) -> bool:
        """(In a worker thread.) Count one search of this client; False when over the limit."""
        with Session(kb.engine) as session:
            taken = take_check(
                session, user_hash=client_hash(request), now=time.time(), window=WINDOW_SECONDS
            )
            session.commit()
        return taken <= per_minute

    def search_blocking(request: Request, query: str) -> tuple[Answer | None, bool]:
        if not query:
            return None, False
        if not allowed(request):
            return None, True
        started = time.perf_counter()
        answer = answer_message(kb, query, cards=cards)
        metrics.CHECK_SECONDS.labels(source="site").observe(time.perf_counter() - started)
        metrics.CHECKS.labels(verdict=answer.verdict, source="site").inc()
        return answer, False

    async def card_for(slug: str) -> DebunkCard | None:
        """A cached current card straight away; else read in a worker thread (the database)."""
        if not SLUG_RE.match(slug):
            return None
        return cards.cached(slug) or await run_in_threadpool(cards.card, slug)

    def query_of(request: Request) -> str:
        return " ".join(request.query_params.get("q", "").split())[:QUERY_LIMIT]

    @_guarded
    async def home(request: Request) -> Response:
        def read() -> list[DebunkCard]:
            with kb.session() as session:
                return storage.recently_updated_cards(session, limit=HOME_SIZE)

        latest = await run_in_threadpool(read)
        body = pages.home_page(latest, translator(language(request)), site_for(request))
        return HTMLResponse(body, headers=PAGE_HEADERS)

    @_guarded
    async def debunk(request: Request) -> Response:
        tr = translator(language(request))
        site = site_for(request)
        slug = request.path_params["slug"]
        card = await card_for(slug)
        if card is None:
            body = pages.not_found_page(tr, site, request.url.path)
            return HTMLResponse(body, status_code=404, headers=PAGE_HEADERS)
        if card.status != "published":  # retired (or a draft never shown): gone
            return HTMLResponse(pages.gone_page(tr, site, slug), 410, headers=PAGE_HEADERS)
        return HTMLResponse(pages.debunk_page(card, tr, site), headers=PAGE_HEADERS)

    def checking(*, embedded: bool) -> Endpoint:
        """A page answering `?q=` with the bot's check: the search page, or the embedded box."""
        headers = EMBED_HEADERS if embedded else PAGE_HEADERS

        @_guarded
        async def endpoint(request: Request) -> Response:
            query = query_of(request)
            answer, limited = await run_in_threadpool(search_blocking, request, query)
            tr = translator(language(request))
            site = site_for(request)
            body = pages.search_page(query, answer, tr, site, limited=limited, embedded=embedded)
            if limited:
                over = {**headers, "Retry-After": str(int(WINDOW_SECONDS))}
                return HTMLResponse(body, status_code=429, headers=over)
            return HTMLResponse(body, headers=headers)

        return endpoint

    @_guarded
    async def embed_card(request: Request) -> Response:
        slug = request.path_params["slug"]
        card = await card_for(slug)
        shown = card if card is not None and card.status == "published" else None
        body = pages.embed_card_page(shown, translator(language(request)), site_for(request))
        return HTMLResponse(body, status_code=200 if shown else 404, headers=EMBED_HEADERS)

    async def embed_js(request: Request) -> Response:
        return Response(
            (STATIC / "embed.js").read_bytes(),
            media_type="text/javascript; charset=utf-8",
            headers={
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "public, max-age=300",
                "Cross-Origin-Resource-Policy": "cross-origin",  # loaded by newsroom pages
            },
        )

    def recent() -> list[Any]:
        with kb.session() as session:
            return storage.recently_updated_cards(session, limit=pages.FEED_SIZE)

    @_guarded
    async def atom(request: Request) -> Response:
        tr = translator(language(request))
        body = pages.atom_feed(await run_in_threadpool(recent), tr, site_for(request))
        return Response(body, media_type="application/atom+xml", headers=COMMON_HEADERS)

    @_guarded
    async def json_feed(request: Request) -> Response:
        tr = translator(language(request))
        body = pages.json_feed(await run_in_threadpool(recent), tr, site_for(request))
        return JSONResponse(body, media_type="application/feed+json", headers=COMMON_HEADERS)

    @_guarded
    async def sitemap(request: Request) -> Response:
        def stamps() -> list[Any]:
            with kb.session() as session:
                return storage.published_stamps(session)

        body = pages.sitemap(await run_in_threadpool(stamps), site_for(request))
        return Response(body, media_type="application/xml", headers=COMMON_HEADERS)

    async def robots(request: Request) -> Response:
        lines = ["User-agent: *", "Disallow: /embed/", "Disallow: /api/", "Allow: /"]
        lines.append("Sitemap: " + site_for(request).url("/sitemap.xml"))
        return PlainTextResponse("\n".join(lines) + "\n")

    return [
        Route("/", home, methods=["GET"]),
        Route("/d/{slug}", debunk, methods=["GET"]),
        Route("/search", checking(embedded=False), methods=["GET"]),
        Route("/embed.js", embed_js, methods=["GET"]),
        Route("/embed/d/{slug}", embed_card, methods=["GET"]),
        Route("/embed/check", checking(embedded=True), methods=["GET"]),
        Route("/feed.xml", atom, methods=["GET"]),
        Route("/feed.json", json_feed, methods=["GET"]),
        Route("/sitemap.xml", sitemap, methods=["GET"]),
        Route("/robots.txt", robots, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
