"""Whatever no other handler took. In private chats: a one-line hint (stickers, voice, polls,
photos without a caption, unknown commands). Elsewhere (service messages, channel posts, other
groups' chatter, my_chat_member): nothing at all."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from handlers.context import TekserContext, reader_translator, send_reply
from handlers.public import command_views
from handlers.public import views as render


async def on_unsupported(update: Update, context: TekserContext) -> None:
    """A private message Tekser cannot check (no text): say what it can check."""
    message = update.effective_message
    assert message is not None
    tr = await reader_translator(context, update.effective_user)
    await send_reply(context, message.chat_id, render.unsupported_reply(tr))


async def on_unknown_command(update: Update, context: TekserContext) -> None:
    """An unknown /command in a private chat: the help text."""
    message = update.effective_message
    assert message is not None
    tr = await reader_translator(context, update.effective_user)
    await send_reply(
        context, message.chat_id, command_views.help_reply(tr, bot_username=context.bot.username)
    )


PRIVATE_NEW = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    MessageHandler(PRIVATE_NEW & filters.COMMAND, on_unknown_command),
    # service messages (pinned, new members, ...) stay unanswered even in private chats
    MessageHandler(PRIVATE_NEW & ~filters.StatusUpdate.ALL, on_unsupported),
]
