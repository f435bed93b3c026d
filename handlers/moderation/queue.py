"""The review queue: /queue (oldest first, identical texts grouped), Link to a debunk (candidates
or a search; the text becoming a new wording unless unticked), New debunk (/add prefilled),
Dismiss (not a claim / true / spam, spam optionally blocking the senders), /unblock.

Around the public "Send to fact-checkers" button: blocked readers are stopped before it is
stored, the submitter's chat is remembered (to send the answer) and the moderators' chat hears
of new submissions in batches.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, cast

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, CallbackContext, CallbackQueryHandler

from handlers.context import TekserContext, send_reply
from handlers.moderation import add
from handlers.moderation import add_views as mr_add
from handlers.moderation import callback_data as cb
from handlers.moderation import queue_views as mr_queue
from handlers.moderation import views as mr
from handlers.moderation.access import (
    Acting,
    button,
    moderation,
    moderator_command,
    moderator_translator,
    user_input,
)
from handlers.moderation.delivery import deliver_answers
from handlers.moderation.i18n import moderation_translator
from handlers.moderation.routes import END, Handlers, States, command, message, pressed
from handlers.public import callback_data as public_callbacks
from handlers.public.incoming import read_message
from handlers.public.views import Reply
from knowledge.matching.languages import claim_language
from knowledge.moderation import editing
from knowledge.moderation.drafts import DraftDebunk
from knowledge.moderation.editing import EditError
from knowledge.moderation.review import QueueGroup

log = logging.getLogger(__name__)

SEARCH = "queue-search"
ANNOUNCE_JOB = "moderation-announce"


async def queue_reply(who: Acting, position: int = 1) -> Reply:
    """The group at `position` (1-based; past the end starts again), or "empty"."""
    service = who.service
    groups = await asyncio.to_thread(service.queue.queue)
    if not groups:
        return mr_queue.queue_empty(who.tr)
    position = position if 1 <= position <= len(groups) else 1
    pending = sum(g.count for g in groups)
    group = groups[position - 1]
    return mr_queue.queue_item(
        who.tr, group, position=position, groups=len(groups), pending=pending
    )


async def _waiting(who: Acting, submission: int) -> QueueGroup | None:
    """The submission's group while it waits, else None after saying someone dealt with it."""
    group = await asyncio.to_thread(who.service.queue.group, submission)
    if group is None:
        await who.alert(mr_queue.queue_gone(who.tr))
    return group


@moderator_command(groups=True)
async def on_queue(who: Acting, _: str) -> None:
    """/queue: the oldest pending submission (with identical ones counted) and its buttons."""
    await who.say(await queue_reply(who))


@moderator_command(parse=button(cb.QueueNext), groups=True)
async def on_next(who: Acting, data: cb.QueueNext) -> None:
    """⏭ Next (in place)."""
    await who.show(await queue_reply(who, data.position + 1))


@moderator_command(parse=button(cb.QueueAction), groups=True)
async def on_back(who: Acting, _: cb.QueueAction) -> None:
    """↩️ Back / the queue again, from its start."""
    await who.show(await queue_reply(who))


@moderator_command(parse=button(cb.QueueAction), groups=True)
async def on_link(who: Acting, data: cb.QueueAction) -> None:
    """🔗 Link to a debunk: the closest published debunks, and a search button."""
    group = await _waiting(who, data.submission)
    if group is None:
        return
    candidates = await asyncio.to_thread(who.service.queue.candidates, group.text)
    await who.show(mr_queue.link_candidates(who.tr, group, candidates))


@moderator_command(parse=button(cb.QueueAction), refused=END)
async def on_search(who: Acting, data: cb.QueueAction) -> object:
    """🔎 Search: the next message is a search among all debunks."""
    task = {"link": data.submission}
    await asyncio.to_thread(who.service.desks.save_task, who.user_id, task)
    await who.next_prompt(mr_queue.search_prompt(who.tr))
    return SEARCH


