"""Fetching one article under a deadline nobody can outlive.

* every hop's address is vetted (knowledge.links.policy) and the connection goes to that address,
  with the original name in the ``Host`` header and as TLS SNI / certificate name, so a second
  DNS answer cannot rebind it; at most three redirects, followed by hand;
* ``text/html`` only; the body is read raw and inflated here, at most one ``gzip``/``deflate``
  layer through a bounded ``zlib.decompressobj`` (any other or stacked encoding is refused), and
  the 2 MB cap counts the *decoded* bytes;
* the bytes are decoded (charset allow-list) and parsed (depth budget) in a process of their own
  (two at a time), killed when the deadline passes, so no page can hold the event loop or the
  bot's memory;
* one deadline (5 s) covers resolving, connecting, reading, inflating and parsing.

Every failure gives ``None``: the caller answers without the link text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import sys
import zlib
from dataclasses import dataclass, field

import httpx

from knowledge.links.extract import LinkPreview
from knowledge.links.policy import (
    AddressPolicy,
    RefusedURL,
    Resolver,
    system_resolver,
    vetted_address,
)

log = logging.getLogger(__name__)

TOTAL_TIMEOUT = 5.0
MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 3
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "TekserBot/1.0 (fact-check link preview)"
# Address space of the extraction process: parsing a 2 MB page needs well under this.
EXTRACTION_MEMORY_BYTES = 512 * 1024 * 1024
# Extraction processes at once (one per core): many links at once wait their turn within their
# deadline, rather than start a process each.
EXTRACTION_PROCESSES = 2
MAX_RESULT_BYTES = 256 * 1024  # a preview is a few KB of text
# zlib's wbits: gzip framing, zlib framing, and raw deflate (some servers send that as deflate)
_WBITS = {"gzip": 31, "x-gzip": 31, "deflate": 47}


class ExtractionFailed(Exception):
    """The extraction process died, ran out of memory or answered nonsense."""


class BoundedBody:
    """A response body inflated as it arrives (at most one layer), never past `limit` bytes."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise RefusedURL(f"stacked content encodings ({content_encoding!r})")
        if codings and codings[0] not in _WBITS:
            raise RefusedURL(f"content encoding {codings[0]!r} is not supported")
        self._inflater = zlib.decompressobj(_WBITS[codings[0]]) if codings else None
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0
        self.raw_size = 0

    @property
    def full(self) -> bool:
        return self.size >= self.limit or self.raw_size >= self.limit

    def feed(self, raw: bytes) -> None:
        """Take one raw chunk; inflates no more than the room left under the cap."""
        self.raw_size += len(raw)
        if self._inflater is None:
            data = raw[: self.limit - self.size]
        else:
            try:
                data = self._inflater.decompress(raw, self.limit - self.size)
            except zlib.error:
                raise RefusedURL("the compressed body is corrupt") from None
        self.chunks.append(data)
        self.size += len(data)

    def bytes(self) -> bytes:
        return b"".join(self.chunks)


async def extract_in_subprocess(
    url: str, body: bytes, content_type: str, *, memory: int = EXTRACTION_MEMORY_BYTES
) -> LinkPreview:
    """The page's preview, decoded and parsed by a fresh process limited to `memory` bytes of
    address space; cancelling this (the fetch's deadline) kills that process at once."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "knowledge.links.extract",
        str(memory),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        header = {"url": url, "content_type": content_type, "size": len(body)}
        process.stdin.write(json.dumps(header).encode() + b"\n" + body)
        await process.stdin.drain()
        process.stdin.close()
        answer = await process.stdout.read(MAX_RESULT_BYTES)
        code = await process.wait()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        raise
    if code != 0:
        raise ExtractionFailed(f"the extraction process exited with {code}")
    try:
        data = json.loads(answer)
        return LinkPreview(
            url=str(data["url"]),
            title=str(data["title"]),
            description=str(data["description"]),
            paragraphs=tuple(str(p) for p in data["paragraphs"]),
        )
    except (ValueError, KeyError, TypeError):
        raise ExtractionFailed("the extraction process answered nonsense") from None


@dataclass
class LinkFetcher:
    """Fetches one article under the rules above; `fetch` never raises."""

    policy: AddressPolicy = field(default_factory=AddressPolicy)
    resolver: Resolver = system_resolver
    timeout: float = TOTAL_TIMEOUT
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    verify: ssl.SSLContext | bool = True
    user_agent: str = USER_AGENT
    extraction_memory: int = EXTRACTION_MEMORY_BYTES
    extraction_processes: int = EXTRACTION_PROCESSES
    _extracting: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    async def fetch(self, url: str) -> LinkPreview | None:
        """The article's preview, or None when it may not or cannot be fetched."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._fetch(url)
        except RefusedURL as exc:
            log.info("link not fetched: %s", exc)
        except TimeoutError:
            log.info("link not fetched: took longer than %.0f s", self.timeout)
        except ExtractionFailed as exc:
            log.info("link not read: %s", exc)
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError, UnicodeError) as exc:
            log.info("link not fetched: %s", type(exc).__name__)
        except Exception:  # a preview is optional: never let it break an answer
            log.exception("link preview failed")
        return None

    async def _fetch(self, url: str) -> LinkPreview | None:
        current = httpx.URL(url)
        for _hop in range(self.max_redirects + 1):
            address = await vetted_address(current, self.policy, self.resolver)
            host = current.raw_host.decode("ascii")
            host_header = host if current.port is None else f"{host}:{current.port}"
            target = current.copy_with(host=address, fragment=None)
            # A fresh client per hop: no pooled connection is ever shared between host names.
            async with (
                httpx.AsyncClient(
                    verify=self.verify,
                    trust_env=False,
                    follow_redirects=False,
                    timeout=self.timeout,
                ) as client,
                client.stream(
                    "GET",
                    target,
                    headers={
                        "Host": host_header,
                        "User-Agent": self.user_agent,
                        "Accept": "text/html,application/xhtml+xml;q=0.9",
                        "Accept-Encoding": "identity",
                    },
                    extensions={"sni_hostname": host},
                ) as response,
            ):
                if response.status_code in REDIRECT_CODES:
                    location = response.headers.get("location")
                    if not location:
                        raise RefusedURL("a redirect without a Location")
                    current = current.join(location)
                    continue
                if response.status_code != 200:
                    raise RefusedURL(f"HTTP status {response.status_code}")
                content_type = response.headers.get("content-type", "")
                if content_type.split(";")[0].strip().lower() != "text/html":
                    raise RefusedURL(f"content type {content_type or 'missing'!r} is not HTML")
                body = await self._read_capped(response)
            if self._extracting is None:
                self._extracting = asyncio.Semaphore(self.extraction_processes)
            async with self._extracting:
                preview = await extract_in_subprocess(
                    str(current), body, content_type, memory=self.extraction_memory
                )
            return None if preview.empty else preview
        raise RefusedURL(f"more than {self.max_redirects} redirects")

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """At most `max_bytes` of the decoded body; the rest is never read nor inflated."""
        body = BoundedBody(response.headers.get("content-encoding", ""), self.max_bytes)
        async for raw in response.aiter_raw():
            body.feed(raw)
            if body.full:
                break
        return body.bytes()
