"""A web site built to hurt whoever fetches its links (tests and bench/hostile_links.py).

/bomb       a double-gzip bomb: ~KBs on the wire, `Content-Encoding: gzip, gzip`, `size` bytes
            once both layers are inflated
/gzip-bomb  one gzip layer inflating to `size` bytes of HTML
/punycode   a `charset=punycode` page whose decoding takes quadratic time (1 MB: minutes)
/nested     a page of nested <div>s whose parsing takes more than linear time (1 MB: minutes)
/article    an ordinary article, to show the site is served at all
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import glob
import os
import threading
import zlib

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

HTML = "text/html; charset=utf-8"
ARTICLE = (
    "<html><head><title>Weather in Astana</title></head><body><article>"
    "<p>Sunny all week in Astana, the forecasters say, with a light wind from the steppe.</p>"
    "</article></body></html>"
)
PAGE_BYTES = 1024 * 1024


def gzipped(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


@functools.cache
def zeros_gzipped(size: int) -> bytes:
    """`size` bytes of an endless HTML page, gzipped, compressed a megabyte at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = b"<html><head><title>Bomb</title></head><body><p>"
    parts = [packer.compress(head)]
    block = b"\0" * (1024 * 1024)
    left = size - len(head)
    while left > 0:
        parts.append(packer.compress(block[: min(left, len(block))]))
        left -= len(block)
    parts.append(packer.flush())
    return b"".join(parts)


@functools.cache
def double_gzipped(size: int) -> bytes:
    return gzipped(zeros_gzipped(size))


@functools.cache
def punycode_page(size: int = PAGE_BYTES) -> bytes:
    head = b"<html><head><title>Punycode</title></head><body>-"
    return head + b"99" * ((size - len(head)) // 2)


@functools.cache
def nested_page(size: int = PAGE_BYTES) -> bytes:
    head = b"<html><head><title>Nested</title></head><body>"
    return head + b"<div>" * ((size - len(head)) // 5)


def hostile_site(bomb_bytes: int = 256 * 1024 * 1024, page_bytes: int = PAGE_BYTES) -> Starlette:
    """The site; `bomb_bytes`: what the bombs inflate to, `page_bytes`: the other pages' size.
    Every page is built here, before serving, so that serving one costs the server nothing."""
    for build in (zeros_gzipped, double_gzipped):
        build(bomb_bytes)
    punycode_page(page_bytes)
    nested_page(page_bytes)

    async def bomb(request: Request) -> Response:
        body = double_gzipped(bomb_bytes)
        return Response(body, headers={"content-type": HTML, "content-encoding": "gzip, gzip"})

    async def gzip_bomb(request: Request) -> Response:
        body = zeros_gzipped(bomb_bytes)
        return Response(body, headers={"content-type": HTML, "content-encoding": "gzip"})

    async def punycode(request: Request) -> Response:
        page = punycode_page(page_bytes)
        return Response(page, headers={"content-type": "text/html; charset=punycode"})

    async def nested(request: Request) -> Response:
        return Response(nested_page(page_bytes), headers={"content-type": HTML})

    async def article(request: Request) -> Response:
        return HTMLResponse(ARTICLE)

    return Starlette(
        routes=[
            Route("/bomb", bomb),
            Route("/gzip-bomb", gzip_bomb),
            Route("/punycode", punycode),
            Route("/nested", nested),
            Route("/article", article),
        ]
    )


HOSTILE_PATHS = ("/bomb", "/gzip-bomb", "/punycode", "/nested")


def rss_bytes(pid: int | str = "self") -> int:
    """A process's resident memory now (Linux)."""
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def children(pid: int | str = "self") -> list[int]:
    found: list[int] = []
    for task in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError), open(task) as listed:
            found.extend(int(child) for child in listed.read().split())
    return found


class PeakMemory:
    """Samples this process's resident memory (and, apart, its children's) every few ms in a
    thread while the block runs: `growth` is the peak above the start, `children_peak` the
    largest child seen whose command line holds `child_marker` (a child forked but not yet
    running its own program still shares this process's pages, and would count them)."""

    def __init__(self, interval: float = 0.005, child_marker: str = "") -> None:
        self.interval = interval
        self.child_marker = child_marker.encode()
        self.start = self.peak = self.children_peak = 0
        self.children_most = 0  # of those children, the most running at once
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes())
            running = 0
            for child in children():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    with open(f"/proc/{child}/cmdline", "rb") as cmdline:
                        if self.child_marker not in cmdline.read():
                            continue
                    self.children_peak = max(self.children_peak, rss_bytes(child))
                    running += 1
            self.children_most = max(self.children_most, running)

    def __enter__(self) -> PeakMemory:
        self.start = self.peak = rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.start


class LoopLag:
    """The longest the running event loop was late to wake a task that sleeps `interval` at a
    time, while the block runs: what every other chat would wait on top of its own work."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.worst = 0.0
        self._due = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._due = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            self.worst = max(self.worst, loop.time() - self._due)

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        # a block that ends right after blocking the loop never let the ticker wake: count it
        self.worst = max(self.worst, asyncio.get_running_loop().time() - self._due)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
