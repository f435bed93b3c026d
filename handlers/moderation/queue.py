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
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.context import TekserContext, send_reply
from handlers.moderation import add
from handlers.moderation import add_views as mr_add
from handlers.moderation import callback_data as cb
from handlers.moderation import queue_views as mr_queue
from handlers.moderation import views as mr
from handlers.moderation.access import (
    Acting,
    acting,
    command_text,
    input_number,
    moderation,
    moderator_translator,
    next_prompt,
    say,
    show,
    user_input,
)
from handlers.moderation.delivery import deliver_answers
from handlers.moderation.i18n import moderation_translator
from handlers.public import callback_data as public_callbacks
from handlers.public.incoming import read_message
from handlers.public.views import Reply
from knowledge.moderation import editing
from knowledge.moderation.drafts import DraftDebunk
from knowledge.moderation.editing import EditError

log = logging.getLogger(__name__)

END = ConversationHandler.END
SEARCH = "queue-search"
ANNOUNCE_JOB = "moderation-announce"


async def queue_reply(context: TekserContext, who: Acting, position: int = 1) -> Reply:
    """The group at `position` (1-based; past the end starts again), or "empty"."""
    service = moderation(context)
    groups = await asyncio.to_thread(service.queue)
    if not groups:
        return mr_queue.queue_empty(who.tr)
    position = position if 1 <= position <= len(groups) else 1
    pending = sum(g.count for g in groups)
    group = groups[position - 1]
    return mr_queue.queue_item(
        who.tr, group, position=position, groups=len(groups), pending=pending
    )


async def on_queue(update: Update, context: TekserContext) -> None:
    """/queue: the oldest pending submission (with identical ones counted) and its buttons."""
    who = await acting(update, context, groups=True)
    if who is not None:
        await say(context, who, await queue_reply(context, who))


async def on_next(update: Update, context: TekserContext) -> None:
    """⏭ Next (in place) and ↩️ Back / the queue again."""
    who = await acting(update, context, groups=True)
    if who is None or update.callback_query is None:
        return
    items = cb.parts(update.callback_query.data or "")
    position = (cb.number(items, 1) or 0) + 1 if cb.text(items, 0) == "k" else 1
    await show(update, context, who, await queue_reply(context, who, position))


async def on_link(update: Update, context: TekserContext) -> None:
    """🔗 Link to a debunk: the closest published debunks, and a search button."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    service = moderation(context)
    group = await asyncio.to_thread(service.group, input_number(update))
    if group is None:
        await _gone(update, who)
        return
    candidates = await asyncio.to_thread(service.candidates, group.text)
    await show(update, context, who, mr_queue.link_candidates(who.tr, group, candidates))


async def on_search(update: Update, context: TekserContext) -> object:
    """🔎 Search: the next message is a search among all debunks."""
    who = await acting(update, context)
    if who is None:
        return END
    head = input_number(update)
    await asyncio.to_thread(moderation(context).save_task, who.user_id, {"link": head})
    await next_prompt(update, context, who, mr_queue.search_prompt(who.tr))
    return SEARCH


async def on_search_text(update: Update, context: TekserContext) -> object:
    """The words to search for: results as buttons (send other words to search again)."""
    who = await acting(update, context)
    if who is None:
        return END
    service = moderation(context)
    task = await asyncio.to_thread(service.task, who.user_id)
    query = user_input(update)
    items = await asyncio.to_thread(service.find, query)
    head = int(task.get("link", 0))
    await say(context, who, mr_queue.search_results(who.tr, head=head, query=query, items=items))
    return SEARCH


async def on_pick(update: Update, context: TekserContext) -> object:
    """A debunk picked (or ☑️ toggled): confirm the link, with "add as a wording" ticked."""
    who = await acting(update, context, groups=True)
    if who is None or update.callback_query is None:
        return END
    items = cb.parts(update.callback_query.data or "")
    head, debunk_id, tick = (cb.number(items, i) or 0 for i in (1, 2, 3))
    service = moderation(context)
    group = await asyncio.to_thread(service.group, head)
    listing = await asyncio.to_thread(service.listing, debunk_id)
    if group is None or listing is None:
        await _gone(update, who)
        return END
    await show(
        update, context, who, mr_queue.link_confirm(who.tr, group, listing, add_wording=tick == 1)
    )
    return END


async def on_confirm_link(update: Update, context: TekserContext) -> None:
    """✅ Link: the group is answered; its senders get the card if it is published."""
    who = await acting(update, context, groups=True)
    if who is None or update.callback_query is None:
        return
    items = cb.parts(update.callback_query.data or "")
    head, debunk_id, tick = (cb.number(items, i) or 0 for i in (1, 2, 3))
    service = moderation(context)
    slug = await asyncio.to_thread(service.slug_of, debunk_id)
    try:
        result = await asyncio.to_thread(
            service.link, who.actor, submission_id=head, slug=slug or "", add_wording=tick == 1
        )
    except EditError as error:
        await next_prompt(update, context, who, mr.edit_error(who.tr, error))
        return
    if result is None:
        await _gone(update, who)
        return
    delivered = await deliver_answers(context, result.slug) if result.published else 0
    await show(update, context, who, mr_queue.linked(who.tr, result, delivered=delivered))
    await say(context, who, await queue_reply(context, who))


async def on_new_debunk(update: Update, context: TekserContext) -> object:
    """➕ New debunk: /add with the submission's text as the claim (its language to confirm)."""
    who = await acting(update, context)
    if who is None:
        return END
    service = moderation(context)
    group = await asyncio.to_thread(service.group, input_number(update))
    if group is None:
        await _gone(update, who)
        return END
    text = group.text[: editing.WORDING_MAX]
    draft = DraftDebunk(claim=text, lang=editing.detect_language(text), stage=add.LANG)
    draft.submission_ids = list(group.ids)
    await asyncio.to_thread(service.save_draft, who.user_id, draft)
    await next_prompt(update, context, who, mr_add.claim_language(who.tr, draft))
    return add.LANG


