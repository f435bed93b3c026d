"""What the one-line debunk commands say (pure): /show, /find, /list, /history."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.moderation import callback_data as cb
from handlers.moderation.i18n import ModerationTranslator
from handlers.moderation.views import (
    STATUS_ICONS,
    STATUS_NAMES,
    button,
    fit,
    keyboard,
    status_label,
    title_text,
    verdict_label,
    when,
)
from handlers.public.views import Reply, shorten
from knowledge.debunks.catalogue import Listing, Page
from knowledge.moderation.audit import AuditEvent
from knowledge.moderation.debunks import Details

SHOWN_WORDINGS = 8
PREVIEW_DISPROOF = 1200


def details_reply(tr: ModerationTranslator, details: Details) -> Reply:
    """/show: the card compactly, then what moderators need (status, version, wordings...)."""
    card, lang = details.card, tr.lang
    m_ = tr.m_
    head = f"<b>{escape(card.slug)}</b> · {escape(status_label(tr, card.status))} · v{card.version}"
    lines = [
        head,
        f"<b>{escape(verdict_label(tr, card.verdict))}</b>: "
        + escape(shorten(card.title(lang), 300)),
        escape(shorten(card.disproof(lang), PREVIEW_DISPROOF)),
        escape(m_("Languages:")) + " " + escape(", ".join(sorted(card.titles))),
        "<b>" + escape(m_("Wordings")) + f" ({len(details.wordings)}):</b>",
    ]
    lines += [
        f"• <i>{escape(w.label)}</i> {escape(shorten(w.text, 120))}"
        for w in details.wordings[:SHOWN_WORDINGS]
    ]
    lines.append("<b>" + escape(m_("Sources")) + f" ({len(details.sources)}):</b>")
    lines += [
        f'• <a href="{escape(s.text, quote=True)}">{escape(shorten(s.label or s.text, 80))}</a>'
        for s in details.sources[:5]
    ]
    if card.appearances:
        lines.append(escape(m_("Seen at {n} addresses.").format(n=len(card.appearances))))
    if card.tags:
        lines.append(escape(m_("Tags:")) + " " + escape(", ".join(card.tags)))
    if details.last is not None:
        lines.append(
            "<i>"
            + escape(
                m_("Last change: {action} by {who}, {when}").format(
                    action=details.last.action,
                    who=details.last.actor_name,
                    when=when(details.last.at),
                )
            )
            + "</i>"
        )
    return Reply("\n".join(lines), details_buttons(tr, details))


def details_buttons(tr: ModerationTranslator, details: Details) -> InlineKeyboardMarkup:
    m_ = tr.m_
    status = details.card.status
    toggle = (
        button("🗄 " + m_("Retire"), cb.DebunkButton(details.id, "retire"))
        if status == "published"
        else button("🟢 " + m_("Publish"), cb.DebunkButton(details.id, "publish"))
    )
    return keyboard(
        [button("✏️ " + m_("Edit"), cb.EditOpen(details.id)), toggle],
        [button("📜 " + m_("History"), cb.DebunkButton(details.id, "history"))],
    )


def history_reply(tr: ModerationTranslator, slug: str, events: Sequence[AuditEvent]) -> Reply:
    lines = ["<b>" + escape(tr.m_("History of {slug}").format(slug=slug)) + "</b>"]
    if not events:
        lines.append(escape(tr.m_("No changes recorded yet.")))
    for event in events:
        version = f"v{event.version} · " if event.version else ""
        lines.append(
            f"• {version}{escape(when(event.at))} · "
            f"{escape(event.actor_name or str(event.actor_id))} · <b>{escape(event.action)}</b>"
        )
        lines += [f"   {line}" for line in _diff_lines(event)]
    return Reply(fit(lines))


def _diff_lines(event: AuditEvent) -> list[str]:
    before, after = event.before or {}, event.after or {}
    if event.action in ("create", "import") and not before:
        return []
    lines = []
    for key in list(dict.fromkeys([*before, *after]))[:4]:
        old = shorten(_flat(before.get(key)), 80)
        new = shorten(_flat(after.get(key)), 80)
        lines.append(f"<i>{escape(key)}</i>: {escape(old) or '—'} → {escape(new) or '—'}")
    return lines


def _flat(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_flat(v) for v in value)
    return "" if value is None else str(value)


def listing_lines(tr: ModerationTranslator, items: Sequence[Listing], start: int = 1) -> list[str]:
    lines = []
    for number, item in enumerate(items, start=start):
        title = title_text(dict(item.titles), tr.lang, 70)
        icon = STATUS_ICONS.get(item.status, "")
        lines.append(f"{number}. {icon} <code>{escape(item.slug)}</code> — {title}")
    return lines


def open_buttons(items: Sequence[Listing], start: int = 1) -> list[list[InlineKeyboardButton]]:
    """Number buttons that open each listed debunk (/show), five to a row."""
    buttons = [
        button(str(number), cb.DebunkButton(item.id)) for number, item in enumerate(items, start)
    ]
    return [buttons[i : i + 5] for i in range(0, len(buttons), 5)]


def found_reply(tr: ModerationTranslator, query: str, items: Sequence[Listing]) -> Reply:
    if not items:
        return Reply(escape(tr.m_("Nothing found for “{query}”.").format(query=query)))
    head = "<b>" + escape(tr.m_("Found for “{query}”:").format(query=shorten(query, 60))) + "</b>"
    return Reply("\n".join([head, *listing_lines(tr, items)]), keyboard(*open_buttons(items)))


def page_reply(tr: ModerationTranslator, page: Page, *, status: str) -> Reply:
    m_ = tr.m_
    name = m_("All debunks") if status == "all" else m_(STATUS_NAMES.get(status, status))
    head = f"<b>{escape(name)}</b> · " + escape(
        m_("page {page} of {pages}, {total} in all").format(
            page=page.page + 1, pages=page.pages, total=page.total
        )
    )
    start = page.page * 8 + 1
    lines = [head, *listing_lines(tr, page.items, start)]
    nav = []
    if page.page > 0:
        nav.append(button("◀️", cb.ListPage(status, page.page - 1)))
    if page.page + 1 < page.pages:
        nav.append(button("▶️", cb.ListPage(status, page.page + 1)))
    return Reply("\n".join(lines), keyboard(*open_buttons(page.items, start), nav))
