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
import html
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

DEFAULT_TOKEN = "123456:TEST-stand-in-token"
WEBHOOK_CONNECTIONS = 40  # concurrent webhook requests, Telegram's default max_connections
WEBHOOK_TIMEOUT_SECONDS = 30.0  # one delivery attempt
WEBHOOK_RETRY_SECONDS = 60.0  # an unacknowledged update is delivered again for this long
ANONYMOUS_ADMIN_ID = 1087968824  # @GroupAnonymousBot: sender of anonymous admins' messages
SERVICE_ACCOUNT_ID = 777000  # "Telegram": sender of automatic forwards from a linked channel

# Parameters that are plain strings even when they look like JSON (PTB sends other values dumped).
TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "description",
        "short_description",
        "name",
        "title",
        "next_offset",
        "language_code",
        "emoji",
        "question",
        "explanation",
        "action",
    }
)
DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
    }
)
HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "blockquote",
    }
)
HTML_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
START_PARAMETER_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class Call:
    """One request the bot made: method, decoded parameters, and what the stand-in answered."""

    method: str
    params: dict[str, Any]
    ok: bool
    result: Any
    at: float  # time.monotonic() when it arrived

    @property
    def text(self) -> str:
        """The HTML text of a sendMessage/editMessageText call (empty otherwise)."""
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def plain(self) -> str:
        """The text as the user sees it: markup removed, entities decoded."""
        return strip_html(self.text)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def reply_to(self) -> int | None:
        """The message id this call replies to, if any."""
        parameters = self.params.get("reply_parameters")
        if isinstance(parameters, dict) and "message_id" in parameters:
            return int(parameters["message_id"])
        legacy = self.params.get("reply_to_message_id")
        return int(legacy) if legacy is not None else None

    def buttons(self) -> list[dict[str, Any]]:
        """Every inline keyboard button of the call's reply markup, row by row."""
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    def button(self, label_part: str) -> dict[str, Any]:
        """The first button whose label contains `label_part`."""
        for candidate in self.buttons():
            if label_part in candidate.get("text", ""):
                return candidate
        labels = [b.get("text") for b in self.buttons()]
        raise AssertionError(f"no button with {label_part!r} among {labels}")


@dataclass(frozen=True)
class TgUser:
    id: int
    first_name: str = "Reader"
    language_code: str | None = "en"
    username: str | None = None
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class TgChat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    linked_chat_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


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


