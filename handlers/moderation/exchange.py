"""/export (debunk-pack/1, or `/export claimreview`) and /import of a pack or ClaimReview file
sent as a document: everything is validated first, the summary shown (created / updated /
unchanged / rejected with reasons), and nothing is written before the moderator confirms."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from telegram import Document, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.context import TekserContext
from handlers.moderation import callback_data as cb
from handlers.moderation import exchange_views as mr_exchange
from handlers.moderation.access import (
    Acting,
    acting,
    command_text,
    moderation,
    next_prompt,
    say,
    user_input,
)
from knowledge.formats.registry import ExchangeError, Format, ReadResult, read_text
from knowledge.moderation.roles import ADMIN

END = ConversationHandler.END
FILE, CONFIRM = "import-file", "import-confirm"


async def on_export(update: Update, context: TekserContext) -> None:
    """/export: the whole base as a debunk pack; /export claimreview: published as JSON-LD."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    fmt: Format = "claimreview" if command_text(update).lower().startswith("claim") else "pack"
    text, n = await asyncio.to_thread(moderation(context).export, fmt)
    suffix = "claimreview" if fmt == "claimreview" else "debunks"
    name = f"tekser-{suffix}-{date.today():%Y%m%d}.json"
    await context.bot.send_document(
        who.chat_id,
        InputFile(text.encode("utf-8"), filename=name),
        caption=mr_exchange.export_caption(who.tr, n=n, fmt=fmt),
    )


async def on_import(update: Update, context: TekserContext) -> object:
    """/import: asks for the file (or takes the document the command came with)."""
    who = await acting(update, context, need=ADMIN)
    if who is None:
        return END
    message = update.effective_message
    if message is not None and message.document is not None:
        return await on_file(update, context)
    await say(context, who, mr_exchange.import_prompt(who.tr))
    return FILE


@dataclass(frozen=True)
class Loaded:
    name: str
    read: ReadResult


async def load(context: TekserContext, who: Acting, document: Document) -> Loaded | None:
    """Download and validate a document; None after telling the moderator why not."""
    name = document.file_name or "file.json"
    limit = context.settings.import_max_bytes
    if (document.file_size or 0) > limit:
        await say(context, who, mr_exchange.import_too_big(who.tr, limit_mb=limit // 2**20))
        return None
    try:
        data = await (await context.bot.get_file(document.file_id)).download_as_bytearray()
        return Loaded(name, read_text(name, bytes(data).decode("utf-8")))
    except UnicodeDecodeError:
        problem = mr_exchange.import_failed(who.tr, f"{name}: not UTF-8 text")
    except ExchangeError as error:
        problem = mr_exchange.import_failed(who.tr, str(error))
    except TelegramError as error:
        problem = mr_exchange.import_failed(who.tr, f"{name}: {error.message}")
    await say(context, who, problem)
    return None


async def on_file(update: Update, context: TekserContext) -> object:
    """The document: validated and compared with the base; the summary and Import / Cancel."""
    who = await acting(update, context, need=ADMIN)
    message = update.effective_message
    if who is None or message is None or message.document is None:
        return END
    loaded = await load(context, who, message.document)
    if loaded is None:
        return FILE
    service = moderation(context)
    plan = await asyncio.to_thread(service.plan_import, loaded.read.debunks)
    task = {"import": message.document.file_id, "name": loaded.name}
    await asyncio.to_thread(service.save_task, who.user_id, task)
    reply = mr_exchange.import_summary(
        who.tr, name=loaded.name, summary=plan, rejected=loaded.read.rejected,
        problems=loaded.read.problems,
    )  # fmt: skip
    await say(context, who, reply)
    return CONFIRM if plan.changed else END


async def on_confirm(update: Update, context: TekserContext) -> object:
    """✅ Import: the file is read again and its valid entries applied in one transaction."""
    who = await acting(update, context, need=ADMIN)
    if who is None:
        return END
    service = moderation(context)
    task = await asyncio.to_thread(service.task, who.user_id)
    await asyncio.to_thread(service.save_task, who.user_id, None)
    if user_input(update) != "go" or not task.get("import"):
        await next_prompt(update, context, who, mr_exchange.import_cancelled(who.tr))
        return END
    document = Document(task["import"], task["import"], file_name=task.get("name"))
    loaded = await load(context, who, document)
    if loaded is not None:
        summary = await asyncio.to_thread(service.apply_import, who.actor, loaded.read.debunks)
        await next_prompt(update, context, who, mr_exchange.imported(who.tr, summary))
    return END


async def on_not_a_document(update: Update, context: TekserContext) -> object:
    """Text where the file is expected."""
    who = await acting(update, context, need=ADMIN)
    if who is None:
        return END
    await say(context, who, mr_exchange.import_prompt(who.tr))
    return FILE


def _button(action: str) -> str:
    return rf"^{cb.IMPORT}:{action}$"


IMPORT_CAPTION = filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?(\s|$)")

ENTRY_POINTS: list[BaseHandler[Update, Any, Any]] = [
    CommandHandler("import", on_import, filters=filters.UpdateType.MESSAGE),
    MessageHandler(IMPORT_CAPTION & filters.UpdateType.MESSAGE, on_import),
]
STATES: dict[object, list[BaseHandler[Update, Any, Any]]] = {
    FILE: [
        MessageHandler(filters.Document.ALL, on_file),
        MessageHandler(filters.TEXT & ~filters.COMMAND, on_not_a_document),
    ],
    CONFIRM: [CallbackQueryHandler(on_confirm, pattern=_button("(go|no)"))],
}
HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    CommandHandler("export", on_export, filters=filters.UpdateType.MESSAGE),
]