@moderator_command(parse=user_input, refused=END)
async def on_search_text(who: Acting, query: str) -> object:
    """The words to search for: results as buttons (send other words to search again)."""
    service = who.service
    task = await asyncio.to_thread(service.desks.task, who.user_id)
    items = await asyncio.to_thread(service.debunks.find, query)
    head = int(task.get("link", 0))
    await who.say(mr_queue.search_results(who.tr, head=head, query=query, items=items))
    return SEARCH


def _picked(update: Update) -> cb.QueuePick | None:
    """A debunk picked for a submission, or the ☑️ toggle of the same choice."""
    return button(cb.QueuePick)(update) or button(cb.QueueToggle)(update)


@moderator_command(parse=_picked, groups=True, refused=END)
async def on_pick(who: Acting, data: cb.QueuePick) -> object:
    """A debunk picked (or ☑️ toggled): confirm the link, with "add as a wording" ticked."""
    group = await asyncio.to_thread(who.service.queue.group, data.submission)
    listing = await asyncio.to_thread(who.service.debunks.listing, data.debunk_id)
    if group is None or listing is None:
        await who.alert(mr_queue.queue_gone(who.tr))
        return END
    tick = data.add_wording == 1
    await who.show(mr_queue.link_confirm(who.tr, group, listing, add_wording=tick))
    return END


@moderator_command(parse=button(cb.QueueConfirm), groups=True)
async def on_confirm_link(who: Acting, data: cb.QueueConfirm) -> None:
    """✅ Link: the group is answered; its senders get the card if it is published."""
    service = who.service
    slug = await asyncio.to_thread(service.debunks.slug_of, data.debunk_id)
    try:
        result = await asyncio.to_thread(
            service.queue.link, who.actor, submission_id=data.submission, slug=slug or "",
            add_wording=data.add_wording == 1,
        )  # fmt: skip
    except EditError as error:
        await who.next_prompt(mr.edit_error(who.tr, error))
        return
    if result is None:
        await who.alert(mr_queue.queue_gone(who.tr))
        return
    delivered = await deliver_answers(who.context, result.slug) if result.published else 0
    await who.show(mr_queue.linked(who.tr, result, delivered=delivered))
    await who.say(await queue_reply(who))


@moderator_command(parse=button(cb.QueueAction), refused=END)
async def on_new_debunk(who: Acting, data: cb.QueueAction) -> object:
    """➕ New debunk: /add with the submission's text as the claim (its language to confirm)."""
    group = await _waiting(who, data.submission)
    if group is None:
        return END
    text = group.text[: editing.WORDING_MAX]
    draft = DraftDebunk(claim=text, lang=claim_language(text), stage=add.LANG)
    draft.submission_ids = list(group.ids)
    await asyncio.to_thread(who.service.desks.save_draft, who.user_id, draft)
    await who.next_prompt(mr_add.claim_language(who.tr, draft))
    return add.LANG


@moderator_command(parse=button(cb.QueueDismiss), groups=True)
async def on_dismiss(who: Acting, data: cb.QueueDismiss) -> None:
    """🙅 Not a claim / ✅ True / 🚫 Spam."""
    reason = mr_queue.REASON_CODES.get(data.reason, "not-a-claim")
    group = await asyncio.to_thread(
        who.service.queue.dismiss, who.actor, submission_id=data.submission, reason=reason
    )
    if group is None:
        await who.alert(mr_queue.queue_gone(who.tr))
        return
    await who.show(mr_queue.dismissed(who.tr, reason=reason, group=group))
    if reason != "spam":
        await who.say(await queue_reply(who))


@moderator_command(parse=button(cb.QueueAction), groups=True)
async def on_block(who: Acting, data: cb.QueueAction) -> None:
    """🚫 Block the sender (after dismissing as spam)."""
    service = who.service
    ids = await asyncio.to_thread(service.queue.spam_senders, data.submission)
    n = await asyncio.to_thread(service.queue.block, who.actor, submission_ids=ids)
    await who.show(mr_queue.blocked(who.tr, n=n))


