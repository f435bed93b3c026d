"""bot/bot_api_client.py against a local HTTP server: PTB's request contract over aiohttp —
form fields and files arrive whole, timeouts and refused connections become PTB's errors."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.bot_api_client import AiohttpRequest

received: list[dict[str, object]] = []


async def echo(request: web.Request) -> web.Response:
    form = await request.post()
    fields: dict[str, object] = {}
    for name, value in form.items():
        if isinstance(value, web.FileField):
            fields[name] = (value.filename, value.file.read(), value.content_type)
        else:
            fields[name] = value
    received.append(fields)
    return web.json_response({"ok": True, "result": True})


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(float(request.query.get("s", "2")))
    return web.json_response({"ok": True, "result": True})


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_post("/slow", slow)
    async with TestServer(app) as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(connections=1, connect_timeout=0.1, read_timeout=0.3, pool_timeout=0.2)
    await request.initialize()
    yield request
    await request.shutdown()


def data(**parameters: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in parameters.items()])


async def test_fields_and_files_arrive_as_the_bot_api_reads_them(
    server: TestServer, client: AiohttpRequest
) -> None:
    received.clear()
    status, body = await client.do_request(
        str(server.make_url("/echo")), "POST", data(chat_id=42, text="Привет 👋")
    )
    assert status == 200 and b'"ok"' in body
    document = InputFile(b"%PDF- export", filename="base.json")
    await client.do_request(
        str(server.make_url("/echo")), "POST", data(chat_id=42, document=document)
    )
    assert received[0] == {"chat_id": "42", "text": "Привет 👋"}
    assert received[1]["chat_id"] == "42"
    filename, content, _ = received[1]["document"]  # type: ignore[misc]
    assert (filename, content) == ("base.json", b"%PDF- export")


async def test_a_slow_answer_is_a_timeout(server: TestServer, client: AiohttpRequest) -> None:
    with pytest.raises(TimedOut):
        await client.do_request(str(server.make_url("/slow?s=2")), "POST", data(x=1))
    # a longer read timeout for one call (as getUpdates asks for its long poll) is kept
    status, _ = await client.do_request(
        str(server.make_url("/slow?s=0.5")), "POST", data(x=1), read_timeout=3
    )
    assert status == 200


async def test_no_free_connection_in_time_is_a_timeout(
    server: TestServer, client: AiohttpRequest
) -> None:
    busy = asyncio.create_task(
        client.do_request(str(server.make_url("/slow?s=1")), "POST", data(x=1), read_timeout=3)
    )
    await asyncio.sleep(0.1)  # the one connection is taken
    with pytest.raises(TimedOut):
        await client.do_request(str(server.make_url("/echo")), "POST", data(x=1))
    assert (await busy)[0] == 200


async def test_a_refused_connection_is_a_network_error(client: AiohttpRequest) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(NetworkError) as raised:
        await client.do_request(f"http://127.0.0.1:{port}/bot1:x/getMe", "POST", data())
    assert not isinstance(raised.value, TimedOut)


async def test_requests_go_through_the_proxy_the_environment_names(
    server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY is honoured (as httpx, PTB's default client, honours it), and NO_PROXY too."""
    through: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        through.append(str(request.url))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    async with TestServer(app) as proxy_server:
        monkeypatch.setenv("HTTP_PROXY", str(proxy_server.make_url("")))
        request = AiohttpRequest()
        target = "http://api.telegram.invalid/bot1:x/getMe"
        try:
            status, _ = await request.do_request(target, "POST", data())
        finally:
            await request.shutdown()
        assert status == 200 and through == [target]

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        direct = AiohttpRequest()
        try:
            await direct.do_request(str(server.make_url("/echo")), "POST", data(x=1))
        finally:
            await direct.shutdown()
        assert len(through) == 1  # NO_PROXY: straight to the server