class StandIn:
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
            [(r"/bot([^/]+)/([A-Za-z]+)", _ApiHandler, {"standin": self})],
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
            message.update(_media(media, message["message_id"]))
        if caption is not None:
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        if forward_origin is not None:
            message["forward_origin"] = forward_origin
        if reply_to is not None:
            message["reply_to_message"] = _without_reply(reply_to)
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
                    "old_chat_member": _member_dict(old, bot),
                    "new_chat_member": _member_dict(new, bot),
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

    def calls_to(self, method: str, where: Callable[[Call], bool] | None = None) -> list[Call]:
        return [c for c in list(self.calls) if c.method == method and (where is None or where(c))]

    async def wait_for(
        self,
        method: str,
        where: Callable[[Call], bool] | None = None,
        *,
        timeout: float = 10.0,
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
        self, message: dict[str, Any], *, timeout: float = 10.0, since: int = 0
    ) -> Call:
        """The bot's sendMessage in the message's chat (a reply to it, or any in private)."""
        chat_id = message["chat"]["id"]

        def in_chat(call: Call) -> bool:
            return call.chat_id == chat_id

        return await self.wait_for("sendMessage", in_chat, timeout=timeout, since=since)

    async def settle(self, quiet: float = 0.4, timeout: float = 15.0) -> None:
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

    async def handle(self, method: str, params: dict[str, Any]) -> Any:
        """Answer one Bot API method; raises ApiError for Telegram-style errors."""
        with self._lock:
            for failure in self._state.failures:
                if failure.method == method and failure.times > 0:
                    failure.times -= 1
                    raise failure.error
        if method == "getUpdates":
            return await self._get_updates(params)
        answer = getattr(self, f"_m_{method}", None)
        if answer is None:
            raise ApiError(404, "Not Found")
        with self._lock:
            return answer(params)

    def record(self, method: str, params: dict[str, Any], ok: bool, result: Any) -> None:
        self.calls.append(Call(method, params, ok, result, time.monotonic()))

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
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
            if remaining <= 0:
                return []
            self._new_updates.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_updates.wait(), remaining)

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
        async with httpx.AsyncClient(limits=limits, timeout=WEBHOOK_TIMEOUT_SECONDS) as client:
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

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def _m_logOut(self, params: dict[str, Any]) -> bool:
        return True

    def _m_close(self, params: dict[str, Any]) -> bool:
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._m_deleteWebhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        self._state.webhook = {"url": url, "secret_token": secret}
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._state.allowed = frozenset(allowed) if allowed else DEFAULT_ALLOWED
        if params.get("drop_pending_updates"):
            self._state.pending.clear()
        assert self._loop is not None
        for update in self._state.pending.values():
            self._loop.call_soon(self._queue_delivery, update)
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self._state.webhook = None
        if params.get("drop_pending_updates"):
            self._state.pending.clear()
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        hook = self._state.webhook or {}
        return {
            "url": hook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._state.pending),
        }

    def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 commands")
        for command in commands:
            if not COMMAND_RE.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        scope = (params.get("scope") or {}).get("type", "default")
        language = str(params.get("language_code") or "")
        self._state.commands[(scope, language)] = commands
        return True

    def _m_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        scope = (params.get("scope") or {}).get("type", "default")
        return self._state.commands.get((scope, str(params.get("language_code") or "")), [])

    def _m_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        scope = (params.get("scope") or {}).get("type", "default")
        self._state.commands.pop((scope, str(params.get("language_code") or "")), None)
        return True

    def _m_setMyDescription(self, params: dict[str, Any]) -> bool:
        return True

    def _m_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        return True

    def _m_setChatMenuButton(self, params: dict[str, Any]) -> bool:
        return True

    def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        return True

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        text = _checked_text(params, "text", MAX_TEXT)
        _check_markup(params.get("reply_markup"))
        message = self._new_bot_message(chat, params)
        message["text"] = text
        return message

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(params, "photo")

    def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(params, "document")

    def _send_media(self, params: dict[str, Any], kind: str) -> dict[str, Any]:
        chat = self._chat(params)
        if kind not in params:
            raise bad_request(f"there is no {kind} in the request")
        _check_markup(params.get("reply_markup"))
        message = self._new_bot_message(chat, params)
        message.update(_media(kind, message["message_id"]))
        if params.get("caption"):
            message["caption"] = _checked_text(params, "caption", MAX_CAPTION)
        return message

    def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        text = _checked_text(params, "text", MAX_TEXT)
        _check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        markup = params.get("reply_markup")
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message["text"] = text
        _set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return dict(message)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        _check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        markup = params.get("reply_markup")
        if message.get("reply_markup") == markup:
            raise bad_request("message is not modified")
        _set_markup(message, markup)
        return dict(message)

    def _m_deleteMessage(self, params: dict[str, Any]) -> bool:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        if self._state.messages.pop(key, None) is None:
            raise bad_request("message to delete not found")
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        return True

    def _m_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        for result in results:
            if not 1 <= len(str(result.get("id", "")).encode()) <= 64:
                raise bad_request("RESULT_ID_INVALID")
            if not result.get("title"):
                raise bad_request("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            _checked_text(content, "message_text", MAX_TEXT)
            _check_markup(result.get("reply_markup"))
        button = params.get("button")
        start = (button or {}).get("start_parameter")
        if start is not None and not START_PARAMETER_RE.match(str(start)):
            raise bad_request("START_PARAM_INVALID")
        return True

    def _m_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = int(params.get("chat_id", 0)), int(params.get("user_id", 0))
        status = self._state.members.get((chat_id, user_id), "member")
        user = self.bot.to_dict() if user_id == self.bot.id else TgUser(user_id).to_dict()
        return _member_dict(status, user)

    def _m_getChatAdministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = int(params.get("chat_id", 0))
        return [
            _member_dict(status, TgUser(user_id).to_dict())
            for (chat, user_id), status in self._state.members.items()
            if chat == chat_id and status in {"creator", "administrator"}
        ]

    def _m_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        data = {
            **chat.to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat.linked_chat_id is not None:
            data["linked_chat_id"] = chat.linked_chat_id
        return data

    # ---------------------------------------------------------------- message helpers

    def _chat(self, params: dict[str, Any]) -> TgChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        chat = self._state.chats.get(chat_id)
        if chat is None:
            if chat_id <= 0:
                raise bad_request("chat not found")
            chat = TgChat(chat_id, "private", first_name="Reader")
        return chat

    def _new_bot_message(self, chat: TgChat, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.bot.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        reply = params.get("reply_parameters")
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        reply_id = reply_id if reply_id is not None else params.get("reply_to_message_id")
        if reply_id is not None:
            original = self._state.messages.get((chat.id, int(reply_id)))
            if original is not None:
                message["reply_to_message"] = _without_reply(original)
            elif not (isinstance(reply, dict) and reply.get("allow_sending_without_reply")):
                raise bad_request("message to be replied not found")
        _set_markup(message, params.get("reply_markup"))
        self._state.messages[(chat.id, message["message_id"])] = message
        return message

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        message = self._state.messages.get(key)
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot.id:
            raise bad_request("message can't be edited")
        return message


class _ApiHandler(tornado.web.RequestHandler):
    """Serves /bot<token>/<method> for GET and POST, form, multipart or JSON bodies."""

    def initialize(self, standin: StandIn) -> None:
        self.standin = standin

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        if token != self.standin.token:
            self._answer(ApiError(401, "Unauthorized").payload(), 401)
            return
        params = self._params()
        try:
            result = await self.standin.handle(method, params)
        except ApiError as error:
            if method != "getUpdates":
                self.standin.record(method, params, False, error.description)
            self._answer(error.payload(), error.code)
            return
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
        params: dict[str, Any] = {key: _decode(key, value) for key, value in raw.items()}
        for key, files in request.files.items():
            params[key] = {"filename": files[0].filename, "size": len(files[0].body)}
        return params

    def _answer(self, payload: dict[str, Any], status: int) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))


# -------------------------------------------------------------------- pure helpers


def private_chat(user: TgUser) -> TgChat:
    return TgChat(user.id, "private", first_name=user.first_name, username=user.username)


def origin_user(user: TgUser) -> dict[str, Any]:
    return {"type": "user", "date": int(time.time()) - 60, "sender_user": user.to_dict()}


def origin_hidden_user(name: str) -> dict[str, Any]:
    return {"type": "hidden_user", "date": int(time.time()) - 60, "sender_user_name": name}


def origin_chat(chat: TgChat, signature: str | None = None) -> dict[str, Any]:
    origin: dict[str, Any] = {
        "type": "chat",
        "date": int(time.time()) - 60,
        "sender_chat": chat.to_dict(),
    }
    if signature:
        origin["author_signature"] = signature
    return origin


def origin_channel(chat: TgChat, message_id: int, signature: str | None = None) -> dict[str, Any]:
    origin: dict[str, Any] = {
        "type": "channel",
        "date": int(time.time()) - 60,
        "chat": chat.to_dict(),
        "message_id": message_id,
    }
    if signature:
        origin["author_signature"] = signature
    return origin


def text_link(text: str, offset: int, length: int, url: str) -> dict[str, Any]:
    """A text_link entity (offsets in UTF-16 code units, as Telegram counts)."""
    return {"type": "text_link", "offset": offset, "length": length, "url": url}


def mention_entity(text: str, username: str) -> dict[str, Any]:
    """The mention entity of `@username` inside `text`."""
    start = text.index(f"@{username}")
    return {
        "type": "mention",
        "offset": utf16_len(text[:start]),
        "length": utf16_len(username) + 1,
    }


def command_entity(text: str) -> list[dict[str, Any]]:
    """The bot_command entity Telegram adds to a message that starts with /command."""
    if not text.startswith("/"):
        return []
    length = len(text.split()[0]) if text.split() else 1
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(text[:length])}]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def strip_html(text: str) -> str:
    """What a user sees of Telegram HTML: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class _TelegramHtml(HTMLParser):
    """Parses Telegram's HTML subset the way the Bot API does and rejects what it rejects."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            self.errors.append(f'Unsupported start tag "{tag}"')
            return
        attributes = dict(attrs)
        if tag == "a" and not attributes.get("href"):
            self.errors.append("a tag without href")
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            self.errors.append("span without tg-spoiler class")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f'Unmatched end tag "{tag}"')
            return
        self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in HTML_ENTITIES:
            self.errors.append(f'Unsupported entity "&{name};"')


