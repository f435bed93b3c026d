"""The buttons under Tekser's answers: 👍/👎 feedback, "did you mean" candidates, and "Send to
fact-checkers" / "None of these", which queue the original message for the moderators."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from handlers.context import TekserContext, reader_translator, send_reply
from handlers.lengths import fit_html
from handlers.public import callback_data as callbacks
from handlers.public import views as render
from handlers.public.incoming import read_message
from knowledge.audience.service import Origin
from knowledge.debunks import checking as answers


async def on_vote(update: Update, context: TekserContext) -> None:
    """👍 or 👎 under a card: one vote per reader per debunk, changeable; counts shown."""
    query = update.callback_query
    assert query is not None and query.data is not None
    vote = callbacks.parse_vote(query.data)
    tr = await reader_translator(context, query.from_user)
    if vote is None or vote.slug not in context.kb.matcher:
        await query.answer(render.card_missing_reply(tr).text)
        return
    tally = await asyncio.to_thread(
        context.audience.vote, query.from_user.id, slug=vote.slug, vote=vote.value
    )
    await query.answer(render.vote_thanks(tr, vote.value))
    if isinstance(query.message, Message):
        markup = render.with_tally(query.message.reply_markup, vote.slug, tally)
        try:
            await query.edit_message_reply_markup(markup)
        except BadRequest as error:
            if "not modified" not in error.message:
                raise


async def on_show_card(update: Update, context: TekserContext) -> None:
    """A "did you mean" candidate: show that card."""
    query = update.callback_query
    assert query is not None and query.data is not None
    tr = await reader_translator(context, query.from_user)
    slug = callbacks.parse_card(query.data) or ""
    chat_type = query.message.chat.type if query.message else ""
    card = await asyncio.to_thread(
        answers.show_card, context.kb, context.audience, slug,
        source="did-you-mean", chat_type=chat_type, lang=tr.lang,
    )  # fmt: skip
    if card is None or not isinstance(query.message, Message):
        await query.answer(render.card_missing_reply(tr).text)
        return
    await query.answer()
    page_base = context.settings.public_url
    reply = render.card_reply(card, tr, bot_username=context.bot.username, page_base=page_base)
    await send_reply(context, query.message.chat_id, reply, reply_to=query.message.message_id)


async def on_submit(update: Update, context: TekserContext) -> None:
    """ "Send to fact-checkers" / "None of these": queue the message the answer replied to."""
    query = update.callback_query
    assert query is not None
    tr = await reader_translator(context, query.from_user)
    answered = query.message if isinstance(query.message, Message) else None
    original = answered.reply_to_message if answered else None
    incoming = read_message(original) if original else None
    if answered is None or incoming is None or incoming.empty:
        await query.answer(render.original_missing_text(tr), show_alert=True)
        return
    origin = incoming.origin.stored() if incoming.origin else Origin()
    new = await asyncio.to_thread(
        context.audience.submit, query.from_user.id, lang=tr.lang, text=incoming.query,
        origin=origin,
    )  # fmt: skip
    await query.answer()
    text = f"{answered.text_html}\n\n{render.submitted_text(tr, new=new)}"
    await query.edit_message_text(fit_html(text), parse_mode=ParseMode.HTML, reply_markup=None)


HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    CallbackQueryHandler(on_vote, pattern=callbacks.VOTE_PATTERN),
    CallbackQueryHandler(on_show_card, pattern=callbacks.SHOW_CARD_PATTERN),
    CallbackQueryHandler(on_submit, pattern=callbacks.SUBMIT_PATTERN),
]
