"""Link expansion against real HTTP servers on 127.0.0.1: what is read, and what is refused."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import ssl
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import trustme
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from knowledge.links.preview import (
    AddressPolicy,
    LinkExpander,
    LinkFetcher,
    LinkPreview,
    MemoryPreviewCache,
    expandable_link,
    extract_preview,
    is_public_address,
)
from knowledge.matching.matcher import Match, MatchResult
from tests.support.asgi_server import serve

ARTICLE = """<!doctype html>
<html><head>
<title>Site title | News</title>
<meta property="og:title" content="NATO opens a base in Almaty">
<meta name="description" content="A channel claims NATO troops arrived in Almaty.">
<script>var tracking = "Never part of the text, this script is long enough to count";</script>
</head><body>
<nav><p>Home · World · Politics · Economy · Sport · Culture · Contacts · About us</p></nav>
<article>
<h1>NATO opens a base in Almaty</h1>
<p>According to an anonymous channel, NATO soldiers have been seen at Almaty airport this week.</p>
<p>short</p>
<p>The ministry of defence has not commented on the reports, the channel says without sources.</p>
</article>
<footer><p>© News site, all rights reserved. Reproduction only with a link to the source.
</p></footer>
</body></html>
"""


class Recorder:
    """What the test site saw: one (path, Host header) per request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []


def site(recorder: Recorder, *, redirect_base: str = "") -> Starlette:
    async def record(request: Request) -> None:
        recorder.requests.append((request.url.path, request.headers.get("host", "")))

    async def article(request: Request) -> Response:
        await record(request)
        return HTMLResponse(ARTICLE)

    async def cyrillic(request: Request) -> Response:
        await record(request)
        meta = "<meta charset='windows-1251'>" if request.query_params.get("meta") else ""
        body = (
            f"<html><head>{meta}<title>В Алматы открыли центр НАТО</title></head><body>"
            "<p>Канал утверждает, что в Алматы открылся военный центр альянса.</p></body></html>"
        ).encode("cp1251")
        content_type = "text/html" if meta else "text/html; charset=windows-1251"
        return Response(body, headers={"content-type": content_type})

    async def plain(request: Request) -> Response:
        await record(request)
        return PlainTextResponse("NATO opens a base in Almaty")

    async def missing(request: Request) -> Response:
        await record(request)
        return HTMLResponse("<title>Not found</title>", status_code=404)

    async def slow(request: Request) -> Response:
        await record(request)
        await asyncio.sleep(10)
        return HTMLResponse(ARTICLE)

    async def hop(request: Request) -> Response:
        await record(request)
        left = int(request.path_params["left"])
        target = "/article" if left == 0 else f"{redirect_base}/hop/{left - 1}"
        return RedirectResponse(target, status_code=302)

    async def away(request: Request) -> Response:
        await record(request)
        return RedirectResponse(request.query_params["to"], status_code=301)

    return Starlette(
        routes=[
            Route("/article", article),
            Route("/cyrillic", cyrillic),
            Route("/plain", plain),
            Route("/missing", missing),
            Route("/slow", slow),
            Route("/hop/{left}", hop),
            Route("/away", away),
        ]
    )


LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture(autouse=True)
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A failed fetch is an ordinary outcome: logged at INFO at most, never as an error."""
    caplog.set_level("INFO")
    yield
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    assert errors == []


def loopback_policy(port: int) -> AddressPolicy:
    """The test server is on loopback on a random port: allowed here explicitly, nowhere else."""
    return AddressPolicy(ports=frozenset({port}), allowed_networks=LOOPBACK)


class FakeDNS:
    """A resolver with fixed answers that counts the questions it was asked."""

    def __init__(self, answers: dict[str, Sequence[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError("no such host")
        return self.answers[host]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def server(recorder: Recorder) -> Iterator[str]:
    with serve(site(recorder)) as url:
        yield url


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def fetcher_for(server: str, **kwargs: Any) -> LinkFetcher:
    return LinkFetcher(policy=loopback_policy(port_of(server)), **kwargs)


# ------------------------------------------------------------------ reading articles


async def test_reads_title_description_and_first_paragraphs(server: str) -> None:
    preview = await fetcher_for(server).fetch(f"{server}/article")
    assert preview is not None
    assert preview.title == "NATO opens a base in Almaty"
    assert preview.description == "A channel claims NATO troops arrived in Almaty."
    assert preview.paragraphs == (
        "According to an anonymous channel, NATO soldiers have been seen at Almaty airport "
        "this week.",
        "The ministry of defence has not commented on the reports, the channel says without "
        "sources.",
    )
    text = preview.text()
    assert text.startswith("NATO opens a base in Almaty\n\nA channel claims")
    assert "tracking" not in text and "Home" not in text and "rights reserved" not in text


@pytest.mark.parametrize("query", ["", "?meta=1"])
async def test_decodes_the_declared_charset(server: str, query: str) -> None:
    preview = await fetcher_for(server).fetch(f"{server}/cyrillic{query}")
    assert preview is not None
    assert preview.title == "В Алматы открыли центр НАТО"
    assert preview.paragraphs[0].startswith("Канал утверждает")


async def test_follows_three_redirects_and_names_the_final_url(
    server: str, recorder: Recorder
) -> None:
    preview = await fetcher_for(server).fetch(f"{server}/hop/2")
    assert preview is not None and preview.title == "NATO opens a base in Almaty"
    assert preview.url == f"{server}/article"
    assert [path for path, _ in recorder.requests] == ["/hop/2", "/hop/1", "/hop/0", "/article"]


async def test_a_fourth_redirect_is_not_followed(server: str, recorder: Recorder) -> None:
    assert await fetcher_for(server).fetch(f"{server}/hop/3") is None
    assert "/article" not in [path for path, _ in recorder.requests]
    assert len(recorder.requests) == 4


@pytest.mark.parametrize("path", ["/plain", "/missing"])
async def test_non_html_and_errors_give_nothing(server: str, path: str) -> None:
    assert await fetcher_for(server).fetch(f"{server}{path}") is None


async def test_a_huge_page_is_cut_at_the_cap_not_read_whole() -> None:
    """A raw socket server streams up to 50 MB; it counts what the client actually took."""
    delivered = 0
    done = asyncio.Event()

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal delivered
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
        writer.write(b"<html><head><title>Endless page</title></head><body>")
        filler = b"<p>" + b"Almaty " * 9000 + b"</p>"  # about 64 KB
        try:
            for _ in range(50 * 1024 * 1024 // len(filler)):
                writer.write(filler)
                await writer.drain()  # blocks while the client is not reading
                delivered += len(filler)
        except ConnectionError:
            pass
        finally:
            writer.close()
            done.set()

    tcp = await asyncio.start_server(endless, "127.0.0.1", 0)
    port = tcp.sockets[0].getsockname()[1]
    async with tcp:
        started = time.monotonic()
        preview = await LinkFetcher(policy=loopback_policy(port)).fetch(
            f"http://127.0.0.1:{port}/huge"
        )
        elapsed = time.monotonic() - started
        await asyncio.wait_for(done.wait(), 5)
    assert elapsed < 5
    assert preview is not None and preview.title == "Endless page"
    assert delivered < 12 * 1024 * 1024  # 2 MB read + socket buffers, never the 50 MB


async def test_a_slow_site_gives_up_at_the_total_timeout(server: str) -> None:
    started = time.monotonic()
    assert await fetcher_for(server, timeout=0.5).fetch(f"{server}/slow") is None
    assert time.monotonic() - started < 2


async def test_the_default_total_timeout_is_five_seconds() -> None:
    assert LinkFetcher().timeout == 5.0
    assert LinkFetcher().max_bytes == 2 * 1024 * 1024
    assert LinkFetcher().max_redirects == 3


# ------------------------------------------------------------------ connecting to the vetted IP


async def test_connects_to_the_vetted_address_and_sends_the_real_host(
    recorder: Recorder,
) -> None:
    with serve(site(recorder)) as server:
        port = port_of(server)
        dns = FakeDNS({"news.example": ["127.0.0.1"]})
        fetcher = LinkFetcher(policy=loopback_policy(port), resolver=dns)
        preview = await fetcher.fetch(f"http://news.example:{port}/article")
    assert preview is not None and preview.url == f"http://news.example:{port}/article"
    assert dns.asked == ["news.example"]  # resolved once, by us; httpx never looked it up again
    assert recorder.requests == [("/article", f"news.example:{port}")]


async def test_https_verifies_the_certificate_for_the_host_name(
    tmp_path: Path, recorder: Recorder
) -> None:
    ca = trustme.CA()
    pem = tmp_path / "server.pem"
    ca.issue_cert("news.example").private_key_and_cert_chain_pem.write_to_path(str(pem))
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    with serve(site(recorder), certfile=str(pem)) as server:
        port = port_of(server)
        dns = FakeDNS({"news.example": ["127.0.0.1"], "other.example": ["127.0.0.1"]})
        fetcher = LinkFetcher(policy=loopback_policy(port), resolver=dns, verify=trust)
        good = await fetcher.fetch(f"https://news.example:{port}/article")
        wrong_name = await fetcher.fetch(f"https://other.example:{port}/article")
    assert good is not None and good.title == "NATO opens a base in Almaty"
    assert wrong_name is None  # the certificate is checked against the name, not the IP


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.8.8",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "2002:a00:1::1",
        "64:ff9b::a9fe:a9fe",
        # special-purpose ranges `ipaddress.is_global` calls global
        "192.0.0.8",
        "192.0.0.9",
        "192.88.99.1",
        "198.18.0.1",
        "fec0::1",
        "2001:db8::1",
        "3fff::1",
        "2001:2::1",
        "64:ff9b:1::1",
        "100::1",
        "5f00::1",
    ],
)
def test_internal_and_special_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))
    assert not AddressPolicy().allows_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "93.184.215.14", "2a00:1450:4001:80b::200e", "64:ff9b::808:808"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


async def test_loopback_is_refused_unless_allowed_explicitly(
    server: str, recorder: Recorder
) -> None:
    port = port_of(server)
    strict = LinkFetcher(policy=AddressPolicy(ports=frozenset({port})))
    assert await strict.fetch(f"{server}/article") is None
    assert await strict.fetch(f"http://localhost:{port}/article") is None
    assert recorder.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3:{port}/article",
        "http://169.254.169.254:{port}/latest/meta-data/",
        "http://[::1]:{port}/article",
        "http://intranet.example:{port}/article",
    ],
)
async def test_private_link_local_and_ipv6_loopback_are_refused(server: str, url: str) -> None:
    port = port_of(server)
    dns = FakeDNS({"intranet.example": ["203.0.113.9", "10.0.0.7"]})  # one bad answer is enough
    fetcher = LinkFetcher(policy=AddressPolicy(ports=frozenset({port})), resolver=dns)
    started = time.monotonic()
    assert await fetcher.fetch(url.format(port=port)) is None
    # refused before any connection attempt: well under the fetch's deadline, even on a busy machine
    assert time.monotonic() - started < 4


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com:8080/article",
        "https://example.com:8443/article",
        "file:///etc/passwd",
        "ftp://example.com/file.html",
        "gopher://example.com/",
        "not a url at all",
        "",
    ],
)
async def test_other_ports_and_schemes_are_refused_without_resolving(url: str) -> None:
    dns = FakeDNS({"example.com": ["93.184.215.14"]})
    assert await LinkFetcher(resolver=dns).fetch(url) is None
    assert dns.asked == []


async def test_the_loopback_server_on_its_own_port_needs_the_port_allowed_too(
    server: str, recorder: Recorder
) -> None:
    fetcher = LinkFetcher(policy=AddressPolicy(allowed_networks=LOOPBACK))  # ports 80/443 only
    assert await fetcher.fetch(f"{server}/article") is None
    assert recorder.requests == []


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1:{port}/article",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/article",
        "http://intranet.example:{port}/article",
        "file:///etc/passwd",
        "http://news.example:22/article",
        "http://exa mple.com:port/",
        "http://[::1/",
        "http://%zz/",
    ],
)
async def test_redirects_to_private_addresses_are_refused(
    server: str, recorder: Recorder, target: str
) -> None:
    port = port_of(server)
    dns = FakeDNS({"news.example": ["127.0.0.1"], "intranet.example": ["192.168.0.10"]})
    fetcher = LinkFetcher(policy=loopback_policy(port), resolver=dns)
    started = time.monotonic()
    to = target.format(port=port)
    assert await fetcher.fetch(f"http://news.example:{port}/away?to={to}") is None
    assert time.monotonic() - started < 4  # refused, not waited out (the deadline is 5 s)
    assert [path for path, _ in recorder.requests] == ["/away"]


# ------------------------------------------------------------------ one fetch per URL per hour


class CountingFetcher(LinkFetcher):
    def __init__(self, result: LinkPreview | None, delay: float = 0.0) -> None:
        super().__init__()
        self.result = result
        self.delay = delay
        self.calls: list[str] = []

    async def fetch(self, url: str) -> LinkPreview | None:
        self.calls.append(url)
        await asyncio.sleep(self.delay)
        return self.result


async def test_a_url_is_fetched_once_an_hour_even_when_asked_concurrently() -> None:
    now = [1000.0]
    fetcher = CountingFetcher(LinkPreview(url="https://news.example/a", title="T"), delay=0.05)
    expander = LinkExpander(fetcher=fetcher, cache=MemoryPreviewCache(clock=lambda: now[0]))
    url = "https://news.example/a?utm_source=tg"
    results = await asyncio.gather(*(expander.preview(url) for _ in range(5)))
    assert all(r is not None and r.title == "T" for r in results)
    assert await expander.preview("https://www.news.example/a") is not None  # same article
    assert len(fetcher.calls) == 1
    now[0] += 3599
    await expander.preview(url)
    assert len(fetcher.calls) == 1
    now[0] += 2
    await expander.preview(url)
    assert len(fetcher.calls) == 2


async def test_failures_are_cached_too() -> None:
    fetcher = CountingFetcher(None)
    expander = LinkExpander(fetcher=fetcher)
    assert await expander.preview("https://news.example/broken") is None
    assert await expander.preview("https://news.example/broken") is None
    assert len(fetcher.calls) == 1


async def test_the_cache_forgets_the_oldest_beyond_its_size() -> None:
    cache = MemoryPreviewCache(max_entries=2)
    for key in ("a", "b", "c"):
        await cache.put(key, None)
    assert await cache.get("a") == (False, None)
    assert await cache.get("c") == (True, None)
    assert len(cache) == 2


# ------------------------------------------------------------------ which messages are expanded


def appearance_result(url: str) -> MatchResult:
    match = Match("nato-base", 1.0, "match", url, url, {"appearance": 1.0})
    return MatchResult(query=url, verdict="match", matches=(match,))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://news.example/2024/nato-base", "https://news.example/2024/nato-base"),
        ("Is this true? https://news.example/a/b", "https://news.example/a/b"),
        ("Это правда? news.example/politics/123", "https://news.example/politics/123"),
        ("https://news.example/", None),  # a site, not an article
        ("https://a.example/x and https://b.example/y", None),  # two links
        ("no link here at all", None),
        ("", None),
        (
            "A long post with its own words that make the claim in full, so the text itself is "
            "what must be matched rather than the page behind https://news.example/a/b",
            None,
        ),
    ],
)
def test_only_messages_that_are_mostly_one_link_are_expanded(
    text: str, expected: str | None
) -> None:
    assert expandable_link(text) == expected


def test_a_known_appearance_is_not_fetched() -> None:
    url = "https://news.example/2024/nato-base"
    assert expandable_link(url, result=appearance_result(url)) is None
    none = MatchResult(query=url, verdict="none", matches=())
    assert expandable_link(url, result=none) == url


def test_extraction_falls_back_to_title_and_h1() -> None:
    preview = extract_preview("https://x.example/a", "<title> A  title </title><p>x</p>")
    assert preview.title == "A title" and preview.paragraphs == ()
    assert extract_preview("https://x.example/a", "<h1>Heading</h1>").title == "Heading"
    assert extract_preview("https://x.example/a", "").empty
