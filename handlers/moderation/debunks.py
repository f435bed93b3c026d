"""One-line moderator commands on debunks: /show /phrase /source /seen /retire /restore /find
/list /history, and the buttons under /show, /find and /list."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from handlers.context import TekserContext
from handlers.moderation import callback_data as cb
from handlers.moderation import views as mr
from handlers.moderation.access import Acting, acting, command_text, moderation, say, show
from handlers.moderation.delivery import deliver_answers
from knowledge.debunks.tables import STATUSES
from knowledge.moderation import editing
from knowledge.moderation.editing import Change, EditError


async def apply(
    context: TekserContext, who: Acting, edit: Callable[..., Change], **kwargs: Any
) -> Change | None:
    """Make one change as `who`, tell them the outcome, and answer waiting submitters when the
    debunk is published. None when the change was refused (they were told why)."""
    try:
        change = await asyncio.to_thread(
            moderation(context).change, edit, actor=who.actor, **kwargs
        )
    except EditError as error:
        await say(context, who, mr.edit_error(who.tr, error))
        return None
    delivered = await deliver_answers(context, change.slug) if change.status == "published" else 0
    await say(context, who, mr.changed(who.tr, change, delivered=delivered))
    return change


def split_first(text: str) -> tuple[str, str]:
    """ "first the rest" -> ("first", "the rest"), the rest keeping its line breaks."""
    parts = text.split(maxsplit=1)
    return (parts[0] if parts else ""), (parts[1].strip() if len(parts) > 1 else "")


def split_slug(text: str) -> tuple[str, str]:
    slug, rest = split_first(text)
    return slug.lower(), rest


async def on_show(update: Update, context: TekserContext) -> None:
    """/show <slug>: the card and what moderators need (status, version, wordings, sources)."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    slug, _ = split_slug(command_text(update))
    if not slug:
        await say(context, who, mr.usage(who.tr, "/show slug"))
        return
    details = await asyncio.to_thread(moderation(context).details, slug)
    reply = mr.details_reply(who.tr, details) if details else mr.not_found(who.tr, slug)
    await say(context, who, reply)


async def on_phrase(update: Update, context: TekserContext) -> None:
    """/phrase <slug> <text>: another wording of the claim (language detected)."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    slug, text = split_slug(command_text(update))
    if not text:
        await say(context, who, mr.usage(who.tr, "/phrase slug how people word the claim"))
        return
    await apply(context, who, editing.add_wording, slug=slug, text=text)


async def on_source(update: Update, context: TekserContext) -> None:
    """/source <slug> <url> [title]: a source for the disproof."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    slug, rest = split_slug(command_text(update))
    url, title = split_first(rest)
    if not url:
        await say(context, who, mr.usage(who.tr, "/source slug https://… Title"))
        return
    await apply(context, who, editing.add_source, slug=slug, url=url, title=title)


async def on_seen(update: Update, context: TekserContext) -> None:
    """/seen <slug> <url>: where the claim circulates (a link to it will match)."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    slug, rest = split_slug(command_text(update))
    if not rest:
        await say(context, who, mr.usage(who.tr, "/seen slug https://…"))
        return
    await apply(context, who, editing.add_appearance, slug=slug, url=rest.split()[0])


async def on_retire(update: Update, context: TekserContext) -> None:
    """/retire <slug>: stop answering checks with this debunk (kept, restorable)."""
    await _set_status(update, context, "retired", "/retire slug")


async def on_restore(update: Update, context: TekserContext) -> None:
    """/restore <slug>: publish a retired debunk (or a draft) again."""
    await _set_status(update, context, "published", "/restore slug")


async def _set_status(update: Update, context: TekserContext, status: str, example: str) -> None:
    who = await acting(update, context, groups=True)
    if who is None:
        return
    slug, _ = split_slug(command_text(update))
    if not slug:
        await say(context, who, mr.usage(who.tr, example))
        return
    await apply(context, who, editing.set_status, slug=slug, status=status)


async def on_find(update: Update, context: TekserContext) -> None:
    """/find <text>: search every debunk, drafts and retired included."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    query = command_text(update)
    if not query:
        await say(context, who, mr.usage(who.tr, "/find biolabs"))
        return
    items = await asyncio.to_thread(moderation(context).find, query)
    await say(context, who, mr.found_reply(who.tr, query, items))


async def on_list(update: Update, context: TekserContext) -> None:
    """/list [published|draft|retired]: debunks newest first, a page at a time."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    status = (context.args or ["all"])[0].lower()
    status = status if status in STATUSES else "all"
    page = await asyncio.to_thread(
        moderation(context).page, status=None if status == "all" else status, page=0
    )
    await say(context, who, mr.page_reply(who.tr, page, status=status))


async def on_list_page(update: Update, context: TekserContext) -> None:
    """◀️ / ▶️ under /list: another page."""
    who = await acting(update, context, groups=True)
    if who is None or update.callback_query is None:
        return
    items = cb.parts(update.callback_query.data or "")
    status = cb.text(items, 0) if cb.text(items, 0) in STATUSES else "all"
    page = await asyncio.to_thread(
        moderation(context).page,
        status=None if status == "all" else status,
        page=cb.number(items, 1) or 0,
    )
    await show(update, context, who, mr.page_reply(who.tr, page, status=status))


async def on_history(update: Update, context: TekserContext) -> None:
    """/history <slug>: who changed what, when (newest first)."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    slug, _ = split_slug(command_text(update))
    if not slug:
        await say(context, who, mr.usage(who.tr, "/history slug"))
        return
    events = await asyncio.to_thread(moderation(context).history, slug)
    await say(context, who, mr.history_reply(who.tr, slug, events))


async def on_view_button(update: Update, context: TekserContext) -> None:
    """A debunk's button: open it (from /find, /list), retire/publish or history (from /show)."""
    who = await acting(update, context, groups=True)
    query = update.callback_query
    if who is None or query is None:
        return
    items = cb.parts(query.data or "")
    action = items[0] if len(items) > 1 else "open"
    slug = await asyncio.to_thread(moderation(context).slug_of, cb.number(items, -1) or 0)
    await query.answer()
    if slug is not None and action in ("retire", "publish"):
        status = "retired" if action == "retire" else "published"
        await apply(context, who, editing.set_status, slug=slug, status=status)
    else:
        await say(context, who, await _view(context, who, action, slug))


async def _view(context: TekserContext, who: Acting, action: str, slug: str | None) -> mr.Reply:
    service = moderation(context)
    if slug is None:
        return mr.not_found(who.tr, "?")
    if action == "history":
        return mr.history_reply(who.tr, slug, await asyncio.to_thread(service.history, slug))
    details = await asyncio.to_thread(service.details, slug)
    return mr.details_reply(who.tr, details) if details else mr.not_found(who.tr, slug)


NEW = filters.UpdateType.MESSAGE

HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    CommandHandler("show", on_show, filters=NEW),
    CommandHandler("phrase", on_phrase, filters=NEW),
    CommandHandler("source", on_source, filters=NEW),
    CommandHandler("seen", on_seen, filters=NEW),
    CommandHandler("retire", on_retire, filters=NEW),
    CommandHandler("restore", on_restore, filters=NEW),
    CommandHandler("find", on_find, filters=NEW),
    CommandHandler("list", on_list, filters=NEW),
    CommandHandler("history", on_history, filters=NEW),
    CallbackQueryHandler(on_list_page, pattern=cb.pattern(cb.LIST)),
    CallbackQueryHandler(on_view_button, pattern=cb.pattern(cb.VIEW)),
]
