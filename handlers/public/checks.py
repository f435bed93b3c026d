"""Checking messages: private texts, captions and forwards, edits, /check, mentions in groups, and
groups' automatic checks (confident matches only, once per message)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from handlers.context import (
    TekserContext,
    answer_message,
    auto_checks_on,
    reader_translator,
    send_reply,
    update_answer,
    withdraw_answer,
)
from handlers.i18n import DEFAULT_LANGUAGE, Translator, translator
from handlers.public import photos
from handlers.public import views as render
from handlers.public.incoming import Incoming, MentionsMe, clean_text, merge, read_message
from handlers.public.limits import Allowance
from knowledge import metrics
from knowledge.audience.service import CardsSent, CheckEntry
from knowledge.debunks import checking as answers
from knowledge.links.preview import expandable_link
from knowledge.matching.languages import text_language
from knowledge.matching.smalltalk import is_smalltalk

TEXT_OR_CAPTION = filters.TEXT | filters.CAPTION
FORWARD_SWEEP_SECONDS = 3.0  # how long past its grace period a held forward counts as orphaned


@dataclass(frozen=True)
class Outcome:
    """What to send for one request, and the check-log line when a check ran."""

    reply: render.Reply
    check: CheckEntry | None = None
    cards: tuple[str, ...] = ()  # slugs of the debunk cards the reply shows (a "match")


def is_request(incoming: Incoming) -> bool:
    """Whether `incoming` asks for a check (and counts against the reader's quota)."""
    return not incoming.empty and not is_smalltalk(incoming.query)


async def compose(
    update: Update,
    context: TekserContext,
    incoming: Incoming,
    tr: Translator,
    *,
    source: str,
    allowance: Allowance | None = None,
) -> Outcome | None:
    """The reply to one request: a hint, a rate-limit notice (once), or the check's answer.
    `allowance`: the request's quota, when the caller already counted it."""
    if incoming.empty:
        return Outcome(render.unsupported_reply(tr))
    if is_smalltalk(incoming.query):
        return Outcome(render.smalltalk_reply(tr))
    user = update.effective_user
    if allowance is None:
        allowance = await context.services.limiter.take(user.id) if user else Allowance.ALLOWED
    if allowance is Allowance.SILENT:
        return None
    if allowance is Allowance.NOTIFY:
        per_minute = context.settings.checks_per_minute
        return Outcome(render.rate_limited_reply(tr, per_minute=per_minute))
    started = time.perf_counter()
    answer = await asyncio.to_thread(
        answers.answer_message, context.kb, incoming.query, cards=context.services.cards
    )
    metrics.CHECK_SECONDS.labels(source="bot").observe(time.perf_counter() - started)
    if answer.verdict != "match":
        answer = await _with_linked_article(context, incoming.query, answer)
    chat_type = update.effective_chat.type if update.effective_chat else ""
    reply = render.answer_reply(
        answer,
        tr,
        bot_username=context.bot.username,
        count=len(context.kb.matcher),
        origin=incoming.origin,
        page_base=context.settings.public_url,
    )
    check = answer.check_entry(source=source, chat_type=chat_type, lang=tr.lang)
    shown = tuple(f.card.slug for f in answer.findings) if answer.verdict == "match" else ()
    return Outcome(reply, check, cards=shown)


async def _with_linked_article(
    context: TekserContext, query: str, answer: answers.Answer
) -> answers.Answer:
    """A message that is mostly a link: check it again with the article's title and opening."""
    links = context.services.links
    url = expandable_link(query) if links is not None else None
    preview = await links.preview(url) if links is not None and url else None
    if preview is None or not preview.text():
        return answer
    text = f"{query}\n\n{preview.text()}"
    return await asyncio.to_thread(
        answers.answer_message, context.kb, text, cards=context.services.cards
    )


async def respond(
    update: Update,
    context: TekserContext,
    target: Message,
    incoming: Incoming,
    *,
    source: str,
    edited: bool = False,
    allowance: Allowance | None = None,
) -> None:
    """Check `incoming` for the reader and answer `target` (or edit the earlier answer)."""
    tr = await reader_translator(context, update.effective_user)
    outcome = await compose(update, context, incoming, tr, source=source, allowance=allowance)
    if outcome is None:
        return
    cards = None  # in a private chat: remembered, so a corrected card can reach this reader
    if target.chat.type == ChatType.PRIVATE and outcome.cards:
        cards = CardsSent(target.chat_id, outcome.cards, tr.lang)
    if edited:
        await update_answer(context, target, outcome.reply, check=outcome.check, cards=cards)
    else:
        await answer_message(context, target, outcome.reply, check=outcome.check, cards=cards)


async def on_private_message(update: Update, context: TekserContext) -> None:
    """A private text, caption, picture or forward; a forward (or a part of an album) waits a
    moment for the reader's words (and the album's other parts)."""
    message = update.effective_message
    assert message is not None
    grace, holds = context.settings.forward_grace_seconds, context.services.holds
    waits = message.forward_origin is not None or message.media_group_id is not None
    if waits and grace > 0:
        data, chat_id = message.to_dict(), message.chat_id
        if await asyncio.to_thread(holds.hold, chat_id=chat_id, message=data, grace=grace):
            context.application.create_task(_release(update, context, chat_id), update=update)
        return
    user, allowance = update.effective_user, None
    if user is not None and is_request(read_message(message)):  # then one transaction for both
        limiter = context.services.limiter
        taken, allowance = await limiter.take_after_forwards(user.id, chat_id=message.chat_id)
    else:
        taken = await asyncio.to_thread(holds.take, chat_id=message.chat_id)
    held = held_messages(context, taken)
    await answer_forwards(update, context, [*held, message], words=True, allowance=allowance)


async def _release(update: Update, context: TekserContext, chat_id: int) -> None:
    """The grace period is over: check the forwards nobody's words took, as one request."""
    await asyncio.sleep(context.settings.forward_grace_seconds)
    taken = await asyncio.to_thread(context.services.holds.take, chat_id=chat_id, due=True)
    await answer_forwards(update, context, held_messages(context, taken))


def held_messages(context: TekserContext, stored: list[dict[str, Any]]) -> list[Message]:
    return [Message.de_json(data, context.bot) for data in stored]


async def answer_forwards(
    update: Update,
    context: TekserContext,
    messages: list[Message],
    *,
    words: bool = False,
    allowance: Allowance | None = None,
) -> None:
    """One answer to the reader's held forwards (and their words, if `words`), replying to the
    first forward; nothing when another worker or the reader's words already took them.
    `allowance`: the quota of the reader's words alone, counted when no forward was held."""
    if not messages:
        return
    if any(photos.picture_file(m) is not None for m in messages):  # read with their pictures
        await photos.respond(update, context, messages, allowance=allowance)
        return
    if words and len(messages) == 1:
        incoming = read_message(messages[0])
        await respond(update, context, messages[0], incoming, source="private", allowance=allowance)
        return
    request = merge(*(read_message(m) for m in messages))
    await respond(update, context, messages[0], request, source="forward")


async def release_overdue_forwards(context: TekserContext) -> None:
    """Job: answer forwards whose worker stopped or died before their grace period ended."""
    overdue = context.settings.forward_grace_seconds + FORWARD_SWEEP_SECONDS
    taken = await asyncio.to_thread(context.services.holds.take_overdue, older_than=overdue)
    for stored in taken.values():
        messages = held_messages(context, stored)
        await answer_forwards(Update(0, message=messages[0]), context, messages)


async def on_private_edit(update: Update, context: TekserContext) -> None:
    """An edited private message: check it again and edit the earlier answer."""
    message = update.effective_message
    assert message is not None
    await respond(update, context, message, read_message(message), source="edit", edited=True)


async def on_check_command(update: Update, context: TekserContext) -> None:
    """/check as a reply to a message (answers under it), or /check followed by a text."""
    message = update.effective_message
    assert message is not None
    target = message.reply_to_message or message
    if message.reply_to_message is not None:
        incoming = read_message(message.reply_to_message)
    else:
        words = (message.text or "").split(maxsplit=1)
        incoming = Incoming(clean_text(words[1] if len(words) > 1 else ""))
    if incoming.empty:
        await _explain(update, context, message, render.check_usage_reply)
        return
    await respond(update, context, target, incoming, source="command")


async def on_mention(update: Update, context: TekserContext) -> None:
    """A group message that mentions the bot: check its text, or the message it replies to."""
    message = update.effective_message
    assert message is not None
    target, incoming = message, read_message(message, drop=f"@{context.bot.username}")
    if message.reply_to_message is not None and (incoming.empty or is_smalltalk(incoming.query)):
        target, incoming = message.reply_to_message, read_message(message.reply_to_message)
    if incoming.empty:
        await _explain(update, context, message, render.mention_usage_reply)
        return
    await respond(update, context, target, incoming, source="mention")


async def _explain(
    update: Update,
    context: TekserContext,
    message: Message,
    usage: Callable[[Translator], render.Reply],
) -> None:
    """How to ask, under the message that asked with nothing to check."""
    tr = await reader_translator(context, update.effective_user)
    await send_reply(context, message.chat_id, usage(tr), reply_to=message.message_id)


def _from_this_bot(message: Message) -> bool:
    """Our own inline cards posted in the group must not be answered."""
    return message.via_bot is not None and message.via_bot.id == message.get_bot().id


async def _auto_answer(update: Update, context: TekserContext, message: Message) -> Outcome | None:
    """In a group with automatic checks: the reply to a confident match, else None."""
    if _from_this_bot(message) or not await auto_checks_on(context, message.chat):
        return None
    incoming = read_message(message)
    if incoming.empty or is_smalltalk(incoming.query):
        return None
    answer = await asyncio.to_thread(
        answers.answer_message, context.kb, incoming.query, cards=context.services.cards
    )
    # a message that denies a debunked claim is left alone: it agrees with the fact-check
    repeated = tuple(f for f in answer.findings if f.stance != "refutes")
    if answer.verdict != "match" or not repeated:
        return None
    answer = replace(answer, findings=repeated)
    tr = translator(text_language(incoming.text) or DEFAULT_LANGUAGE)
    username, page_base = context.bot.username, context.settings.public_url
    reply = render.matches_reply(
        answer.findings, tr, bot_username=username, origin=None, page_base=page_base
    )
    check = answer.check_entry(source="auto", chat_type=message.chat.type, lang=tr.lang)
    return Outcome(reply, check)


async def on_group_message(update: Update, context: TekserContext) -> None:
    """Any group message (channel posts in discussion groups too): automatic checks, if on."""
    message = update.effective_message
    assert message is not None
    outcome = await _auto_answer(update, context, message)
    if outcome is None:
        return
    if await asyncio.to_thread(context.audience.reply_for, message.chat_id, message.message_id):
        return  # answered already (a repeated delivery)
    await answer_message(context, message, outcome.reply, check=outcome.check)


async def on_group_edit(update: Update, context: TekserContext) -> None:
    """An edited group message under automatic checks: update or withdraw our answer."""
    message = update.effective_message
    assert message is not None
    if not await auto_checks_on(context, message.chat):
        return
    outcome = await _auto_answer(update, context, message)
    if outcome is None:
        await withdraw_answer(context, message)
    else:
        await update_answer(context, message, outcome.reply, check=outcome.check)


NEW = filters.UpdateType.MESSAGE
EDITED = filters.UpdateType.EDITED_MESSAGE
PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS

HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    # /check before the text handlers, so "/check ..." is a command and not a claim
    CommandHandler("check", on_check_command, filters=NEW),
    MessageHandler(
        PRIVATE & NEW & (TEXT_OR_CAPTION | photos.PICTURE) & ~filters.COMMAND, on_private_message
    ),
    # a picture's edited caption is not checked again without the picture's words
    MessageHandler(
        PRIVATE & EDITED & TEXT_OR_CAPTION & ~photos.PICTURE & ~filters.COMMAND, on_private_edit
    ),
    # a mention is an explicit request: it goes before the automatic checks
    MessageHandler(GROUPS & NEW & MentionsMe(), on_mention),
    MessageHandler(GROUPS & NEW & TEXT_OR_CAPTION & ~filters.COMMAND, on_group_message),
    MessageHandler(GROUPS & EDITED & TEXT_OR_CAPTION & ~filters.COMMAND, on_group_edit),
]
