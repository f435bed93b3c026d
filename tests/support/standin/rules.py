"""What Telegram checks in a bot's calls (HTML markup, text sizes, buttons, parameters), its errors,
and the record of one call the bot made."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

# Update types delivered when the bot names none (Telegram's default).
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


def checked_text(params: dict[str, Any], key: str, limit: int) -> str:
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


def check_markup(markup: Any) -> None:
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


def set_markup(message: dict[str, Any], markup: Any) -> None:
    if markup and markup.get("inline_keyboard"):
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def decode_param(key: str, value: str) -> Any:
    if key in TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def without_reply(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def all_buttons(markups: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for markup in markups for row in markup.get("inline_keyboard", []) for b in row]
