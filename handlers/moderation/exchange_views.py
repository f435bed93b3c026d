"""What /import and /export say (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from handlers.moderation import callback_data as cb
from handlers.moderation.i18n import MN_, ModerationTranslator
from handlers.moderation.views import (
    button,
    keyboard,
    notice,
)
from handlers.public.views import Reply, shorten
from knowledge.debunks.storage import ImportSummary

SHOWN_PROBLEMS = 10
SEND_THE_FILE = MN_(
    "Send the file as a document: a debunk pack (debunk-pack/1) or ClaimReview JSON-LD. "
    "Nothing changes before you confirm."
)


def export_caption(tr: ModerationTranslator, *, n: int, fmt: str) -> str:
    name = "ClaimReview JSON-LD" if fmt == "claimreview" else "debunk-pack/1"
    return tr.mn_("{n} debunk · {format}", "{n} debunks · {format}", n).format(n=n, format=name)


def import_prompt(tr: ModerationTranslator) -> Reply:
    return notice(tr, SEND_THE_FILE)


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
    changes, kept = len(summary.changed), len(summary.kept)
    if kept:
        lines += _kept_lines(tr, summary.kept)
    if not changes and not kept:
        lines.append(escape(m_("Nothing to import.")))
        return Reply("\n".join(lines))
    lines.append(escape(m_("Nothing is written until you confirm.")))
    go = tr.mn_("Import {n} change", "Import {n} changes", changes).format(n=changes)
    replace = tr.mn_(
        "Import, replacing {n} kept debunk", "Import, replacing {n} kept debunks", kept
    ).format(n=kept)
    return Reply(
        "\n".join(lines),
        keyboard(
            [button("✅ " + go, cb.ImportAnswer(cb.IMPORT_GO))] if changes else [],
            [button("♻️ " + replace, cb.ImportAnswer(cb.IMPORT_REPLACE))] if kept else [],
            [button("✖️ " + m_("Cancel"), cb.ImportAnswer(cb.IMPORT_CANCEL))],
        ),
    )


def _kept_lines(tr: ModerationTranslator, kept: dict[str, tuple[int, int]]) -> list[str]:
    """The debunks the file would make poorer, left as they are unless the moderator replaces
    them: each with how many of its claim wordings the file lacks."""
    title = tr.m_("Kept as they are (the file lacks claim wordings they have):")
    lines = ["<b>" + escape(title) + "</b>"]
    for slug, (dropped, stored) in list(kept.items())[:SHOWN_PROBLEMS]:
        lacks = tr.mn_(
            "the file lacks {dropped} of its {n} wording",
            "the file lacks {dropped} of its {n} wordings",
            stored,
        ).format(dropped=dropped, n=stored)
        lines.append(f"• <code>{escape(shorten(slug, 80))}</code>: {escape(lacks)}")
    if len(kept) > SHOWN_PROBLEMS:
        lines.append(escape(tr.m_("…and {n} more.").format(n=len(kept) - SHOWN_PROBLEMS)))
    return lines


def imported(tr: ModerationTranslator, summary: ImportSummary) -> Reply:
    text = tr.m_(
        "Imported: {created} created, {updated} updated, {unchanged} unchanged, {kept} kept "
        "as they were."
    ).format(
        created=len(summary.created),
        updated=len(summary.updated),
        unchanged=len(summary.unchanged),
        kept=len(summary.kept),
    )
    return Reply("✅ " + escape(text))


def import_cancelled(tr: ModerationTranslator) -> Reply:
    return notice(tr, MN_("Import cancelled: nothing was written."))
