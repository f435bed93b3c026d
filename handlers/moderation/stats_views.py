"""What /stats says (pure): the numbers, and the labels of the chart of daily checks."""

from __future__ import annotations

from html import escape

from handlers.moderation.i18n import ModerationTranslator
from handlers.moderation.views import fit
from handlers.public.views import Reply, shorten
from knowledge.debunks.cards import DebunkCard
from knowledge.moderation.statistics import Stats


def stats_reply(tr: ModerationTranslator, stats: Stats, cards: dict[str, DebunkCard]) -> Reply:
    m_ = tr.m_
    lines = [
        "<b>" + escape(m_("Tekser statistics")) + "</b>",
        escape(
            m_("Checks: today {today} · 7 days {week} · 30 days {month}").format(
                today=stats.today, week=stats.week, month=stats.month
            )
        ),
        escape(
            m_("Answers (30 days): match {match} · possible {possible} · none {none}").format(
                match=_percent(stats.share("match")),
                possible=_percent(stats.share("possible")),
                none=_percent(stats.share("none")),
            )
        ),
        escape(m_("Waiting in the queue: {n}").format(n=stats.pending)),
    ]
    if stats.top:
        lines.append("<b>" + escape(m_("Most hit debunks (30 days):")) + "</b>")
        for slug, hits in stats.top:
            card = cards.get(slug)
            title = escape(shorten(card.title(tr.lang), 50)) if card else ""
            lines.append(f"• <code>{escape(slug)}</code> {hits} — {title}")
    if stats.feedback:
        lines.append("<b>" + escape(m_("Feedback (👍 share):")) + "</b>")
        for fb in stats.feedback:
            lines.append(
                f"• <code>{escape(fb.slug)}</code> 👍 {fb.up} / 👎 {fb.down} "
                f"({_percent(fb.share_up)})"
            )
    if stats.languages:
        langs = ", ".join(f"{lang} {n}" for lang, n in stats.languages)
        lines.append(escape(m_("Languages (30 days):")) + " " + escape(langs))
    return Reply(fit(lines))


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def chart_labels(tr: ModerationTranslator) -> dict[str, str]:
    m_ = tr.m_
    return {
        "title": m_("Checks per day, last 30 days"),
        "match": m_("match"),
        "possible": m_("possible"),
        "none": m_("none"),
    }
