"""/edit <slug>: pick a field with buttons, send the new value. The edit carries the version the
moderator opened; if someone changed the debunk meanwhile, it is refused naming who. A corrected
verdict or disproof of a published card can be sent to the readers who received it lately."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
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
from handlers.moderation import queue_views as mr_queue
from handlers.moderation import views as mr
from handlers.moderation.access import (
    Acting,
    acting,
    command_text,
    input_number,
    moderation,
    next_prompt,
    say,
    user_input,
)
from handlers.moderation.delivery import deliver
from handlers.public.views import Reply
from knowledge.moderation import editing
from knowledge.moderation.editing import EditError, StaleEdit

END = ConversationHandler.END
MENU, VERDICT, LANG, VALUE, REMOVE = (
    "edit-menu",
    "edit-verdict",
    "edit-lang",
    "edit-value",
    ("edit-remove"),
)


async def on_edit(update: Update, context: TekserContext) -> object:
    """/edit <slug> (or ✏️ Edit under /show): the fields to change, as buttons."""
    who = await acting(update, context)
    if who is None:
        return END
    service = moderation(context)
    slug: str | None = command_text(update).split(maxsplit=1)[0] if command_text(update) else ""
    if update.callback_query is not None:
        slug = await asyncio.to_thread(service.slug_of, input_number(update))
    slug = slug or ""
    details = await asyncio.to_thread(service.details, slug) if slug else None
    if details is None:
        await next_prompt(update, context, who, _missing(who, slug))
        return END
    task = {"slug": details.card.slug, "version": details.card.version}
    await asyncio.to_thread(service.save_task, who.user_id, task)
    await next_prompt(update, context, who, mr.edit_menu(who.tr, details))
    return MENU


def _missing(who: Acting, slug: str) -> Reply:
    return mr.not_found(who.tr, slug) if slug else mr.usage(who.tr, "/edit slug")


async def on_field(update: Update, context: TekserContext) -> object:
    """A field button: verdict buttons, a language choice, the removal list, or a value prompt."""
    who = await acting(update, context)
    if who is None:
        return END
    service = moderation(context)
    task = await asyncio.to_thread(service.task, who.user_id)
    details = await asyncio.to_thread(service.details, task.get("slug", ""))
    if details is None:
        return END
    field = user_input(update)
    task["field"] = field
    await asyncio.to_thread(service.save_task, who.user_id, task)
    reply, state = _field_prompt(who, details, field)
    await next_prompt(update, context, who, reply)
    return state


def _field_prompt(who: Acting, details: Any, field: str) -> tuple[Reply, object]:
    card = details.card
    if field == "verdict":
        return mr.verdict_prompt(who.tr, prefix=cb.EDIT, current=card.verdict), VERDICT
    if field in ("title", "disproof"):
        return mr.edit_languages(who.tr, field=field, card=card), LANG
    if field in ("wording", "source"):
        return mr.removal_choice(who.tr, kind=field, details=details), REMOVE
    current = ", ".join(card.tags)
    return mr.value_prompt(who.tr, field="tags", lang="", current=current), VALUE


async def on_language(update: Update, context: TekserContext) -> object:
    """A language for the title or disproof: its current text, and the prompt for the new one."""
    who = await acting(update, context)
    if who is None:
        return END
    service = moderation(context)
    task = await asyncio.to_thread(service.task, who.user_id)
    task["lang"] = user_input(update)
    await asyncio.to_thread(service.save_task, who.user_id, task)
    card = await asyncio.to_thread(service.card, task.get("slug", ""))
    texts = (card.titles if task.get("field") == "title" else card.disproofs) if card else {}
    current = texts.get(task["lang"], "")
    reply = mr.value_prompt(who.tr, field=task.get("field", ""), lang=task["lang"], current=current)
    await next_prompt(update, context, who, reply)
    return VALUE


async def on_verdict(update: Update, context: TekserContext) -> object:
    """A verdict button."""
    return await _save(update, context, editing.set_verdict, verdict=user_input(update))


async def on_value(update: Update, context: TekserContext) -> object:
    """The new title, disproof (in the chosen language) or tags."""
    who = await acting(update, context)
    if who is None:
        return END
    task = await asyncio.to_thread(moderation(context).task, who.user_id)
    text = user_input(update)
    if task.get("field") == "tags":
        try:
            tags = editing.parse_tags(text)
        except EditError as error:
            await say(context, who, mr.edit_error(who.tr, error))
            return VALUE
        return await _save(update, context, editing.set_tags, tags=tags)
    return await _save(
        update, context, editing.set_text, field=task.get("field", ""), lang=task.get("lang", ""),
        text=text,
    )  # fmt: skip


async def on_remove(update: Update, context: TekserContext) -> object:
    """✖️ under the list of wordings or sources."""
    items = cb.parts(update.callback_query.data or "") if update.callback_query else []
    kind, child = cb.text(items, 1), cb.number(items, 2) or 0
    return await _save(update, context, editing.remove_child, kind=kind, child_id=child)


async def _save(update: Update, context: TekserContext, edit: Any, **kwargs: Any) -> object:
    """Apply an edit against the version the moderator opened; show the menu again."""
    who = await acting(update, context)
    if who is None:
        return END
    service = moderation(context)
    task = await asyncio.to_thread(service.task, who.user_id)
    try:
        change = await asyncio.to_thread(
            service.change, edit, slug=task.get("slug", ""), actor=who.actor,
            expected_version=int(task.get("version", 0)), **kwargs,
        )  # fmt: skip
    except EditError as error:
        await next_prompt(update, context, who, mr.edit_error(who.tr, error))
        return END if isinstance(error, StaleEdit) else _retry_state(task)
    await asyncio.to_thread(service.save_task, who.user_id, {**task, "version": change.version})
    details = await asyncio.to_thread(service.details, change.slug)
    assert details is not None
    readers = await asyncio.to_thread(service.recipients, change.slug)
    reached = len(readers) if change.corrects_card else 0
    await next_prompt(update, context, who, mr.saved_more(who.tr, change, details, readers=reached))
    return MENU


def _retry_state(task: dict[str, Any]) -> object:
    return VALUE if task.get("field") in ("title", "disproof", "tags") else MENU


async def on_done(update: Update, context: TekserContext) -> object:
    """✔️ Done."""
    who = await acting(update, context)
    if who is None:
        return END
    await asyncio.to_thread(moderation(context).save_task, who.user_id, None)
    await next_prompt(update, context, who, mr.edit_closed(who.tr))
    return END


async def on_resend(update: Update, context: TekserContext) -> None:
    """📨 Send the correction: the current card to every reader who got it in 30 days."""
    who = await acting(update, context)
    if who is None or update.callback_query is None:
        return
    items = cb.parts(update.callback_query.data or "")
    service = moderation(context)
    slug = await asyncio.to_thread(service.slug_of, cb.number(items, 1) or 0)
    readers = await asyncio.to_thread(service.recipients, slug) if slug else []
    await _drop_resend_button(update)
    await say(context, who, mr.resend_started(who.tr, n=len(readers)))
    context.application.create_task(_resend(context, who, readers), update=update)


async def _drop_resend_button(update: Update) -> None:
    """The offer is taken: its button goes (the rest of the menu stays)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [
        [b for b in row if not str(b.callback_data or "").startswith(f"{cb.EDIT}:rs:")]
        for row in message.reply_markup.inline_keyboard
    ]
    await query.edit_message_reply_markup(InlineKeyboardMarkup([r for r in rows if r]))


