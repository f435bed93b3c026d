"""An HTTP load balancer on 127.0.0.1 in front of several webhook workers, for tests and benches.

Telegram delivers every update to one webhook URL; in production a load balancer (nginx, a cloud
balancer) spreads those requests over N `tekser run` workers. This stand-in does the same: each
request goes to the next worker in turn; a worker that refuses the connection or drops it is
passed over for a few seconds and the request is tried on the next one, so killing a worker loses
no update that another can take. A worker's own answer (200, 403, 500 ...) is passed back as is.
:meth:`Balancer.pin` sends everything to one worker, for a test that must act through that one.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import Counter

import tornado.httpclient
import tornado.httpserver
import tornado.netutil
import tornado.web

DOWN_SECONDS = 2.0  # a worker that failed a connection is passed over this long
FORWARDED_HEADERS = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


class _ProxyHandler(tornado.web.RequestHandler):
    def initialize(self, balancer: Balancer) -> None:
        self.balancer = balancer

    async def post(self, path: str) -> None:
        headers = {k: v for k in FORWARDED_HEADERS if (v := self.request.headers.get(k))}
        status, body = await self.balancer.forward(path, self.request.body, headers)
        self.set_status(status)
        self.finish(body)


class Balancer:
    """Round-robin over `backends` (``http://127.0.0.1:PORT``), with failover. A context manager."""

    def __init__(self, backends: list[str], *, host: str = "127.0.0.1") -> None:
        self.backends = list(backends)
        self.host = host
        self.port = 0
        self.served: Counter[str] = Counter()  # backend -> requests it answered
        self.failovers = 0
        self._turn = itertools.count()
        self._down_until: dict[str, float] = {}
        self._pinned: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: tornado.httpserver.HTTPServer | None = None
        self._client: tornado.httpclient.AsyncHTTPClient | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def pin(self, backend: str | None) -> None:
        """Send every request to `backend` (None: back to round-robin)."""
        self._pinned = backend

    # ------------------------------------------------------------------ forwarding

    def _order(self) -> list[str]:
        if self._pinned is not None:
            return [self._pinned]
        start = next(self._turn) % len(self.backends)
        rotated = self.backends[start:] + self.backends[:start]
        now = time.monotonic()
        up = [b for b in rotated if self._down_until.get(b, 0.0) <= now]
        return up + [b for b in rotated if b not in up]  # all down: try them anyway

    async def forward(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        assert self._client is not None
        for backend in self._order():
            try:
                response = await self._client.fetch(
                    backend + path,
                    method="POST",
                    body=body,
                    headers=headers,
                    raise_error=False,
                    request_timeout=60,
                )
            except (OSError, tornado.httpclient.HTTPClientError):  # refused, dropped, timed out
                self._down_until[backend] = time.monotonic() + DOWN_SECONDS
                self.failovers += 1
                continue
            self.served[backend] += 1
            return response.code, response.body or b""
        return 502, b"no worker answered"

    # ------------------------------------------------------------------ life cycle

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._client = tornado.httpclient.AsyncHTTPClient(force_instance=True, max_clients=200)
        app = tornado.web.Application([(r"(/.*)", _ProxyHandler, {"balancer": self})])
        sockets = tornado.netutil.bind_sockets(0, self.host)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._client.close()
            loop.close()

    def __enter__(self) -> Balancer:
        self._thread = threading.Thread(target=self._serve, name="balancer", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the balancer did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None or self._thread is None:
            return

        async def close() -> None:
            server.stop()
            await server.close_all_connections()

        asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