async def on_dismiss(update: Update, context: TekserContext) -> None:
    """🙅 Not a claim / ✅ True / 🚫 Spam."""
    who = await acting(update, context, groups=True)
    if who is None or update.callback_query is None:
        return
    items = cb.parts(update.callback_query.data or "")
    reason = mr_queue.REASON_CODES.get(cb.text(items, 2), "not-a-claim")
    service = moderation(context)
    group = await asyncio.to_thread(
        service.dismiss, who.actor, submission_id=cb.number(items, 1) or 0, reason=reason
    )
    if group is None:
        await _gone(update, who)
        return
    await show(update, context, who, mr_queue.dismissed(who.tr, reason=reason, group=group))
    if reason != "spam":
        await say(context, who, await queue_reply(context, who))


async def on_block(update: Update, context: TekserContext) -> None:
    """🚫 Block the sender (after dismissing as spam)."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    service = moderation(context)
    ids = await asyncio.to_thread(service.spam_senders, input_number(update))
    n = await asyncio.to_thread(service.block, who.actor, submission_ids=ids)
    await show(update, context, who, mr_queue.blocked(who.tr, n=n))


async def on_unblock(update: Update, context: TekserContext) -> None:
    """/unblock: the blocked senders with buttons; /unblock <number> unblocks one."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    service = moderation(context)
    wanted = command_text(update).lstrip("#")
    if wanted.isdigit():
        row = await asyncio.to_thread(service.unblock, who.actor, block_id=int(wanted))
        await say(context, who, mr_queue.unblocked(who.tr, found=row is not None))
        return
    await say(context, who, mr_queue.blocks_list(who.tr, await asyncio.to_thread(service.blocks)))


async def on_unblock_button(update: Update, context: TekserContext) -> None:
    """✅ Unblock #n."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    block_id = input_number(update)
    row = await asyncio.to_thread(moderation(context).unblock, who.actor, block_id=block_id)
    await show(update, context, who, mr_queue.unblocked(who.tr, found=row is not None))


async def _gone(update: Update, who: Acting) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(mr_queue.queue_gone(who.tr), show_alert=True)


# ---------------------------------------------------------------- around public submissions


async def before_submit(update: Update, context: TekserContext) -> None:
    """Ahead of the public "Send to fact-checkers": a blocked reader is stopped here."""
    query = update.callback_query
    assert query is not None
    if await asyncio.to_thread(moderation(context).is_blocked, query.from_user.id):
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
    await asyncio.to_thread(moderation(context).record_contact, user.id, text=text, chat_id=user.id)
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
    news = await asyncio.to_thread(moderation(context).take_announcement)
    if news is None or chat_id is None:
        return
    tr = moderation_translator(context.settings.moderator_chat_language)
    try:
        await send_reply(context, chat_id, mr_queue.announcement(tr, news))
    except TelegramError as error:  # not in that chat (any more), ...
        log.warning("cannot announce in the moderators' chat: %s", error.message)


def _button(action: str) -> str:
    return rf"^{cb.QUEUE}:{action}(:|$)"


TEXT = filters.TEXT & ~filters.COMMAND

ENTRY_POINTS: list[BaseHandler[Update, Any, Any]] = [
    CallbackQueryHandler(on_search, pattern=_button("f")),
    CallbackQueryHandler(on_new_debunk, pattern=_button("n")),
]
STATES: dict[object, list[BaseHandler[Update, Any, Any]]] = {
    SEARCH: [
        MessageHandler(TEXT, on_search_text),
        CallbackQueryHandler(on_pick, pattern=_button("p")),
    ],
}
HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    CommandHandler("queue", on_queue, filters=filters.UpdateType.MESSAGE),
    CommandHandler("unblock", on_unblock, filters=filters.UpdateType.MESSAGE),
    CallbackQueryHandler(on_next, pattern=_button("(k|q)")),
    CallbackQueryHandler(on_link, pattern=_button("l")),
    CallbackQueryHandler(on_pick, pattern=_button("(p|t)")),
    CallbackQueryHandler(on_confirm_link, pattern=_button("y")),
    CallbackQueryHandler(on_dismiss, pattern=_button("d")),
    CallbackQueryHandler(on_block, pattern=_button("b")),
    CallbackQueryHandler(on_unblock_button, pattern=cb.pattern(cb.UNBLOCK)),
]
BEFORE_PUBLIC: list[BaseHandler[Update, Any, Any]] = [
    CallbackQueryHandler(before_submit, pattern=public_callbacks.SUBMIT_PATTERN),
]
AFTER_PUBLIC: list[BaseHandler[Update, Any, Any]] = [
    CallbackQueryHandler(after_submit, pattern=public_callbacks.SUBMIT_PATTERN),
]
