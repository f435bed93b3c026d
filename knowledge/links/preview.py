"""Link expansion: fetch the article a message links to, safely, and extract its text for matching.

When a message is mostly one link (to an article that is not a known appearance of a debunk), its
title, description and first paragraphs are what the matcher should see.  Fetching a URL a stranger
sent is a server-side request forgery risk, so every hop is checked:

* only ``http``/``https`` on the standard ports;
* the host is resolved once per hop and *every* address it resolves to must be public (no loopback,
  private, link-local, multicast, reserved, unspecified or shared addresses, nor IPv6 forms that
  embed one); the connection then goes to the vetted address itself, with the original name in
  the ``Host`` header and as TLS SNI / certificate name, so a second DNS answer cannot rebind it;
* at most three redirects, followed by hand so each target is checked again;
* ``text/html`` only, at most 2 MB read (streamed, then the rest is dropped), 5 s for everything.

Every failure gives ``None``: the caller answers without the link text.  One URL is fetched at
most once an hour, failures are retried after five minutes (:class:`PreviewCache`).  With several
workers the cache is the database (:class:`DatabasePreviewCache`): a worker *claims* a URL before
fetching it, and a worker that finds the URL claimed waits for that fetch instead of repeating it.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import httpx
from selectolax.lexbor import LexborHTMLParser, LexborNode
from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.db import shared_state
from knowledge.matching.matcher import MatchResult
from knowledge.matching.normalise import extract_urls, normalise_url

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

TOTAL_TIMEOUT = 5.0
MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 3
CACHE_SECONDS = 3600.0  # one fetch per URL per hour
FAILURE_CACHE_SECONDS = 300.0  # a failed fetch is tried again after five minutes
LEASE_SECONDS = TOTAL_TIMEOUT + 2.0  # how long others wait for a worker's fetch of a URL
POLL_SECONDS = 0.1  # how often a waiting worker looks for that fetch's result
STANDARD_PORTS = frozenset({80, 443})
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "TekserBot/1.0 (fact-check link preview)"
MAX_PARAGRAPHS = 5
MAX_TEXT_CHARS = 3000
MIN_PARAGRAPH_CHARS = 40
MAX_OTHER_WORDS = 12  # words besides the link for a message to count as "mostly a link"

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


# ------------------------------------------------------------------ what a fetch gives


@dataclass(frozen=True)
class LinkPreview:
    """What an article says about itself: enough text to match it against the base."""

    url: str  # where the text came from, after redirects
    title: str = ""
    description: str = ""
    paragraphs: tuple[str, ...] = ()

    def text(self) -> str:
        """Title, description and first paragraphs as one text for the matcher (capped)."""
        parts: list[str] = []
        for part in (self.title, self.description, *self.paragraphs):
            if part and part not in parts:
                parts.append(part)
        return "\n\n".join(parts)[:MAX_TEXT_CHARS]

    @property
    def empty(self) -> bool:
        return not (self.title or self.description or self.paragraphs)


# ------------------------------------------------------------------ which addresses may be fetched


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    found = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public_address(ip: IPAddress) -> bool:
    """True for a globally routable unicast address; False for anything internal or special."""
    special = (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )
    if special:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        return all(is_public_address(inner) for inner in _embedded_ipv4(ip))
    return True


@dataclass(frozen=True)
class AddressPolicy:
    """Where a link fetch may connect: public addresses on the standard ports.

    `allowed_networks` are explicit exceptions (a test allows its loopback server with
    ``AddressPolicy(ports=frozenset({port}), allowed_networks=(ip_network("127.0.0.1/32"),))``).
    """

    ports: frozenset[int] = STANDARD_PORTS
    allowed_networks: tuple[IPNetwork, ...] = ()

    def allows_port(self, port: int) -> bool:
        return port in self.ports

    def allows_address(self, ip: IPAddress) -> bool:
        if any(ip.version == net.version and ip in net for net in self.allowed_networks):
            return True
        return is_public_address(ip)


async def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver (an IP literal resolves to itself)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class RefusedURL(Exception):
    """The URL may not be fetched (scheme, port, address, redirects, content)."""


# ------------------------------------------------------------------ the fetcher


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _charset(content_type: str, head: bytes) -> str:
    """The document's encoding: from Content-Type, else a <meta charset>, else UTF-8."""
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.I)
    found = match.group(1) if match else None
    if found is None:
        meta = _META_CHARSET.search(head[:4096])
        found = meta.group(1).decode("ascii", "ignore") if meta else None
    try:
        return codecs.lookup(found or "utf-8").name
    except LookupError:
        return "utf-8"


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _meta(tree: LexborHTMLParser, *selectors: str) -> str:
    for selector in selectors:
        node = tree.css_first(selector)
        if node is not None:
            value = _clean(node.attributes.get("content"))
            if value:
                return value
    return ""