@moderator_command(groups=True)
async def on_unblock(who: Acting, text: str) -> None:
    """/unblock: the blocked senders with buttons; /unblock <number> unblocks one."""
    service = who.service
    wanted = text.lstrip("#")
    if wanted.isdigit():
        row = await asyncio.to_thread(service.queue.unblock, who.actor, block_id=int(wanted))
        await who.say(mr_queue.unblocked(who.tr, found=row is not None))
        return
    await who.say(mr_queue.blocks_list(who.tr, await asyncio.to_thread(service.queue.blocks)))


@moderator_command(parse=button(cb.Unblock), groups=True)
async def on_unblock_button(who: Acting, data: cb.Unblock) -> None:
    """✅ Unblock #n."""
    row = await asyncio.to_thread(who.service.queue.unblock, who.actor, block_id=data.block_id)
    await who.show(mr_queue.unblocked(who.tr, found=row is not None))


# ---------------------------------------------------------------- around public submissions


async def before_submit(update: Update, context: TekserContext) -> None:
    """Ahead of the public "Send to fact-checkers": a blocked reader is stopped here."""
    query = update.callback_query
    assert query is not None
    if await asyncio.to_thread(moderation(context).queue.is_blocked, query.from_user.id):
        tr = await moderator_translator(context, update)
        await query.answer(mr_queue.blocked_submitter(tr), show_alert=True)
        raise ApplicationHandlerStop


async def after_submit(update: Update, context: TekserContext) -> None:
    """After the submission is stored: remember where to send the answer, and schedule the
    announcement in the moderators' chat."""
    query = update.callback_query
    assert query is not None
    answered = query.message if isinstance(query.message, Message) else None
    original = answered.reply_to_message if answered is not None else None
    if original is None:
        return
    text, user = read_message(original).query, query.from_user
    await asyncio.to_thread(
        moderation(context).queue.record_contact, user.id, text=text, chat_id=user.id
    )
    schedule_announcement(context)


def schedule_announcement(context: TekserContext) -> None:
    """One announcement per period, whatever the number of submissions in it."""
    settings, jobs = context.settings, context.application.job_queue
    if settings.moderator_chat_id is None or jobs is None or jobs.get_jobs_by_name(ANNOUNCE_JOB):
        return
    delay = timedelta(seconds=settings.moderator_announce_seconds)
    jobs.run_once(announce, when=delay, name=ANNOUNCE_JOB)


async def announce(job_context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Tell the moderators' chat about the submissions that arrived since the last time."""
    context = cast(TekserContext, job_context)
    chat_id = context.settings.moderator_chat_id
    news = await asyncio.to_thread(moderation(context).queue.take_announcement)
    if news is None or chat_id is None:
        return
    tr = moderation_translator(context.settings.moderator_chat_language)
    try:
        await send_reply(context, chat_id, mr_queue.announcement(tr, news))
    except TelegramError as error:  # not in that chat (any more), ...
        log.warning("cannot announce in the moderators' chat: %s", error.message)


ENTRY_POINTS: Handlers = [
    pressed(cb.QueueAction, on_search, cb.QUEUE_SEARCH),
    pressed(cb.QueueAction, on_new_debunk, cb.QUEUE_NEW),
]
STATES: States = {
    SEARCH: [
        message(on_search_text),
        pressed(cb.QueuePick, on_pick),
    ],
}
HANDLERS: Handlers = [
    command("queue", on_queue),
    command("unblock", on_unblock),
    pressed(cb.QueueNext, on_next),
    pressed(cb.QueueAction, on_back, cb.QUEUE_BACK),
    pressed(cb.QueueAction, on_link, cb.QUEUE_LINK),
    pressed(cb.QueuePick, on_pick),
    pressed(cb.QueueToggle, on_pick),
    pressed(cb.QueueConfirm, on_confirm_link),
    pressed(cb.QueueDismiss, on_dismiss),
    pressed(cb.QueueAction, on_block, cb.QUEUE_BLOCK),
    pressed(cb.Unblock, on_unblock_button),
]
BEFORE_PUBLIC: Handlers = [
    CallbackQueryHandler(before_submit, pattern=public_callbacks.SUBMIT_PATTERN),
]
AFTER_PUBLIC: Handlers = [
    CallbackQueryHandler(after_submit, pattern=public_callbacks.SUBMIT_PATTERN),
]
