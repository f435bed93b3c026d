"""/stats: checks today / 7 / 30 days, answers by kind, top debunks, the queue, feedback,
languages, and a chart of daily checks and answers for the last 30 days."""

from __future__ import annotations

import asyncio

from telegram import InputFile

from handlers.moderation import stats_views as mr_stats
from handlers.moderation.access import Acting, moderator_command
from handlers.moderation.chart import daily_chart
from handlers.moderation.routes import Handlers, command


@moderator_command(groups=True)
async def on_stats(who: Acting, _: str) -> None:
    """/stats: the numbers, then the chart."""
    service = who.service
    stats = await asyncio.to_thread(service.statistics.stats)
    cards = await asyncio.to_thread(service.statistics.titles, [slug for slug, _ in stats.top])
    await who.say(mr_stats.stats_reply(who.tr, stats, cards))
    png = await asyncio.to_thread(daily_chart, stats.daily, mr_stats.chart_labels(who.tr))
    await who.context.bot.send_photo(who.chat_id, InputFile(png, filename="checks.png"))


HANDLERS: Handlers = [
    command("stats", on_stats),
]