def extract_preview(url: str, html: str) -> LinkPreview:
    """Title (og:title, twitter:title, <title>, <h1>), description and first paragraphs."""
    tree = LexborHTMLParser(html)
    title = _meta(tree, 'meta[property="og:title"]', 'meta[name="twitter:title"]')
    if not title:
        node = tree.css_first("title") or tree.css_first("h1")
        title = _clean(node.text()) if node is not None else ""
    description = _meta(
        tree,
        'meta[property="og:description"]',
        'meta[name="description"]',
        'meta[name="twitter:description"]',
    )
    for junk in tree.css("script, style, noscript, template, nav, header, footer, aside, form"):
        junk.decompose()
    container: LexborNode | LexborHTMLParser = tree
    for selector in ("article", "main", '[role="main"]'):
        node = tree.css_first(selector)
        if node is not None:
            container = node
            break
    paragraphs: list[str] = []
    size = 0
    for node in container.css("p"):
        text = _clean(node.text(separator=" "))
        if len(text) < MIN_PARAGRAPH_CHARS or text in paragraphs:
            continue
        paragraphs.append(text)
        size += len(text)
        if len(paragraphs) >= MAX_PARAGRAPHS or size >= MAX_TEXT_CHARS:
            break
    return LinkPreview(url=url, title=title, description=description, paragraphs=tuple(paragraphs))


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

    async def fetch(self, url: str) -> LinkPreview | None:
        """The article's preview, or None when it may not or cannot be fetched."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._fetch(url)
        except RefusedURL as exc:
            log.info("link not fetched: %s", exc)
        except TimeoutError:
            log.info("link not fetched: took longer than %.0f s", self.timeout)
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError, UnicodeError) as exc:
            log.info("link not fetched: %s", type(exc).__name__)
        except Exception:  # a preview is optional: never let it break an answer
            log.exception("link preview failed")
        return None

    async def _vetted_address(self, url: httpx.URL) -> str:
        if url.scheme not in ("http", "https"):
            raise RefusedURL(f"scheme {url.scheme!r} is not http or https")
        host = url.raw_host.decode("ascii")
        if not host:
            raise RefusedURL("no host")
        port = _port(url)
        if not self.policy.allows_port(port):
            raise RefusedURL(f"port {port} is not a standard web port")
        try:
            addresses = [ipaddress.ip_address(a) for a in await self.resolver(host, port)]
        except (OSError, ValueError) as exc:
            raise RefusedURL(f"cannot resolve the host ({type(exc).__name__})") from None
        if not addresses:
            raise RefusedURL("the host has no address")
        refused = [a for a in addresses if not self.policy.allows_address(a)]
        if refused:
            raise RefusedURL(f"the host resolves to a non-public address ({refused[0]})")
        return str(addresses[0])

    async def _fetch(self, url: str) -> LinkPreview | None:
        current = httpx.URL(url)
        for _hop in range(self.max_redirects + 1):
            address = await self._vetted_address(current)
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
                        "Accept-Encoding": "identity",  # the size cap counts what is parsed
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
            html = body.decode(_charset(content_type, body), errors="replace")
            preview = extract_preview(str(current), html)
            return None if preview.empty else preview
        raise RefusedURL(f"more than {self.max_redirects} redirects")

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """At most `max_bytes` of the body; the rest is never read."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= self.max_bytes:
                break
        return b"".join(chunks)[: self.max_bytes]


# ------------------------------------------------------------------ one fetch per URL per hour


class PreviewCache(Protocol):
    """Remembers fetch results (None for a failure) for a while."""

    async def get(self, key: str) -> tuple[bool, LinkPreview | None]:
        """(True, result) when `key` was fetched recently; (False, None) otherwise."""
        ...

    async def claim(self, key: str) -> bool:
        """Whether the caller should fetch `key` now (False: someone else is fetching it)."""
        ...

    async def put(self, key: str, preview: LinkPreview | None) -> None: ...


