"""The error handler: log what failed with its context (keyed hashes, never raw ids), and tell the
reader whose request failed, in one polite line."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import NetworkError

from handlers.context import LANGUAGE_KEY, TekserContext
from handlers.i18n import choose_language, translator
from handlers.public import views as render
from knowledge import metrics

log = logging.getLogger("tekser.errors")


def _describe(update: Update, context: TekserContext) -> str:
    chat, user = update.effective_chat, update.effective_user
    kind = next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None), "unknown")
    parts = [f"update={update.update_id}", f"type={kind}"]
    if chat is not None:
        parts += [f"chat_type={chat.type}", f"chat={context.audience.key(chat.id)[:12]}"]
    if user is not None:
        parts.append(f"user={context.audience.key(user.id)[:12]}")
    return " ".join(parts)


def _asked_us(update: Update) -> bool:
    """Whether the failed update was a request to Tekser (so its author expects an answer); a
    message without a chat (or no message at all) has nobody to answer."""
    if update.callback_query is not None:
        return True
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    return bool(message.text and message.text.startswith("/"))


async def on_error(update: object, context: TekserContext) -> None:
    """Any exception a handler raised, or a failed getUpdates (update is None then)."""
    metrics.ERRORS.labels(where="handler" if isinstance(update, Update) else "updates").inc()
    if not isinstance(update, Update):
        level = logging.WARNING if isinstance(context.error, NetworkError) else logging.ERROR
        log.log(level, "error outside an update: %s", context.error)
        return
    log.error("failed to handle %s", _describe(update, context), exc_info=context.error)
    if not _asked_us(update):
        return
    user = update.effective_user
    stored = (context.user_data or {}).get(LANGUAGE_KEY) if user else None
    tr = translator(choose_language(stored, user.language_code if user else None))
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(render.error_line(tr), show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(render.error_line(tr), do_quote=True)
    except Exception as error:  # the error handler itself must never fail
        log.warning("could not tell the reader about the failure: %s", error)