def html_errors(text: str) -> list[str]:
    """Why Telegram would refuse `text` with parse_mode HTML (empty when it parses)."""
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    errors = list(parser.errors)
    if parser.stack:
        errors.append(f"Can't find end tag corresponding to start tag {parser.stack[-1]}")
    return errors


def _checked_text(params: dict[str, Any], key: str, limit: int) -> str:
    text = params.get(key)
    if not isinstance(text, str) or not text.strip():
        raise bad_request(f"{key} must be non-empty" if key != "text" else "message text is empty")
    plain = text
    if str(params.get("parse_mode", "")).lower() == "html":
        errors = html_errors(text)
        if errors:
            raise bad_request(f"can't parse entities: {errors[0]}")
        plain = strip_html(text)
    if utf16_len(plain) > limit:
        raise bad_request("message is too long" if key != "caption" else "caption is too long")
    if not plain.strip():
        raise bad_request("message text is empty")
    return plain


def _check_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return
    for row in rows:
        for button in row:
            if not str(button.get("text", "")).strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            url = button.get("url")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
            if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                raise bad_request("BUTTON_URL_INVALID")
            if url is not None and "start=" in str(url):
                start = str(url).split("start=", 1)[1]
                if not START_PARAMETER_RE.match(start):
                    raise bad_request("BUTTON_URL_INVALID")
            kinds = [k for k in ("callback_data", "url", "switch_inline_query") if k in button]
            if len(kinds) != 1:
                raise bad_request("BUTTON_TYPE_INVALID")