class MemoryPreviewCache:
    """An in-process TTL cache of fetch results, oldest entries evicted beyond `max_entries`
    (one process; tests)."""

    def __init__(
        self,
        *,
        ttl: float = CACHE_SECONDS,
        failure_ttl: float = FAILURE_CACHE_SECONDS,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.failure_ttl = failure_ttl
        self.max_entries = max_entries
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, LinkPreview | None]] = OrderedDict()

    async def get(self, key: str) -> tuple[bool, LinkPreview | None]:
        item = self._items.get(key)
        if item is None:
            return False, None
        stored_at, preview = item
        if self._clock() - stored_at >= (self.ttl if preview is not None else self.failure_ttl):
            del self._items[key]
            return False, None
        return True, preview

    async def claim(self, key: str) -> bool:
        return True  # one process: LinkExpander already shares one fetch between its callers

    async def put(self, key: str, preview: LinkPreview | None) -> None:
        self._items[key] = (self._clock(), preview)
        self._items.move_to_end(key)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class DatabasePreviewCache:
    """The cache every worker shares: a `linkpreviewcache` row per normalised URL (its hash),
    holding the article's text, a failure, or a claim by the worker fetching it right now.
    Each method is one short transaction in a worker thread."""

    def __init__(
        self,
        engine: Engine,
        *,
        ttl: float = CACHE_SECONDS,
        failure_ttl: float = FAILURE_CACHE_SECONDS,
        lease: float = LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.ttl = timedelta(seconds=ttl)
        self.failure_ttl = timedelta(seconds=failure_ttl)
        self.lease = timedelta(seconds=lease)
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _get(self, key: str) -> tuple[bool, LinkPreview | None]:
        with Session(self.engine) as session:
            row = shared_state.cached_link(session, url_hash=shared_state.url_key(key))
        if row is None or row.state == shared_state.LINK_FETCHING:
            return False, None
        age = self._now() - row.fetched_at
        if row.state == shared_state.LINK_FAILED:
            return (True, None) if age < self.failure_ttl else (False, None)
        if age >= self.ttl:
            return False, None
        preview = LinkPreview(row.url, row.title, row.description, row.paragraphs)
        return True, preview

    def _claim(self, key: str) -> bool:
        with Session(self.engine) as session:
            claimed = shared_state.claim_link_fetch(
                session,
                url_hash=shared_state.url_key(key),
                now=self._now(),
                ttl=self.ttl,
                failure_ttl=self.failure_ttl,
                lease=self.lease,
            )
            session.commit()
        return claimed

    def _put(self, key: str, preview: LinkPreview | None) -> None:
        with Session(self.engine) as session:
            fields = (
                {"failed": True}
                if preview is None
                else {
                    "url": preview.url,
                    "title": preview.title,
                    "description": preview.description,
                    "paragraphs": preview.paragraphs,
                }
            )
            shared_state.store_link(
                session, url_hash=shared_state.url_key(key), now=self._now(), **fields
            )
            session.commit()

    async def get(self, key: str) -> tuple[bool, LinkPreview | None]:
        return await asyncio.to_thread(self._get, key)

    async def claim(self, key: str) -> bool:
        return await asyncio.to_thread(self._claim, key)

    async def put(self, key: str, preview: LinkPreview | None) -> None:
        await asyncio.to_thread(self._put, key, preview)


class LinkExpander:
    """Cached, coalesced link previews: concurrent requests for one URL share one fetch, in this
    process (a shared future) and across workers (the cache's claim)."""

    def __init__(
        self,
        *,
        fetcher: LinkFetcher | None = None,
        cache: PreviewCache | None = None,
        wait: float = LEASE_SECONDS,
        poll: float = POLL_SECONDS,
    ) -> None:
        self.fetcher = fetcher or LinkFetcher()
        self.cache: PreviewCache = cache if cache is not None else MemoryPreviewCache()
        self.wait = wait
        self.poll = poll
        self._inflight: dict[str, asyncio.Future[LinkPreview | None]] = {}

    async def preview(self, url: str) -> LinkPreview | None:
        key = _cache_key(url)
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[LinkPreview | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await self._cached_or_fetched(key, url)
            future.set_result(result)
            return result
        finally:
            if not future.done():  # cancelled mid-fetch: waiters get None, nothing cached
                future.set_result(None)
            del self._inflight[key]

    async def _cached_or_fetched(self, key: str, url: str) -> LinkPreview | None:
        try:
            found, cached = await self.cache.get(key)
            if found:
                return cached
            if not await self.cache.claim(key):
                return await self._fetched_elsewhere(key)
        except Exception as exc:  # a preview is optional: a cache failure never breaks an answer
            log.warning("link preview cache unavailable: %s", type(exc).__name__)
            return None
        result = await self.fetcher.fetch(url)
        try:
            await self.cache.put(key, result)
        except Exception as exc:
            log.warning("link preview not cached: %s", type(exc).__name__)
        return result

    async def _fetched_elsewhere(self, key: str) -> LinkPreview | None:
        """Another worker is fetching `key`: its result, or None if it does not come in time."""
        deadline = time.monotonic() + self.wait
        while time.monotonic() < deadline:
            await asyncio.sleep(self.poll)
            found, cached = await self.cache.get(key)
            if found:
                return cached
        return None


def _cache_key(url: str) -> str:
    try:
        return normalise_url(url)
    except ValueError:
        return url


def expandable_link(text: str, *, result: MatchResult | None = None) -> str | None:
    """The URL to fetch when `text` is mostly one link to an article, else None.

    Mostly one link: exactly one URL, with a path (not a bare site), and at most a few other
    words ("is this true?").  With the check's `result`, a URL already known as an appearance of
    a debunk is not fetched: the appearance answers it.
    """
    urls = extract_urls(text)
    if len(urls) != 1:
        return None
    url = urls[0]
    rest = text.replace(url, " ")
    if len(rest.split()) > MAX_OTHER_WORDS:
        return None
    if "://" not in url:
        url = "https://" + url
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return None
    if parsed.scheme not in ("http", "https") or parsed.path.strip("/") == "":
        return None
    if result is not None and any("appearance" in m.evidence for m in result.matches):
        return None
    return url
