"""A Telegram Bot API stand-in: a real HTTP server on 127.0.0.1 for end-to-end tests and benches.

It serves ``/bot<token>/<method>`` like api.telegram.org (or a self-hosted Bot API server): queues
updates that tests push and hands them out through ``getUpdates`` (long polling, offsets confirm
updates) or POSTs them to a webhook set with ``setWebhook``; answers the methods Tekser uses with
realistic JSON (message ids increase, replies carry ``reply_to_message``), validates what Telegram
validates (HTML markup, text sizes, callback data, inline result ids) and records every call.

The server runs in its own thread with its own event loop, so a test's loop (or a bench's) talks to
it over real HTTP. Tests build updates with the ``push_*`` helpers and wait for the bot's calls with
:meth:`StandIn.wait_for`.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import functools
import itertools
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

from tests.support.standin.methods import BotApiMethods
from tests.support.standin.objects import (
    TgChat,
    TgUser,
    command_entity,
    media_object,
    member,
    private_chat,
)
from tests.support.standin.rules import DEFAULT_ALLOWED, ApiError, Call, decode_param, without_reply

DEFAULT_TOKEN = "123456:TEST-stand-in-token"
# how long a test waits for the bot by default: generous, for a machine loaded by other work (a
# wait returns as soon as what it waits for happens)
WAIT_SECONDS = 30.0
HANG_UP_CHECK = 0.05  # a long poll whose bot hung up (stopped) ends within this many seconds
WEBHOOK_CONNECTIONS = 40  # concurrent webhook requests, Telegram's default max_connections
WEBHOOK_TIMEOUT_SECONDS = 30.0  # one delivery attempt
WEBHOOK_RETRY_SECONDS = 60.0  # an unacknowledged update is delivered again for this long


@dataclass
class _Failure:
    method: str
    error: ApiError
    times: int


@dataclass
class _State:
    """Everything the server thread mutates; guarded by StandIn._lock."""

    pending: dict[int, dict[str, Any]] = field(default_factory=dict)  # by update_id, in order
    allowed: frozenset[str] = DEFAULT_ALLOWED
    webhook: dict[str, Any] | None = None
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    chats: dict[int, TgChat] = field(default_factory=dict)
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    failures: list[_Failure] = field(default_factory=list)
    held: set[str] = field(default_factory=set)  # methods whose calls wait for release()


class StandIn(BotApiMethods):
    """The Bot API stand-in server. Use as a context manager or call start()/stop()."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "tekser_test_bot",
        bot_id: int = 7_000_000_001,
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.host = host
        self.port = 0
        self.bot = TgUser(bot_id, "Tekser", None, bot_username, is_bot=True)
        self.calls: list[Call] = []
        self.pushed_at: dict[int, float] = {}
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status)
        self._state = _State()
        self._lock = threading.Lock()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._new_updates: asyncio.Event | None = None
        self._deliveries: asyncio.Queue[dict[str, Any]] | None = None
        self._server: tornado.httpserver.HTTPServer | None = None
        self.files: dict[str, bytes] = {}  # file_id -> content users sent (getFile, downloads)
        self._file_ids = itertools.count(1)

    # ---------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """What TEKSER_BOT_API_URL points to: the token and method are appended."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    def start(self) -> StandIn:
        self._thread = threading.Thread(target=self._serve, name="bot-api-stand-in", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the Bot API stand-in did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._new_updates = asyncio.Event()
        self._deliveries = asyncio.Queue()
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([A-Za-z]+)", _ApiHandler, {"standin": self}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"standin": self}),
            ],
            log_function=lambda handler: None,
        )
        sockets = tornado.netutil.bind_sockets(0, self.host)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        delivery = loop.create_task(self._deliver_webhooks())
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                loop.run_until_complete(delivery)
            loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()

    # ---------------------------------------------------------------- configuration

    def add_chat(self, chat: TgChat) -> TgChat:
        with self._lock:
            self._state.chats[chat.id] = chat
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers: creator | administrator | member | restricted | left."""
        with self._lock:
            self._state.members[(chat_id, user_id)] = status

    def fail_next(
        self,
        method: str,
        *,
        code: int = 400,
        description: str = "Bad Request: injected failure",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail with the given Bot API error."""
        with self._lock:
            self._state.failures.append(
                _Failure(method, ApiError(code, description, retry_after), times)
            )

    def hold(self, method: str) -> None:
        """Keep calls of `method` waiting, unanswered and unrecorded, until :meth:`release`;
        one whose caller has gone by then (a killed bot) never happened."""
        with self._lock:
            self._state.held.add(method)

    def release(self, method: str) -> None:
        with self._lock:
            self._state.held.discard(method)

    async def _wait_while_held(self, method: str) -> None:
        while True:
            with self._lock:
                if method not in self._state.held:
                    return
            await asyncio.sleep(0.01)

    def commands(self, language_code: str = "", scope: str = "default") -> list[dict[str, Any]]:
        """The command list the bot registered for a language (``""`` = every language)."""
        with self._lock:
            return list(self._state.commands.get((scope, language_code), []))

    @property
    def webhook(self) -> dict[str, Any] | None:
        with self._lock:
            return dict(self._state.webhook) if self._state.webhook else None

    # ---------------------------------------------------------------- updates

    def push(self, update: dict[str, Any]) -> int:
        """Queue one update (without update_id); returns the update_id given to it."""
        update_id = next(self._update_ids)
        body = {"update_id": update_id, **update}
        with self._lock:
            self.pushed_at[update_id] = time.monotonic()
            kind = next(key for key in body if key != "update_id")
            if kind not in self._state.allowed:
                return update_id
            self._state.pending[update_id] = body
            webhook = self._state.webhook is not None
        loop = self._loop
        assert loop is not None, "start() the stand-in first"
        if webhook:
            loop.call_soon_threadsafe(self._queue_delivery, body)
        else:
            loop.call_soon_threadsafe(self._wake)
        return update_id

    def _wake(self) -> None:
        assert self._new_updates is not None
        self._new_updates.set()

    def _queue_delivery(self, update: dict[str, Any]) -> None:
        assert self._deliveries is not None
        self._deliveries.put_nowait(update)

    def message(
        self,
        chat: TgChat,
        user: TgUser | None = None,
        *,
        text: str | None = None,
        caption: str | None = None,
        media: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        forward_origin: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
        sender_chat: TgChat | None = None,
        is_automatic_forward: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Build (and remember) a message a user, a chat or a channel sent; does not push it."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat.to_dict(),
        }
        if user is not None:
            message["from"] = user.to_dict()
        if sender_chat is not None:
            message["sender_chat"] = sender_chat.to_dict()
        if text is not None:
            message["text"] = text
            if entities:
                message["entities"] = entities
        if media is not None:
            message.update(media_object(media, message["message_id"]))
        if caption is not None:
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        if forward_origin is not None:
            message["forward_origin"] = forward_origin
        if reply_to is not None:
            message["reply_to_message"] = without_reply(reply_to)
        if is_automatic_forward:
            message["is_automatic_forward"] = True
        message.update(extra or {})
        with self._lock:
            self._state.messages[(chat.id, message["message_id"])] = message
            self._state.chats.setdefault(chat.id, chat)
        return message

    def push_message(
        self, chat: TgChat, user: TgUser | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Build a message (see :meth:`message`) and queue it as a ``message`` update."""
        message = self.message(chat, user, **kwargs)
        self.push({"message": message})
        return message

    def add_file(self, content: bytes, *, kind: str = "doc") -> str:
        """Register the content of a file a user sends; returns its file_id (getFile and the
        file URL then serve it)."""
        file_id = f"{kind}{next(self._file_ids)}"
        self.files[file_id] = content
        return file_id

    def push_document(
        self,
        user: TgUser,
        content: bytes,
        *,
        file_name: str,
        caption: str | None = None,
        mime_type: str = "application/json",
    ) -> dict[str, Any]:
        """A user sends a file as a document in their private chat with the bot."""
        file_id = self.add_file(content)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        extra: dict[str, Any] = {"document": document}
        if caption:
            extra["caption"] = caption
            extra["caption_entities"] = command_entity(caption)
        return self.push_message(private_chat(user), user, extra=extra)

    def photo(
        self, content: bytes, *, width: int = 800, height: int = 600, unique_id: str | None = None
    ) -> list[dict[str, Any]]:
        """A photo's sizes as Telegram sends them (here one size, the content registered).
        `unique_id`: the same picture sent again has the same file_unique_id."""
        file_id = self.add_file(content, kind="photo")
        return [
            {
                "file_id": file_id,
                "file_unique_id": unique_id or f"u{file_id}",
                "width": width,
                "height": height,
                "file_size": len(content),
            }
        ]

    def push_photo(
        self,
        chat: TgChat,
        user: TgUser | None,
        content: bytes,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        unique_id: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A photo (with `content` as its file) sent or forwarded to `chat`; `media_group_id`
        makes it part of an album."""
        extra: dict[str, Any] = {"photo": self.photo(content, unique_id=unique_id)}
        if media_group_id is not None:
            extra["media_group_id"] = media_group_id
        extra.update(kwargs.pop("extra", None) or {})
        return self.push_message(chat, user, caption=caption, extra=extra, **kwargs)

    def push_text(self, user: TgUser, text: str, **kwargs: Any) -> dict[str, Any]:
        """A private-chat text message from `user`."""
        return self.push_message(private_chat(user), user, text=text, **kwargs)

    def push_edit(self, message: dict[str, Any], *, text: str) -> dict[str, Any]:
        """The user edits `message`: queue an ``edited_message`` update with the new text."""
        edited = dict(message)
        edited["edit_date"] = int(time.time())
        if "caption" in edited:
            edited["caption"] = text
        else:
            edited["text"] = text
        with self._lock:
            self._state.messages[(edited["chat"]["id"], edited["message_id"])] = edited
        self.push({"edited_message": edited})
        return edited

    def push_channel_post(self, channel: TgChat, text: str) -> dict[str, Any]:
        post = self.message(channel, None, text=text, sender_chat=channel)
        self.push({"channel_post": post})
        return post

    def push_callback(self, user: TgUser, message: dict[str, Any], data: str) -> str:
        """The user presses an inline button with `data` under the bot's `message`."""
        callback_id = f"cb{next(self._callback_ids)}"
        with self._lock:
            current = self._state.messages.get(
                (message["chat"]["id"], message["message_id"]), message
            )
        self.push(
            {
                "callback_query": {
                    "id": callback_id,
                    "from": user.to_dict(),
                    "message": current,
                    "chat_instance": f"ci{message['chat']['id']}",
                    "data": data,
                }
            }
        )
        return callback_id

    def push_inline_query(self, user: TgUser, query: str, *, chat_type: str = "sender") -> str:
        query_id = f"iq{next(self._callback_ids)}"
        self.push(
            {
                "inline_query": {
                    "id": query_id,
                    "from": user.to_dict(),
                    "query": query,
                    "offset": "",
                    "chat_type": chat_type,
                }
            }
        )
        return query_id

    def push_chosen_inline_result(self, user: TgUser, result_id: str, query: str) -> int:
        return self.push(
            {
                "chosen_inline_result": {
                    "result_id": result_id,
                    "from": user.to_dict(),
                    "query": query,
                }
            }
        )

    def push_my_chat_member(self, chat: TgChat, user: TgUser, old: str, new: str) -> int:
        bot = self.bot.to_dict()
        return self.push(
            {
                "my_chat_member": {
                    "chat": chat.to_dict(),
                    "from": user.to_dict(),
                    "date": int(time.time()),
                    "old_chat_member": member(old, bot),
                    "new_chat_member": member(new, bot),
                }
            }
        )

    def stored_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The message as it stands now (after the bot's edits), or None if deleted/unknown."""
        with self._lock:
            return self._state.messages.get((chat_id, message_id))

    # ---------------------------------------------------------------- waiting

    def unconfirmed(self) -> list[dict[str, Any]]:
        """Updates queued for getUpdates that the bot has not confirmed (Telegram keeps them)."""
        with self._lock:
            return list(self._state.pending.values())

    def uploaded(self, call: Call, key: str = "document") -> bytes:
        """The bytes the bot uploaded with a call (sendDocument's document, sendPhoto's photo)."""
        value = call.params.get(key)
        if not isinstance(value, dict) or "content" not in value:
            raise ApiError(400, f"no uploaded {key} in the call")
        return bytes(value["content"])

    def calls_to(self, method: str, where: Callable[[Call], bool] | None = None) -> list[Call]:
        return [c for c in list(self.calls) if c.method == method and (where is None or where(c))]

    async def wait_for(
        self,
        method: str,
        where: Callable[[Call], bool] | None = None,
        *,
        timeout: float = WAIT_SECONDS,
        since: int = 0,
    ) -> Call:
        """The first call of `method` (at index >= `since`) matching `where`, waiting for it."""
        deadline = time.monotonic() + timeout
        while True:
            for call in list(self.calls)[since:]:
                if call.method == method and (where is None or where(call)):
                    return call
            if time.monotonic() > deadline:
                seen = [(c.method, c.plain[:80]) for c in self.calls[since:]]
                raise AssertionError(f"no {method} call matched within {timeout}s; saw {seen}")
            await asyncio.sleep(0.005)

    async def wait_reply(
        self, message: dict[str, Any], *, timeout: float = WAIT_SECONDS, since: int = 0
    ) -> Call:
        """The bot's sendMessage in the message's chat (a reply to it, or any in private)."""
        chat_id = message["chat"]["id"]

        def in_chat(call: Call) -> bool:
            return call.chat_id == chat_id

        return await self.wait_for("sendMessage", in_chat, timeout=timeout, since=since)

    async def settle(self, quiet: float = 0.4, timeout: float = WAIT_SECONDS) -> None:
        """Wait until every pushed update was taken and the bot made no call for `quiet` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                pending = bool(self._state.pending)
            last = self.calls[-1].at if self.calls else 0.0
            if not pending and time.monotonic() - last >= quiet:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the bot did not settle")

    # ---------------------------------------------------------------- serving

    async def handle(
        self, method: str, params: dict[str, Any], gone: Callable[[], bool] = lambda: False
    ) -> Any:
        """Answer one Bot API method; raises ApiError for Telegram-style errors. `gone`: whether
        the caller hung up (a long poll then ends at once, as the bot stopped)."""
        with self._lock:
            for failure in self._state.failures:
                if failure.method == method and failure.times > 0:
                    failure.times -= 1
                    raise failure.error
        if method == "getUpdates":
            return await self._get_updates(params, gone)
        answer = getattr(self, f"_m_{method}", None)
        if answer is None:
            raise ApiError(404, "Not Found")
        with self._lock:
            return answer(params)

    def record(self, method: str, params: dict[str, Any], ok: bool, result: Any) -> None:
        self.calls.append(Call(method, params, ok, result, time.monotonic()))

    async def _get_updates(
        self, params: dict[str, Any], gone: Callable[[], bool]
    ) -> list[dict[str, Any]]:
        assert self._new_updates is not None
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._lock:
            if self._state.webhook is not None:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
            allowed = params.get("allowed_updates")
            if isinstance(allowed, list):
                self._state.allowed = frozenset(allowed) if allowed else DEFAULT_ALLOWED
        while True:
            with self._lock:
                pending = self._state.pending
                ids = list(pending)  # ascending
                if offset < 0:
                    confirmed = ids[: max(len(ids) + offset, 0)]
                else:
                    confirmed = ids[: bisect.bisect_left(ids, offset)]
                for update_id in confirmed:
                    del pending[update_id]
                ready = list(itertools.islice(pending.values(), limit))
                if ready:
                    return ready
            remaining = deadline - time.monotonic()
            if remaining <= 0 or gone():
                return []
            self._new_updates.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_updates.wait(), min(remaining, HANG_UP_CHECK))

    async def _deliver_webhooks(self) -> None:
        """POST queued updates to the webhook as Telegram does: over up to
        ``WEBHOOK_CONNECTIONS`` connections at once (Telegram's default ``max_connections``), each
        kept open and carrying one update after another; an update that was not answered with
        2xx (worker down, error, timeout) is delivered again after a pause, for up to
        ``WEBHOOK_RETRY_SECONDS``, to whatever the webhook URL reaches then."""
        connections = [
            asyncio.create_task(self._webhook_connection()) for _ in range(WEBHOOK_CONNECTIONS)
        ]
        try:
            await asyncio.gather(*connections)
        finally:
            for task in connections:
                task.cancel()
            await asyncio.gather(*connections, return_exceptions=True)

    async def _webhook_connection(self) -> None:
        """One of Telegram's connections to the webhook (a client of one connection each:
        httpx's pool would look at every idle connection of a shared pool on every request)."""
        assert self._deliveries is not None
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(
            limits=limits, timeout=WEBHOOK_TIMEOUT_SECONDS, verify=_tls_context()
        ) as client:
            while True:
                update = await self._deliveries.get()
                with self._lock:
                    if self._state.webhook is None:
                        continue
                    self._state.pending.pop(update["update_id"], None)
                await self._deliver_one(client, update)

    async def _deliver_one(self, client: httpx.AsyncClient, update: dict[str, Any]) -> None:
        gave_up_at = time.monotonic() + WEBHOOK_RETRY_SECONDS
        pause = 0.1
        while True:
            with self._lock:
                hook = self._state.webhook
            if hook is None:
                return
            headers = {"Content-Type": "application/json"}
            if hook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
            try:
                response = await client.post(
                    hook["url"], content=json.dumps(update), headers=headers
                )
                status = response.status_code
            except httpx.TransportError:  # refused, reset, closed, timed out
                status = 0
            self.webhook_deliveries.append((update["update_id"], status))
            if 200 <= status < 300 or time.monotonic() + pause > gave_up_at:
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)

    # Each _m_<method> runs under self._lock and returns the "result" of the answer.

    # ---------------------------------------------------------------- message helpers


class _FileHandler(tornado.web.RequestHandler):
    """`/file/bot<token>/<path>`: the content of a file a user sent."""

    def initialize(self, standin: StandIn) -> None:
        self.standin = standin

    def get(self, token: str, path: str) -> None:
        content = self.standin.files.get(path.rsplit("/", 1)[-1])
        if token != self.standin.token or content is None:
            self.set_status(404)
            self.finish("Not Found")
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(content)


class _ApiHandler(tornado.web.RequestHandler):
    """Serves /bot<token>/<method> for GET and POST, form, multipart or JSON bodies."""

    def initialize(self, standin: StandIn) -> None:
        self.standin = standin
        self.gone = False

    def on_connection_close(self) -> None:
        self.gone = True

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        if token != self.standin.token:
            self._answer(ApiError(401, "Unauthorized").payload(), 401)
            return
        params = self._params()
        await self.standin._wait_while_held(method)
        if self.gone:
            return
        try:
            result = await self.standin.handle(method, params, lambda: self.gone)
        except ApiError as error:
            if method != "getUpdates":
                self.standin.record(method, params, False, error.description)
            self._answer(error.payload(), error.code)
            return
        if method == "getUpdates" and self.gone:
            return  # the bot stopped while it waited: nobody to answer
        if method != "getUpdates" or result:
            self.standin.record(method, params, True, result)
        self._answer({"ok": True, "result": result}, 200)

    def _params(self) -> dict[str, Any]:
        request = self.request
        if request.headers.get("Content-Type", "").startswith("application/json") and request.body:
            return dict(json.loads(request.body))
        raw: dict[str, str] = {}
        for source in (request.query_arguments, request.body_arguments):
            for key, values in source.items():
                raw[key] = values[-1].decode("utf-8")
        params: dict[str, Any] = {key: decode_param(key, value) for key, value in raw.items()}
        for key, files in request.files.items():
            upload = files[0]
            params[key] = {
                "filename": upload.filename,
                "size": len(upload.body),
                "content": upload.body,
            }
        return params

    def _answer(self, payload: dict[str, Any], status: int) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One CA bundle for every webhook connection: each client loading its own blocked the
    stand-in's loop for seconds at start (and a bot's first request timed out under load)."""
    return ssl.create_default_context()