async def _resend(context: TekserContext, who: Acting, readers: list[Any]) -> None:
    sent = await deliver(context, readers, intro=mr_queue.correction_intro)
    await say(context, who, mr.resent(who.tr, n=sent))


def _button(action: str) -> str:
    return rf"^{cb.EDIT}:{action}(:|$)"


TEXT = filters.TEXT & ~filters.COMMAND

ENTRY_POINTS: list[BaseHandler[Update, Any, Any]] = [
    CommandHandler("edit", on_edit, filters=filters.UpdateType.MESSAGE),
    CallbackQueryHandler(on_edit, pattern=_button("open")),
]
STATES: dict[object, list[BaseHandler[Update, Any, Any]]] = {
    MENU: [
        CallbackQueryHandler(on_field, pattern=_button("f")),
        CallbackQueryHandler(on_done, pattern=_button("done")),
    ],
    VERDICT: [CallbackQueryHandler(on_verdict, pattern=_button("verdict"))],
    LANG: [CallbackQueryHandler(on_language, pattern=_button("l"))],
    VALUE: [MessageHandler(TEXT, on_value)],
    REMOVE: [CallbackQueryHandler(on_remove, pattern=_button("rm"))],
}
HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    CallbackQueryHandler(on_resend, pattern=_button("rs")),
]
