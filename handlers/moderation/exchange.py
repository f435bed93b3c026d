"""/export (debunk-pack/1, or `/export claimreview`) and /import of a pack or ClaimReview file
sent as a document: everything is validated first, the summary shown (created / updated /
unchanged / kept / rejected with reasons), and nothing is written before the moderator confirms,
leaving the debunks the file would make poorer as they are or replacing them too."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from functools import partial

from telegram import Document, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import filters

from handlers.moderation import callback_data as cb
from handlers.moderation import exchange_views as mr_exchange
from handlers.moderation.access import Acting, button, moderator_command
from handlers.moderation.routes import END, NEW, Handlers, States, command, message, pressed
from knowledge.formats.registry import ExchangeError, Format, ReadResult, read_text
from knowledge.moderation.roles import ADMIN

FILE, CONFIRM = "import-file", "import-confirm"


@moderator_command(groups=True)
async def on_export(who: Acting, text: str) -> None:
    """/export: the whole base as a debunk pack; /export claimreview: published as JSON-LD."""
    fmt: Format = "claimreview" if text.lower().startswith("claim") else "pack"
    text, n = await asyncio.to_thread(who.service.exchange.export, fmt)
    suffix = "claimreview" if fmt == "claimreview" else "debunks"
    name = f"tekser-{suffix}-{date.today():%Y%m%d}.json"
    await who.context.bot.send_document(
        who.chat_id,
        InputFile(text.encode("utf-8"), filename=name),
        caption=mr_exchange.export_caption(who.tr, n=n, fmt=fmt),
    )


@moderator_command(need=ADMIN, refused=END)
async def on_import(who: Acting, _: str) -> object:
    """/import: asks for the file (or takes the document the command came with)."""
    document = _document(who.update)
    if document is not None:
        return await _check_file(who, document)
    await who.say(mr_exchange.import_prompt(who.tr))
    return FILE


@dataclass(frozen=True)
class Loaded:
    name: str
    read: ReadResult


async def load(who: Acting, document: Document) -> Loaded | None:
    """Download and validate a document; None after telling the moderator why not."""
    name = document.file_name or "file.json"
    limit = who.context.settings.import_max_bytes
    if (document.file_size or 0) > limit:
        await who.say(mr_exchange.import_too_big(who.tr, limit_mb=limit // 2**20))
        return None
    try:
        data = await (await who.context.bot.get_file(document.file_id)).download_as_bytearray()
        # parsing and validating up to 20 MB takes seconds: off the event loop, readers go on
        return Loaded(name, await asyncio.to_thread(_read, name, bytes(data)))
    except UnicodeDecodeError:
        problem = mr_exchange.import_failed(who.tr, f"{name}: not UTF-8 text")
    except ExchangeError as error:
        problem = mr_exchange.import_failed(who.tr, str(error))
    except TelegramError as error:
        problem = mr_exchange.import_failed(who.tr, f"{name}: {error.message}")
    await who.say(problem)
    return None


def _read(name: str, data: bytes) -> ReadResult:
    return read_text(name, data.decode("utf-8"))


def _document(update: Update) -> Document | None:
    message = update.effective_message
    return message.document if message is not None else None


@moderator_command(parse=_document, need=ADMIN, refused=END)
async def on_file(who: Acting, document: Document) -> object:
    """The document: validated and compared with the base; the summary and Import / Cancel."""
    return await _check_file(who, document)


async def _check_file(who: Acting, document: Document) -> object:
    loaded = await load(who, document)
    if loaded is None:
        return FILE
    service = who.service
    plan = await asyncio.to_thread(service.exchange.plan_import, loaded.read.debunks)
    task = {"import": document.file_id, "name": loaded.name}
    await asyncio.to_thread(service.desks.save_task, who.user_id, task)
    reply = mr_exchange.import_summary(
        who.tr, name=loaded.name, summary=plan, rejected=loaded.read.rejected,
        problems=loaded.read.problems,
    )  # fmt: skip
    await who.say(reply)
    return CONFIRM if plan.changed or plan.kept else END


@moderator_command(parse=button(cb.ImportAnswer), need=ADMIN, refused=END)
async def on_confirm(who: Acting, data: cb.ImportAnswer) -> object:
    """✅ Import (the debunks the file would make poorer kept as they are) or ♻️ replacing them
    too: the file is read again and its valid entries applied, a batch at a time."""
    service = who.service
    task = await asyncio.to_thread(service.desks.task, who.user_id)
    await asyncio.to_thread(service.desks.save_task, who.user_id, None)
    answers = (cb.IMPORT_GO, cb.IMPORT_REPLACE)
    if data.answer not in answers or not task.get("import"):
        await who.next_prompt(mr_exchange.import_cancelled(who.tr))
        return END
    document = Document(task["import"], task["import"], file_name=task.get("name"))
    loaded = await load(who, document)
    if loaded is not None:
        summary = await asyncio.to_thread(
            partial(service.exchange.apply_import, replace=data.answer == cb.IMPORT_REPLACE),
            who.actor, loaded.read.debunks,
        )  # fmt: skip
        await who.next_prompt(mr_exchange.imported(who.tr, summary))
    return END


@moderator_command(need=ADMIN, refused=END)
async def on_not_a_document(who: Acting, _: str) -> object:
    """Text where the file is expected."""
    await who.say(mr_exchange.import_prompt(who.tr))
    return FILE


IMPORT_CAPTION = filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?(\s|$)")

ENTRY_POINTS: Handlers = [
    command("import", on_import),
    message(on_import, IMPORT_CAPTION & NEW),
]
STATES: States = {
    FILE: [
        message(on_file, filters.Document.ALL),
        message(on_not_a_document),
    ],
    CONFIRM: [pressed(cb.ImportAnswer, on_confirm)],
}
HANDLERS: Handlers = [
    command("export", on_export),
]
