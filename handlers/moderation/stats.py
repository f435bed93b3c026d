"""/stats: checks today / 7 / 30 days, answers by kind, top debunks, the queue, feedback,
languages, and a chart of daily checks and answers for the last 30 days."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.context import TekserContext
from handlers.moderation import exchange_views as mr_exchange
from handlers.moderation.access import acting, moderation, say
from handlers.moderation.chart import daily_chart


async def on_stats(update: Update, context: TekserContext) -> None:
    """/stats: the numbers, then the chart."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    service = moderation(context)
    stats = await asyncio.to_thread(service.stats)
    cards = await asyncio.to_thread(service.titles, [slug for slug, _ in stats.top])
    await say(context, who, mr_exchange.stats_reply(who.tr, stats, cards))
    png = await asyncio.to_thread(daily_chart, stats.daily, mr_exchange.chart_labels(who.tr))
    await context.bot.send_photo(who.chat_id, InputFile(png, filename="checks.png"))


HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    CommandHandler("stats", on_stats, filters=filters.UpdateType.MESSAGE),
]
