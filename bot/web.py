"""Tekser over HTTP: the newsroom API, health and metrics, and (in webhook mode) Telegram's webhook.

`build_web_app(settings, kb)` is the whole API and the public site; `tekser web` serves it alone.
In webhook mode the bot's runner passes its PTB Application as `telegram_app` and the same app
also takes Telegram's updates at `settings.webhook_path`, so one port serves both (PTB's
custom-webhook pattern).

Routes:
    POST /api/v1/check            {"text": ...} -> the JSON of `tekser check --json`   (API key)
    GET  /api/v1/debunks/{slug}   a published debunk's card and its ClaimReview JSON-LD (API key)
    GET  /api/v1/openapi.json     the OpenAPI description of the two above
    GET  /healthz                 the process is up
    GET  /readyz                  the database answers and the matching index is loaded
    GET  /metrics                 Prometheus metrics (knowledge.metrics)
    POST <webhook_path>           Telegram updates, with the secret header (only with telegram_app)
    GET  /, /d/{slug}, /search, ...  the public site (bot/site/routes.py)
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import signal
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.lifecycle import running
from bot.site.routes import site_routes
from bot.webhook_secret import webhook_secret_token
from knowledge import metrics
from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.checking import check_payload
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.formats.claimreview import to_claimreviews
from knowledge.formats.pack import pack_entry
from knowledge.newsroom import api_keys
from knowledge.settings import Settings

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
MAX_TOP = 10
DEFAULT_TOP = 3
MAX_LANG_CHARS = 35  # the longest language tag BCP 47 asks implementations to handle
WEBHOOK_MAX_BYTES = 1024 * 1024
Endpoint = Callable[[Request], Awaitable[Response]]


class ApiError(Exception):
    """An HTTP error answered as {"error": message}."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# ------------------------------------------------------------------ payloads (pure)


def card_payload(card: DebunkCard) -> dict[str, Any]:
    """The public card of a debunk, with its schema.org ClaimReview objects (one per language)."""
    entry = pack_entry(card)
    return {
        "slug": card.slug,
        "verdict": card.verdict,
        "titles": entry["title"],
        "disproofs": entry["disproof"],
        "claims": entry["claims"],
        "sources": entry["sources"],
        "appearances": entry["appearances"],
        "tags": entry["tags"],
        "published": entry["published"],
        "version": card.version,
        "claimreview": to_claimreviews(entry),
    }


# ------------------------------------------------------------------ request helpers


def check_query(data: Any) -> tuple[str, int, str]:
    """(text, top, lang) of a check request, validated as the OpenAPI `Query` schema says."""
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise ApiError(400, 'send a JSON object {"text": "the claim to check"}')
    query = data["text"]
    if not _encodable(query):
        raise ApiError(400, "text is not valid Unicode (a lone surrogate)")
    if not query.strip():
        raise ApiError(400, "text has nothing to check: it is empty or only spaces")
    top = data.get("top", DEFAULT_TOP)
    if isinstance(top, float) and top.is_integer():  # JSON Schema: 10.0 is an integer
        top = int(top)
    if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= MAX_TOP:
        raise ApiError(400, f"top must be a whole number from 1 to {MAX_TOP}")
    lang = data.get("lang", "en")
    if not isinstance(lang, str) or len(lang) > MAX_LANG_CHARS or not _encodable(lang):
        raise ApiError(400, "lang must be a language tag such as en, ru, kk or kk-KZ")
    # a tag's primary language picks the titles ("kk-KZ": kk); unknown ones fall back
    return query.replace("\x00", " "), top, lang.split("-")[0].strip().lower() or "en"


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def presented_key(request: Request) -> str | None:
    """The API key from `Authorization: Bearer <key>` or `X-API-Key: <key>`."""
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key", "").strip() or None


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything larger than `limit` without reading it all."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise ApiError(413, f"the request body is limited to {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"the request body is limited to {limit} bytes")
    return bytes(body)


