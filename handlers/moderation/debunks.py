"""One-line moderator commands on debunks: /show /phrase /source /seen /retire /restore /find
/list /history, and the buttons under /show, /find and /list."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from handlers.moderation import callback_data as cb
from handlers.moderation import debunks_views as mr_debunks
from handlers.moderation import pictures
from handlers.moderation import views as mr
from handlers.moderation.access import (
    Acting,
    button,
    moderator_command,
    slug_and_text,
    slug_argument,
    some_text,
    split_first,
)
from handlers.moderation.delivery import deliver_answers
from handlers.moderation.routes import Handlers, command, pressed
from knowledge.debunks.tables import STATUSES
from knowledge.moderation import editing
from knowledge.moderation.editing import Change, EditError


async def apply(who: Acting, edit: Callable[..., Change], **kwargs: Any) -> Change | None:
    """Make one change as `who`, tell them the outcome, and answer waiting submitters when the
    debunk is published. None when the change was refused (they were told why)."""
    try:
        change = await asyncio.to_thread(
            who.service.debunks.change, edit, actor=who.actor, **kwargs
        )
    except EditError as error:
        await who.say(mr.edit_error(who.tr, error))
        return None
    delivered = (
        await deliver_answers(who.context, change.slug) if change.status == "published" else 0
    )
    await who.say(mr.changed(who.tr, change, delivered=delivered))
    return change


@moderator_command("/show slug", parse=slug_argument, groups=True)
async def on_show(who: Acting, slug: str) -> None:
    """/show <slug>: the card and what moderators need (status, version, wordings, sources)."""
    await who.say(await _view(who, "open", slug))


@moderator_command("/phrase slug how people word the claim", parse=slug_and_text, groups=True)
async def on_phrase(who: Acting, args: tuple[str, str]) -> None:
    """/phrase <slug> <text>: another wording of the claim (language detected)."""
    slug, text = args
    await apply(who, editing.add_wording, slug=slug, text=text)


@moderator_command("/source slug https://… Title", parse=slug_and_text, groups=True)
async def on_source(who: Acting, args: tuple[str, str]) -> None:
    """/source <slug> <url> [title]: a source for the disproof."""
    slug, rest = args
    url, title = split_first(rest)
    await apply(who, editing.add_source, slug=slug, url=url, title=title)


@moderator_command("/seen slug https://…", parse=pictures.seen_arguments, groups=True)
async def on_seen(who: Acting, args: tuple[str, str]) -> None:
    """/seen <slug> <url>: where the claim circulates (a link to it will match); /seen <slug> as
    a reply to a photo: a picture it travels with (copies of it will match)."""
    slug, rest = args
    if rest:
        await apply(who, editing.add_appearance, slug=slug, url=rest.split()[0])
    elif attachment := await pictures.attachment(who, pictures.replied_picture(who.update)):
        await apply(who, editing.add_picture, slug=slug, **attachment.edit_arguments())


@moderator_command("/retire slug", parse=slug_argument, groups=True)
async def on_retire(who: Acting, slug: str) -> None:
    """/retire <slug>: stop answering checks with this debunk (kept, restorable)."""
    await apply(who, editing.set_status, slug=slug, status="retired")


@moderator_command("/restore slug", parse=slug_argument, groups=True)
async def on_restore(who: Acting, slug: str) -> None:
    """/restore <slug>: publish a retired debunk (or a draft) again."""
    await apply(who, editing.set_status, slug=slug, status="published")


@moderator_command("/find biolabs", parse=some_text, groups=True)
async def on_find(who: Acting, query: str) -> None:
    """/find <text>: search every debunk, drafts and retired included."""
    items = await asyncio.to_thread(who.service.debunks.find, query)
    await who.say(mr_debunks.found_reply(who.tr, query, items))


@moderator_command(groups=True)
async def on_list(who: Acting, text: str) -> None:
    """/list [published|draft|retired]: debunks newest first, a page at a time."""
    status = (text.split() or ["all"])[0].lower()
    await who.say(await _page(who, status, 0))


@moderator_command(parse=button(cb.ListPage), groups=True)
async def on_list_page(who: Acting, data: cb.ListPage) -> None:
    """◀️ / ▶️ under /list: another page."""
    await who.show(await _page(who, data.status, data.page))


async def _page(who: Acting, status: str, number: int) -> mr.Reply:
    status = status if status in STATUSES else "all"
    page = await asyncio.to_thread(
        who.service.debunks.page, status=None if status == "all" else status, page=number
    )
    return mr_debunks.page_reply(who.tr, page, status=status)


@moderator_command("/history slug", parse=slug_argument, groups=True)
async def on_history(who: Acting, slug: str) -> None:
    """/history <slug>: who changed what, when (newest first)."""
    await who.say(await _view(who, "history", slug))


@moderator_command(parse=button(cb.DebunkButton), groups=True)
async def on_view_button(who: Acting, data: cb.DebunkButton) -> None:
    """A debunk's button: open it (from /find, /list), retire/publish or history (from /show)."""
    slug = await asyncio.to_thread(who.service.debunks.slug_of, data.debunk_id)
    await who.alert()
    if slug is not None and data.action in ("retire", "publish"):
        status = "retired" if data.action == "retire" else "published"
        await apply(who, editing.set_status, slug=slug, status=status)
    else:
        await who.say(await _view(who, data.action, slug))


async def _view(who: Acting, action: str, slug: str | None) -> mr.Reply:
    """A debunk's history, or its details (/show)."""
    service = who.service
    if slug is None:
        return mr.not_found(who.tr, "?")
    if action == "history":
        return mr_debunks.history_reply(
            who.tr, slug, await asyncio.to_thread(service.debunks.history, slug)
        )
    details = await asyncio.to_thread(service.debunks.details, slug)
    return mr_debunks.details_reply(who.tr, details) if details else mr.not_found(who.tr, slug)


HANDLERS: Handlers = [
    command("show", on_show),
    command("phrase", on_phrase),
    command("source", on_source),
    command("seen", on_seen),
    command("retire", on_retire),
    command("restore", on_restore),
    command("find", on_find),
    command("list", on_list),
    command("history", on_history),
    pressed(cb.ListPage, on_list_page),
    pressed(cb.DebunkButton, on_view_button),
]
