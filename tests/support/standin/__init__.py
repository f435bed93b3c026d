"""The Telegram Bot API stand-in for end-to-end tests and benches: `server.StandIn` serves it over
real HTTP; the methods it answers, the objects it hands out and Telegram's rules live beside it."""

from tests.support.standin.objects import (
    ANONYMOUS_ADMIN_ID,
    SERVICE_ACCOUNT_ID,
    TgChat,
    TgUser,
    command_entity,
    mention_entity,
    origin_channel,
    origin_chat,
    origin_hidden_user,
    origin_user,
    private_chat,
    text_link,
)
from tests.support.standin.rules import ApiError, Call, html_errors, strip_html, utf16_len
from tests.support.standin.server import DEFAULT_TOKEN, WAIT_SECONDS, StandIn, _ApiHandler

__all__ = [
    "ANONYMOUS_ADMIN_ID",
    "DEFAULT_TOKEN",
    "SERVICE_ACCOUNT_ID",
    "WAIT_SECONDS",
    "ApiError",
    "Call",
    "StandIn",
    "TgChat",
    "TgUser",
    "_ApiHandler",
    "command_entity",
    "html_errors",
    "mention_entity",
    "origin_channel",
    "origin_chat",
    "origin_hidden_user",
    "origin_user",
    "private_chat",
    "strip_html",
    "text_link",
    "utf16_len",
]