def _set_markup(message: dict[str, Any], markup: Any) -> None:
    if markup and markup.get("inline_keyboard"):
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def _decode(key: str, value: str) -> Any:
    if key in TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _without_reply(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def _media(kind: str, seed: int) -> dict[str, Any]:
    file = {"file_id": f"{kind}-{seed}", "file_unique_id": f"u{kind}{seed}"}
    if kind == "photo":
        return {"photo": [{**file, "width": 800, "height": 600, "file_size": 51200}]}
    if kind == "video":
        return {"video": {**file, "width": 640, "height": 360, "duration": 12}}
    if kind == "document":
        return {"document": {**file, "file_name": "post.pdf", "mime_type": "application/pdf"}}
    if kind == "sticker":
        sticker = {"type": "regular", "width": 512, "height": 512}
        return {"sticker": {**file, **sticker, "is_animated": False, "is_video": False}}
    if kind == "voice":
        return {"voice": {**file, "duration": 3}}
    if kind == "poll":
        return {
            "poll": {
                "id": f"poll{seed}",
                "question": "Is it true?",
                "options": [
                    {"text": "yes", "voter_count": 0, "persistent_id": "o1"},
                    {"text": "no", "voter_count": 0, "persistent_id": "o2"},
                ],
                "allows_revoting": False,
                "members_only": False,
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            }
        }
    raise ValueError(f"unknown media kind {kind!r}")


def _member_dict(status: str, user: dict[str, Any]) -> dict[str, Any]:
    if status == "administrator":
        rights = [
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        ]
        return {
            "status": status,
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            **dict.fromkeys(rights, True),
        }
    if status == "creator":
        return {"status": status, "user": user, "is_anonymous": False}
    if status == "kicked":
        return {"status": status, "user": user, "until_date": 0}
    return {"status": status if status in {"member", "left"} else "member", "user": user}


def all_buttons(markups: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for markup in markups for row in markup.get("inline_keyboard", []) for b in row]
