"""How updates reach a moderator handler: a command, a kind of button (by its typed data), or
text in a conversation step; and the names the conversation modules share."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.context import TekserContext
from handlers.moderation.callback_data import ButtonData

END = ConversationHandler.END
NEW = filters.UpdateType.MESSAGE  # not an edited message
TEXT = filters.TEXT & ~filters.COMMAND
Handlers = list[BaseHandler[Update, Any, Any]]
States = dict[object, Handlers]
Callback = Callable[[Update, TekserContext], Coroutine[Any, Any, Any]]


def command(name: str, callback: Callback) -> CommandHandler[Any, Any]:
    """/name in a new message."""
    return CommandHandler(name, callback, filters=NEW)


def pressed(
    kind: type[ButtonData], callback: Callback, first: str = ""
) -> CallbackQueryHandler[Any, Any]:
    """A button of `kind` (`first`: a regex its first field must match)."""
    return CallbackQueryHandler(callback, pattern=kind.pattern(first))


def message(callback: Callback, accepted: filters.BaseFilter = TEXT) -> MessageHandler[Any, Any]:
    """A message in a conversation step: text that is no command, unless `accepted` says else."""
    return MessageHandler(accepted, callback)
