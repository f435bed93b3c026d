"""Sending cards to readers on the moderators' behalf: to those who submitted a claim once it is
answered, and a corrected card to those who received it lately. Each reader gets the card in
their own language (their /language choice, else the language they used when submitting)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from telegram.error import BadRequest, Forbidden

from handlers.context import TekserContext, send_reply
from handlers.i18n import choose_language, translator
from handlers.moderation import queue_views as mr_queue
from handlers.moderation.access import moderation
from handlers.moderation.i18n import ModerationTranslator, moderation_translator
from handlers.public.views import Reply, card_reply
from knowledge.moderation.deliveries import Delivery

log = logging.getLogger(__name__)

Intro = Callable[[ModerationTranslator], str]


async def deliver(context: TekserContext, deliveries: Sequence[Delivery], *, intro: Intro) -> int:
    """Send each delivery's card with an intro line; returns how many were sent."""
    service = moderation(context)
    sent = 0
    for delivery in deliveries:
        card = await asyncio.to_thread(context.kb.card, delivery.slug)
        if card is None or card.status != "published":
            continue
        stored = await asyncio.to_thread(context.audience.language, delivery.chat_id)
        lang = choose_language(stored, delivery.lang)
        reply = card_reply(card, translator(lang), bot_username=context.bot.username)
        text = intro(moderation_translator(lang)) + "\n\n" + reply.text
        try:
            await send_reply(context, delivery.chat_id, Reply(text, reply.markup))
            ok = True
        except (Forbidden, BadRequest) as error:  # blocked the bot, deleted the account, ...
            log.info("a card could not be delivered: %s", error.message)
            ok = False
        await asyncio.to_thread(service.queue.delivered, delivery, sent=ok)
        sent += ok
    return sent


async def deliver_answers(context: TekserContext, slug: str) -> int:
    """The card of `slug` to every submitter still waiting for it (when it is published)."""
    waiting = await asyncio.to_thread(moderation(context).queue.pending_deliveries, slug)
    return await deliver(context, waiting, intro=mr_queue.submitter_intro) if waiting else 0
