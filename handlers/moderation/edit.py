"""/edit <slug>: pick a field with buttons, send the new value. The edit carries the version the
moderator opened; if someone changed the debunk meanwhile, it is refused naming who. A corrected
verdict or disproof of a published card can be sent to the readers who received it lately."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from telegram import InlineKeyboardMarkup, Message

from handlers.moderation import callback_data as cb
from handlers.moderation import edit_views as mr_edit
from handlers.moderation import queue_views as mr_queue
from handlers.moderation import views as mr
from handlers.moderation.access import Acting, button, moderator_command, user_input
from handlers.moderation.delivery import deliver
from handlers.moderation.routes import END, Handlers, States, command, message, pressed
from handlers.public.views import Reply
from knowledge.moderation import editing
from knowledge.moderation.editing import EditError, StaleEdit

MENU, VERDICT, LANG, VALUE, REMOVE = (
    "edit-menu",
    "edit-verdict",
    "edit-lang",
    "edit-value",
    ("edit-remove"),
)


@moderator_command(refused=END)
async def on_edit(who: Acting, text: str) -> object:
    """/edit <slug>: the fields to change, as buttons."""
    return await _open(who, (text.split() or [""])[0])


@moderator_command(parse=button(cb.EditOpen), refused=END)
async def on_edit_button(who: Acting, data: cb.EditOpen) -> object:
    """✏️ Edit under /show."""
    slug = await asyncio.to_thread(who.service.debunks.slug_of, data.debunk_id)
    return await _open(who, slug or "")


async def _open(who: Acting, slug: str) -> object:
    service = who.service
    details = await asyncio.to_thread(service.debunks.details, slug) if slug else None
    if details is None:
        await who.next_prompt(_missing(who, slug))
        return END
    task = {"slug": details.card.slug, "version": details.card.version}
    await asyncio.to_thread(service.desks.save_task, who.user_id, task)
    await who.next_prompt(mr_edit.edit_menu(who.tr, details))
    return MENU


def _missing(who: Acting, slug: str) -> Reply:
    return mr.not_found(who.tr, slug) if slug else mr.usage(who.tr, "/edit slug")


@moderator_command(parse=button(cb.EditChoice), refused=END)
async def on_field(who: Acting, data: cb.EditChoice) -> object:
    """A field button: verdict buttons, a language choice, the removal list, or a value prompt."""
    service = who.service
    task = await asyncio.to_thread(service.desks.task, who.user_id)
    details = await asyncio.to_thread(service.debunks.details, task.get("slug", ""))
    if details is None:
        return END
    task["field"] = data.choice
    await asyncio.to_thread(service.desks.save_task, who.user_id, task)
    reply, state = _field_prompt(who, details, data.choice)
    await who.next_prompt(reply)
    return state


def _field_prompt(who: Acting, details: Any, field: str) -> tuple[Reply, object]:
    card = details.card
    if field == "verdict":
        choice = functools.partial(cb.EditChoice, "verdict")
        return mr.verdict_prompt(who.tr, choice, current=card.verdict), VERDICT
    if field in ("title", "disproof"):
        return mr_edit.edit_languages(who.tr, field=field, card=card), LANG
    if field in ("wording", "source"):
        return mr_edit.removal_choice(who.tr, kind=field, details=details), REMOVE
    current = ", ".join(card.tags)
    return mr_edit.value_prompt(who.tr, field="tags", lang="", current=current), VALUE


@moderator_command(parse=button(cb.EditLanguage), refused=END)
async def on_language(who: Acting, data: cb.EditLanguage) -> object:
    """A language for the title or disproof: its current text, and the prompt for the new one."""
    service = who.service
    task = await asyncio.to_thread(service.desks.task, who.user_id)
    task["lang"] = data.lang
    await asyncio.to_thread(service.desks.save_task, who.user_id, task)
    card = await asyncio.to_thread(service.debunks.card, task.get("slug", ""))
    texts = (card.titles if task.get("field") == "title" else card.disproofs) if card else {}
    current = texts.get(task["lang"], "")
    reply = mr_edit.value_prompt(
        who.tr, field=task.get("field", ""), lang=task["lang"], current=current
    )
    await who.next_prompt(reply)
    return VALUE


@moderator_command(parse=button(cb.EditChoice), refused=END)
async def on_verdict(who: Acting, data: cb.EditChoice) -> object:
    """A verdict button."""
    return await _save(who, editing.set_verdict, verdict=data.choice)


@moderator_command(parse=user_input, refused=END)
async def on_value(who: Acting, text: str) -> object:
    """The new title, disproof (in the chosen language) or tags."""
    task = await asyncio.to_thread(who.service.desks.task, who.user_id)
    if task.get("field") == "tags":
        try:
            tags = editing.parse_tags(text)
        except EditError as error:
            await who.say(mr.edit_error(who.tr, error))
            return VALUE
        return await _save(who, editing.set_tags, tags=tags)
    return await _save(
        who, editing.set_text, field=task.get("field", ""),
        lang=task.get("lang", ""), text=text,
    )  # fmt: skip


@moderator_command(parse=button(cb.EditRemove), refused=END)
async def on_remove(who: Acting, data: cb.EditRemove) -> object:
    """✖️ under the list of wordings or sources."""
    return await _save(who, editing.remove_child, kind=data.kind, child_id=data.child_id)


async def _save(who: Acting, edit: Any, **kwargs: Any) -> object:
    """Apply an edit against the version the moderator opened; show the menu again."""
    service = who.service
    task = await asyncio.to_thread(service.desks.task, who.user_id)
    try:
        change = await asyncio.to_thread(
            service.debunks.change, edit, slug=task.get("slug", ""), actor=who.actor,
            expected_version=int(task.get("version", 0)), **kwargs,
        )  # fmt: skip
    except EditError as error:
        await who.next_prompt(mr.edit_error(who.tr, error))
        return END if isinstance(error, StaleEdit) else _retry_state(task)
    await asyncio.to_thread(
        service.desks.save_task, who.user_id, {**task, "version": change.version}
    )
    details = await asyncio.to_thread(service.debunks.details, change.slug)
    assert details is not None
    readers = await asyncio.to_thread(service.queue.recipients, change.slug)
    reached = len(readers) if change.corrects_card else 0
    await who.next_prompt(mr_edit.saved_more(who.tr, change, details, readers=reached))
    return MENU


def _retry_state(task: dict[str, Any]) -> object:
    return VALUE if task.get("field") in ("title", "disproof", "tags") else MENU


@moderator_command(parse=button(cb.EditChoice), refused=END)
async def on_done(who: Acting, _: cb.EditChoice) -> object:
    """✔️ Done."""
    await asyncio.to_thread(who.service.desks.save_task, who.user_id, None)
    await who.next_prompt(mr_edit.edit_closed(who.tr))
    return END


@moderator_command(parse=button(cb.EditResend))
async def on_resend(who: Acting, data: cb.EditResend) -> None:
    """📨 Send the correction: the current card to every reader who got it in 30 days."""
    service = who.service
    slug = await asyncio.to_thread(service.debunks.slug_of, data.debunk_id)
    readers = await asyncio.to_thread(service.queue.recipients, slug) if slug else []
    await _drop_resend_button(who)
    await who.say(mr_edit.resend_started(who.tr, n=len(readers)))
    who.context.application.create_task(_resend(who, readers), update=who.update)


async def _drop_resend_button(who: Acting) -> None:
    """The offer is taken: its button goes (the rest of the menu stays)."""
    query = who.update.callback_query
    assert query is not None
    await query.answer()
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [
        [b for b in row if cb.EditResend.parse(b.callback_data) is None]
        for row in message.reply_markup.inline_keyboard
    ]
    await query.edit_message_reply_markup(InlineKeyboardMarkup([r for r in rows if r]))


async def _resend(who: Acting, readers: list[Any]) -> None:
    sent = await deliver(who.context, readers, intro=mr_queue.correction_intro)
    await who.say(mr_edit.resent(who.tr, n=sent))


ENTRY_POINTS: Handlers = [
    command("edit", on_edit),
    pressed(cb.EditOpen, on_edit_button),
]
STATES: States = {
    MENU: [
        pressed(cb.EditChoice, on_field, "f"),
        pressed(cb.EditChoice, on_done, "done"),
    ],
    VERDICT: [pressed(cb.EditChoice, on_verdict, "verdict")],
    LANG: [pressed(cb.EditLanguage, on_language)],
    VALUE: [message(on_value)],
    REMOVE: [pressed(cb.EditRemove, on_remove)],
}
HANDLERS: Handlers = [
    pressed(cb.EditResend, on_resend),
]
