"""What /import, /export and /stats say (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from handlers.moderation import callback_data as cb
from handlers.moderation.i18n import ModerationTranslator
from handlers.moderation.views import (
    button,
    fit,
    keyboard,
)
from handlers.public.views import Reply, shorten
from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.storage import ImportSummary
from knowledge.moderation.statistics import Stats

SHOWN_PROBLEMS = 10


def export_caption(tr: ModerationTranslator, *, n: int, fmt: str) -> str:
    name = "ClaimReview JSON-LD" if fmt == "claimreview" else "debunk-pack/1"
    return tr.mn_("{n} debunk · {format}", "{n} debunks · {format}", n).format(n=n, format=name)


def import_prompt(tr: ModerationTranslator) -> Reply:
    return Reply(
        escape(
            tr.m_(
                "Send the file as a document: a debunk pack (debunk-pack/1) or ClaimReview "
                "JSON-LD. Nothing changes before you confirm."
            )
        )
    )


def import_failed(tr: ModerationTranslator, problem: str) -> Reply:
    return Reply("⚠️ " + escape(tr.m_("Nothing imported:")) + " " + escape(problem))


def import_too_big(tr: ModerationTranslator, *, limit_mb: int) -> Reply:
    text = tr.m_("The file is larger than {n} MB; use `tekser import` on the server.")
    return Reply("⚠️ " + escape(text.format(n=limit_mb)))


def import_summary(
    tr: ModerationTranslator,
    *,
    name: str,
    summary: ImportSummary,
    rejected: Sequence[str],
    problems: Sequence[str],
) -> Reply:
    m_ = tr.m_
    counts = m_(
        "Created: {created} · Updated: {updated} · Unchanged: {unchanged} · Rejected: {rejected}"
    ).format(
        created=len(summary.created),
        updated=len(summary.updated),
        unchanged=len(summary.unchanged),
        rejected=len(rejected),
    )
    lines = [f"📦 <b>{escape(name)}</b>", escape(counts)]
    if problems:
        lines.append("<b>" + escape(m_("Rejected, with the reasons:")) + "</b>")
        lines += [f"• {escape(shorten(p, 200))}" for p in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            more = m_("…and {n} more.").format(n=len(problems) - SHOWN_PROBLEMS)
            lines.append(escape(more))
    changes = len(summary.changed)
    if not changes:
        lines.append(escape(m_("Nothing to import.")))
        return Reply("\n".join(lines))
    lines.append(escape(m_("Nothing is written until you confirm.")))
    label = tr.mn_("Import {n} change", "Import {n} changes", changes).format(n=changes)
    return Reply(
        "\n".join(lines),
        keyboard(
            [
                button("✅ " + label, "go", prefix=cb.IMPORT),
                button("✖️ " + m_("Cancel"), "no", prefix=cb.IMPORT),
            ]
        ),
    )


def imported(tr: ModerationTranslator, summary: ImportSummary) -> Reply:
    text = tr.m_("Imported: {created} created, {updated} updated, {unchanged} unchanged.").format(
        created=len(summary.created),
        updated=len(summary.updated),
        unchanged=len(summary.unchanged),
    )
    return Reply("✅ " + escape(text))


def import_cancelled(tr: ModerationTranslator) -> Reply:
    return Reply(escape(tr.m_("Import cancelled: nothing was written.")))


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
