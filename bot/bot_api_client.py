"""The HTTP client the bot talks to the Bot API with: PTB's request interface over aiohttp.

Every answer is one sendMessage, so the client's own cost per request is a large share of the
bot's: with httpx (PTB's default) the connection pool's bookkeeping and socket writes cost more
than matching a message (bench/README.md, bot throughput); aiohttp parses HTTP in C and does
little per pooled request. Timeouts keep PTB's meaning (connect, read, and the wait for a free
connection); errors become PTB's `TimedOut` and `NetworkError`, as with httpx.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import yarl
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A pool of at most `connections` keep-alive connections to the Bot API."""

    def __init__(
        self,
        *,
        connections: int = 8,
        connect_timeout: float | None = 5.0,
        read_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._connections = connections
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # the proxy of each origin, read from the environment once: aiohttp's own trust_env
        # reads the environment and ~/.netrc again in a thread for every request
        self._proxies: dict[tuple[str, str | None], tuple[Any, aiohttp.BasicAuth | None]] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to do: the connections open with the first request (a start-up that never
        reaches the Bot API leaves nothing open behind)."""

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none
                skip_auto_headers=("Accept-Encoding",),  # plain answers: nothing to inflate
            )
        return self._session

    def _proxy_for(self, url: str) -> tuple[Any, aiohttp.BasicAuth | None]:
        """The proxy HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY name for `url`, as httpx
        (PTB's default client) honours them; (None, None) for a direct connection."""
        target = yarl.URL(url)
        key = (target.scheme, target.host)
        if key not in self._proxies:
            try:
                self._proxies[key] = get_env_proxy_for_url(target)
            except LookupError:
                self._proxies[key] = (None, None)
        return self._proxies[key]

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._open()
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout
        # aiohttp's `connect` covers waiting for a pooled connection and opening one; aiohttp has
        # no timeout for writing a body, so an upload's write time is added to its read window
        # (a form of a few fields is written at once)
        upload = (write_timeout or 0) if files else 0
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=None if read is None else read + upload,
        )
        body: Any = fields
        if files:
            form = aiohttp.FormData()
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, part in files.items():
                filename, content, *rest = part
                form.add_field(
                    name, content, filename=filename, content_type=rest[0] if rest else None
                )
            body = form
        proxy, proxy_auth = self._proxy_for(url)
        try:
            async with session.request(
                method, url, data=body, timeout=timeout, proxy=proxy, proxy_auth=proxy_auth
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