async def read_json(request: Request, limit: int) -> Any:
    body = await read_body(request, limit)
    try:
        return json.loads(body)
    except RecursionError:
        raise ApiError(400, "the JSON is nested too deeply") from None
    except ValueError:  # malformed, not UTF-8, or a number too long to convert
        raise ApiError(400, "the body is not valid JSON") from None


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)


def counted(name: str) -> Callable[[Endpoint], Endpoint]:
    """Answer ApiError as JSON, unexpected errors as a plain 500; count both in the metrics."""

    def wrap(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def run(request: Request) -> Response:
            try:
                response = await endpoint(request)
            except ApiError as exc:
                response = _error(exc)
            except Exception:
                log.exception("%s %s failed", request.method, request.url.path)
                metrics.ERRORS.labels(where=name).inc()
                response = JSONResponse({"error": "internal error"}, status_code=500)
            metrics.API_REQUESTS.labels(endpoint=name, status=str(response.status_code)).inc()
            return response

        return run

    return wrap


# ------------------------------------------------------------------ the app


def build_web_app(
    settings: Settings,
    kb: KnowledgeBase,
    *,
    telegram_app: Any | None = None,
    webhook_path: str | None = None,
) -> Starlette:
    """The HTTP API (and, given a PTB Application, its webhook at `webhook_path`, by default
    TEKSER_WEBHOOK_PATH) as one Starlette app, on the bot's own services."""
    from bot.services import compose_services

    per_minute = settings.api_requests_per_minute
    body_limit = settings.api_max_body_bytes
    keys = compose_services(settings, kb).api_keys

    def authorise_now(key: str | None) -> float | None:
        """(In a worker thread.) Check the key and count the request; seconds to wait if over."""
        if key is None:
            raise ApiError(401, "an API key is required", {"WWW-Authenticate": "Bearer"})
        try:
            return keys.take_request(key, limit=per_minute)
        except api_keys.UnknownKey:
            raise ApiError(
                401, "the API key is not valid", {"WWW-Authenticate": "Bearer"}
            ) from None

    async def authorise(request: Request) -> None:
        wait = await run_in_threadpool(authorise_now, presented_key(request))
        if wait is not None:
            raise ApiError(
                429,
                f"rate limit: {per_minute} requests per minute",
                {"Retry-After": str(int(wait + 0.999))},
            )

    @counted("check")
    async def check(request: Request) -> Response:
        await authorise(request)
        query, top, lang = check_query(await read_json(request, body_limit))
        started = time.perf_counter()
        result = await run_in_threadpool(kb.check, query, top=top)
        metrics.CHECK_SECONDS.labels(source="api").observe(time.perf_counter() - started)
        metrics.CHECKS.labels(verdict=result.verdict, source="api").inc()
        return JSONResponse(check_payload(result, kb, lang))

    @counted("debunk")
    async def debunk(request: Request) -> Response:
        await authorise(request)
        card = await run_in_threadpool(kb.card, request.path_params["slug"])
        if card is None or card.status != "published":
            raise ApiError(404, "no published debunk has this slug")
        return JSONResponse(card_payload(card))

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(settings))

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def database_answers() -> bool:
        try:
            with kb.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception as exc:
            log.warning("readiness: database unreachable (%s)", type(exc).__name__)
            return False

    async def readyz(request: Request) -> Response:
        state = {
            "database": await run_in_threadpool(database_answers),
            "index": bool(kb.loaded),
        }
        if telegram_app is not None:
            state["telegram"] = bool(getattr(telegram_app, "running", False))
        ready = all(state.values())
        body = {"status": "ready" if ready else "not ready", **state, "debunks": len(kb.matcher)}
        return JSONResponse(body, status_code=200 if ready else 503)

    async def metrics_endpoint(request: Request) -> Response:
        metrics.INDEX_SIZE.set(len(kb.matcher))
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)

    routes: list[BaseRoute] = [
        Route(f"{API_PREFIX}/check", check, methods=["POST"]),
        Route(f"{API_PREFIX}/debunks/{{slug}}", debunk, methods=["GET"]),
        Route(f"{API_PREFIX}/openapi.json", openapi, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    routes += site_routes(settings, kb)  # the public site (bot/site) on the same port
    if telegram_app is not None:
        path = webhook_path or settings.webhook_path
        routes.append(Route(path, telegram_webhook(settings, telegram_app), methods=["POST"]))
    return Starlette(routes=routes)


def telegram_webhook(settings: Settings, telegram_app: Any) -> Endpoint:
    """Telegram's webhook: check the secret header, then handle the update before answering 200."""
    from telegram import Update

    expected = webhook_secret_token(settings).encode()

    @counted("webhook")
    async def receive(request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "").encode()
        if not hmac.compare_digest(given, expected):
            raise ApiError(403, "wrong or missing secret token")
        data = await read_json(request, WEBHOOK_MAX_BYTES)
        if not isinstance(data, dict):
            raise ApiError(400, "an update is a JSON object")
        try:
            update = Update.de_json(data, telegram_app.bot)
        except Exception:
            raise ApiError(400, "not a Telegram update") from None
        # Handled before answering: a worker that dies mid-update never acknowledged it, so
        # Telegram delivers it again (to whichever worker the balancer picks).
        processor = telegram_app.update_processor  # its concurrency limit, per-chat order
        await processor.process_update(update, telegram_app.process_update(update))
        return Response(status_code=200)

    return receive


# ------------------------------------------------------------------ OpenAPI


def openapi_document(settings: Settings) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the newsroom API."""
    error = {"$ref": "#/components/schemas/Error"}

    def answer(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
        content = {"application/json": {"schema": schema or error}}
        return {"description": description, "content": content}

    common = {
        "401": answer("No API key, or a key that is not valid (revoked or unknown)"),
        "429": {
            **answer(f"More than {settings.api_requests_per_minute} requests in a minute"),
            "headers": {
                "Retry-After": {
                    "description": "Seconds until requests are accepted again",
                    "schema": {"type": "integer"},
                }
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tekser API",
            "version": "1",
            "description": (
                "Check a claim against Tekser's base of debunked claims (disinformation about "
                "Kazakhstan) and read debunks with their ClaimReview JSON-LD."
            ),
        },
        "security": [{"bearer": []}, {"apiKey": []}],
        "paths": {
            f"{API_PREFIX}/check": {
                "post": {
                    "operationId": "check",
                    "summary": "Find the debunks that answer a text",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Query"}}
                        },
                    },
                    "responses": {
                        "200": answer(
                            "The verdict and the ranked candidates",
                            {"$ref": "#/components/schemas/CheckResult"},
                        ),
                        "400": answer("The body is not a query"),
                        "413": answer(
                            f"The body is larger than {settings.api_max_body_bytes} bytes"
                        ),
                        **common,
                    },
                }
            },
            f"{API_PREFIX}/debunks/{{slug}}": {
                "get": {
                    "operationId": "debunk",
                    "summary": "A published debunk and its ClaimReview JSON-LD",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z0-9-]{3,80}$"},
                        }
                    ],
                    "responses": {
                        "200": answer("The debunk", {"$ref": "#/components/schemas/Debunk"}),
                        "404": answer("No published debunk has this slug"),
                        **common,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
            "schemas": _SCHEMAS,
        },
    }


_VERDICT = {"type": "string", "enum": ["false", "misleading", "unproven", "missing-context"]}
_DECISION = {"type": "string", "enum": ["match", "possible", "none"]}
_LANG_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
    },
    "Query": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": {
                "type": "string",
                "minLength": 1,
                "pattern": "\\S",
                "description": "The message or claim (something besides spaces)",
            },
            "top": {"type": "integer", "minimum": 1, "maximum": MAX_TOP, "default": DEFAULT_TOP},
            "lang": {
                "type": "string",
                "maxLength": MAX_LANG_CHARS,
                "default": "en",
                "description": "Language of titles: a language tag (en, ru, kk, kk-KZ); titles "
                "missing in it come in Russian, then English",
            },
        },
    },
    "CheckResult": {
        "type": "object",
        "required": ["query", "verdict", "matches"],
        "properties": {
            "query": {"type": "string"},
            "verdict": {
                **_DECISION,
                "description": "match: answer with the debunk; "
                "possible: ask; none: nothing in the base",
            },
            "matches": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "slug",
                        "score",
                        "verdict",
                        "decision",
                        "stance",
                        "restates",
                        "title",
                        "matched",
                    ],
                    "properties": {
                        "slug": {"type": "string"},
                        "score": {"type": "number", "minimum": 0, "maximum": 1},
                        "verdict": _VERDICT,
                        "decision": _DECISION,
                        "stance": {
                            "type": "string",
                            "enum": ["repeats", "refutes", "unclear"],
                            "description": "what the message does with the claim; refutes: "
                            "it denies the claim, agreeing with the debunk",
                        },
                        "restates": {
                            "type": ["string", "null"],
                            "description": "slug of a more confident match stating the same "
                            "claim (a base holding it twice); show that one",
                        },
                        "title": {"type": "string"},
                        "matched": {"type": "string"},
                    },
                },
            },
        },
    },
    "Debunk": {
        "type": "object",
        "required": ["slug", "verdict", "titles", "disproofs", "sources", "claimreview"],
        "properties": {
            "slug": {"type": "string"},
            "verdict": _VERDICT,
            "titles": _LANG_MAP,
            "disproofs": _LANG_MAP,
            "claims": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"lang": {"type": "string"}, "text": {"type": "string"}},
                },
            },
            "sources": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string", "format": "uri"},
                        "title": {"type": "string"},
                        "publisher": {"type": "string"},
                    },
                },
            },
            "appearances": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "tags": {"type": "array", "items": {"type": "string"}},
            "published": {"type": ["string", "null"], "format": "date"},
            "version": {"type": "integer"},
            "claimreview": {
                "type": "array",
                "description": "schema.org ClaimReview objects, one per language",
                "items": {"type": "object"},
            },
        },
    },
}


# ------------------------------------------------------------------ serving


class WebServer(uvicorn.Server):
    """uvicorn's server whose SIGTERM/SIGINT only end `serve()` gracefully (stop accepting,
    finish requests in flight) and return to the caller, who then stops the bot and closes the
    database. (uvicorn itself re-raises the signal afterwards, which would kill the process
    before the caller's clean-up.)"""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        loop = asyncio.get_running_loop()
        handled = (signal.SIGTERM, signal.SIGINT)
        for sig in handled:
            loop.add_signal_handler(sig, self.handle_exit, sig, None)
        try:
            yield
        finally:
            for sig in handled:
                loop.remove_signal_handler(sig)


def build_server(app: Starlette, *, host: str, port: int) -> WebServer:
    """A server for `app` that logs through Tekser's logging (see bot.logging_setup)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=30,
    )
    return WebServer(config)


async def serve_telegram_webhook(
    application: Any,
    server: WebServer,
    *,
    webhook_url: str,
    secret_token: str,
    allowed_updates: list[str] | None = None,
    sockets: list[socket.socket] | None = None,
) -> None:
    """Webhook mode with the API on the same port (PTB's custom-webhook pattern).

    `server` serves `build_web_app(settings, kb, telegram_app=application)`. Runs the
    Application's life cycle as `run_webhook` does (initialize, post_init, start ... stop,
    post_stop, shutdown, post_shutdown) around `server.serve()`, which returns on SIGTERM/SIGINT
    after finishing the requests in flight; updates already queued are handled before it stops.
    The webhook is registered once the server listens, and left in place at the end (other
    workers serve it). `sockets`: listening sockets to accept from instead of binding the port
    (several workers forked by bot/workers.py share one).
    """
    async with running(application):
        serving = asyncio.create_task(server.serve(sockets=sockets))
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)
        if not serving.done():  # listening: now Telegram may deliver
            try:
                await application.bot.set_webhook(
                    url=webhook_url, secret_token=secret_token, allowed_updates=allowed_updates
                )
            except BaseException:
                server.should_exit = True
                await serving
                raise
        await serving
