"""Everything Tekser says to moderators, as pure functions: data in, Telegram HTML and buttons out.

Strings come from the "moderation" gettext domain (`m_`, `mn_`); every piece of user or database
text goes through `html.escape`. The public card itself is rendered by `handlers.public.views`,
so the preview is exactly what readers will see.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime
from html import escape, unescape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.i18n import translator
from handlers.moderation import callback_data as cb
from handlers.moderation.i18n import MN_, ModerationTranslator
from handlers.public.views import LANGUAGE_NAMES, Reply, badge, shorten
from knowledge.debunks.cards import DebunkCard, pick_language
from knowledge.debunks.catalogue import Listing, Page
from knowledge.debunks.tables import VERDICTS
from knowledge.moderation.audit import AuditEvent
from knowledge.moderation.editing import LANGUAGE_CHOICES, Change, EditError
from knowledge.moderation.roles import Moderator
from knowledge.moderation.service import Details

STATUS_ICONS = {"published": "🟢", "draft": "📝", "retired": "🗄"}
STATUS_NAMES = {"published": MN_("published"), "draft": MN_("draft"), "retired": MN_("retired")}
ROLE_NAMES = {"owner": MN_("owner"), "admin": MN_("admin"), "editor": MN_("editor")}
FIELD_NAMES = {
    "verdict": MN_("Verdict"),
    "title": MN_("Title"),
    "disproof": MN_("Disproof"),
    "tags": MN_("Tags"),
    "wording": MN_("Wordings"),
    "source": MN_("Sources"),
}
LANG_CODES = {"en": "🇬🇧 en", "ru": "🇷🇺 ru", "kk": "🇰🇿 kk"}
SHOWN_WORDINGS = 8
PREVIEW_DISPROOF = 1200


def plain(text: str) -> str:
    """HTML reduced to what a callback alert can show (plain text, at most 200 characters)."""
    return shorten(unescape(re.sub(r"<[^>]+>", "", text)), 200)


def when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "?"


def fit(lines: Sequence[str], limit: int = 3900) -> str:
    """Whole lines joined while they fit in one Telegram message (never a cut tag)."""
    kept: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > limit:
            kept.append("…")
            break
        kept.append(line)
    return "\n".join(kept)


def button(label: str, *parts: object, prefix: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=cb.data(prefix, *parts))


def keyboard(*rows: Sequence[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in rows if row])


def status_label(tr: ModerationTranslator, status: str) -> str:
    return f"{STATUS_ICONS.get(status, '')} {tr.m_(STATUS_NAMES.get(status, status))}"


def verdict_label(tr: ModerationTranslator, verdict: str) -> str:
    return badge(verdict, translator(tr.lang))


def title_text(titles: dict[str, str] | object, lang: str, limit: int = 80) -> str:
    return escape(shorten(pick_language(titles, lang), limit)) if isinstance(titles, dict) else ""


# ---------------------------------------------------------------- access


def not_moderator(tr: ModerationTranslator) -> Reply:
    return Reply("🔒 " + escape(tr.m_("This command is for Tekser's moderators.")))


def needs_role(tr: ModerationTranslator, *, need: str, have: str) -> Reply:
    text = tr.m_("This needs the {need} role; you are {have}.").format(
        need=tr.m_(ROLE_NAMES[need]), have=tr.m_(ROLE_NAMES.get(have, have))
    )
    return Reply("🔒 " + escape(text))


def private_only(tr: ModerationTranslator) -> Reply:
    return Reply(escape(tr.m_("Moderator commands work in a private chat with me.")))


def usage(tr: ModerationTranslator, example: str) -> Reply:
    return Reply(escape(tr.m_("Usage:")) + f" <code>{escape(example)}</code>")


# ---------------------------------------------------------------- roles


def granted(tr: ModerationTranslator, *, moderator: Moderator) -> Reply:
    text = tr.m_("{who} is now {role}.").format(
        who=_who(moderator.user_id, moderator.name), role=tr.m_(ROLE_NAMES[moderator.role])
    )
    return Reply("✅ " + escape(text))


def revoked(tr: ModerationTranslator, *, user_id: int, removed: Moderator | None) -> Reply:
    if removed is None:
        return Reply(escape(tr.m_("{who} is not a moderator.").format(who=user_id)))
    text = tr.m_("{who} is no longer {role}.").format(
        who=_who(removed.user_id, removed.name), role=tr.m_(ROLE_NAMES[removed.role])
    )
    return Reply("✅ " + escape(text))


def not_allowed_to_manage(tr: ModerationTranslator) -> Reply:
    return Reply(
        "🔒 "
        + escape(
            tr.m_(
                "Owners manage admins and editors; admins manage editors. Owners are set in "
                "TEKSER_OWNER_IDS, and nobody changes their own role."
            )
        )
    )


def hidden_forward(tr: ModerationTranslator) -> Reply:
    return Reply(
        escape(
            tr.m_(
                "I cannot see who wrote that message (their forwards are hidden). "
                "Ask them for their numeric Telegram id and use /grant ID ROLE."
            )
        )
    )


def _who(user_id: int, name: str) -> str:
    return f"{name} ({user_id})" if name else str(user_id)


def moderators_list(
    tr: ModerationTranslator, *, owners: Collection[int], moderators: Sequence[Moderator]
) -> Reply:
    lines = ["<b>" + escape(tr.m_("Moderators")) + "</b>"]
    lines += [f"👑 <code>{owner}</code> — {escape(tr.m_('owner'))}" for owner in sorted(owners)]
    for mod in moderators:
        name = f" {escape(mod.name)}" if mod.name else ""
        lines.append(
            f"• <code>{mod.user_id}</code>{name} — {escape(tr.m_(ROLE_NAMES[mod.role]))}"
            f" <i>({escape(when(mod.granted_at))})</i>"
        )
    if not moderators:
        lines.append(escape(tr.m_("No admins or editors yet: /grant ID editor")))
    return Reply("\n".join(lines))


# ---------------------------------------------------------------- debunks


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
        button("🗄 " + m_("Retire"), "retire", details.id, prefix=cb.VIEW)
        if status == "published"
        else button("🟢 " + m_("Publish"), "publish", details.id, prefix=cb.VIEW)
    )
    return keyboard(
        [button("✏️ " + m_("Edit"), "open", details.id, prefix=cb.EDIT), toggle],
        [button("📜 " + m_("History"), "history", details.id, prefix=cb.VIEW)],
    )


def not_found(tr: ModerationTranslator, slug: str) -> Reply:
    text = tr.m_("No debunk has the slug {slug}. /find searches by words.").format(slug=slug)
    return Reply(escape(text))


_CHANGE_DONE = {
    "add-wording": MN_("Added a wording to {slug}."),
    "add-source": MN_("Added a source to {slug}."),
    "add-appearance": MN_("Recorded where {slug} circulates: links to it now match."),
    "publish": MN_("{slug} is published: it answers checks now."),
    "retire": MN_("{slug} is retired: it no longer answers checks."),
    "unpublish": MN_("{slug} is a draft now."),
    "edit-verdict": MN_("Saved the verdict of {slug}."),
    "edit-title": MN_("Saved the title of {slug}."),
    "edit-disproof": MN_("Saved the disproof of {slug}."),
    "edit-tags": MN_("Saved the tags of {slug}."),
    "remove-wording": MN_("Removed a wording from {slug}."),
    "remove-source": MN_("Removed a source from {slug}."),
    "create": MN_("Created {slug}."),
}


def changed(tr: ModerationTranslator, change: Change, *, delivered: int = 0) -> Reply:
    done = tr.m_(_CHANGE_DONE.get(change.action, MN_("Saved {slug}."))).format(slug=change.slug)
    version = tr.m_("Version {n}.").format(n=change.version)
    sent = "\n" + escape(sent_to(tr, delivered)) if delivered else ""
    return Reply(f"✅ {escape(done)} <i>{escape(version)}</i>{sent}")


def edit_error(tr: ModerationTranslator, error: EditError) -> Reply:
    m_, d = tr.m_, error.details
    if error.code == "stale":
        text = m_(
            "Not saved: {by} changed {slug} at {at} (now version {current}; you started from "
            "version {expected}). Open /edit {slug} again to see the current text."
        ).format(
            by=d.get("by") or m_("someone"),
            slug=d["slug"],
            at=when(d.get("at")),
            current=d["current"],
            expected=d["expected"],
        )
        return Reply("⚠️ " + escape(text))
    messages = {
        "not-found": MN_("No debunk has the slug {slug}. /find searches by words."),
        "empty": MN_("The text is empty."),
        "too-long": MN_("Too long: {length} characters (at most {limit})."),
        "bad-url": MN_("Not a web address: {url}. It must start with http:// or https://."),
        "duplicate": MN_("{slug} already has this."),
        "bad-slug": MN_("A slug is 3–80 characters of a–z, 0–9 and “-”, not {slug}."),
        "slug-taken": MN_("The slug {slug} is taken; choose another."),
        "already": MN_("{slug} is already like that."),
        "no-change": MN_("Nothing changed."),
        "invalid": MN_("Not saved: {where}: {reason}"),
        "too-many-tags": MN_("At most {limit} tags."),
    }
    template = messages.get(error.code, MN_("That cannot be done."))
    return Reply("⚠️ " + escape(m_(template).format(**{k: str(v) for k, v in d.items()})))


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
        button(str(number), item.id, prefix=cb.VIEW) for number, item in enumerate(items, start)
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
        nav.append(button("◀️", status, page.page - 1, prefix=cb.LIST))
    if page.page + 1 < page.pages:
        nav.append(button("▶️", status, page.page + 1, prefix=cb.LIST))
    return Reply("\n".join(lines), keyboard(*open_buttons(page.items, start), nav))


# ---------------------------------------------------------------- /edit


def edit_menu(tr: ModerationTranslator, details: Details) -> Reply:
    m_ = tr.m_
    card = details.card
    head = (
        f"✏️ <b>{escape(card.slug)}</b> · v{card.version} · {escape(status_label(tr, card.status))}"
    )
    text = "\n".join([head, escape(m_("What do you want to change?"))])
    names = {key: m_(label) for key, label in FIELD_NAMES.items()}
    return Reply(
        text,
        keyboard(
            [
                button(names["verdict"], "f", "verdict", prefix=cb.EDIT),
                button(names["title"], "f", "title", prefix=cb.EDIT),
                button(names["disproof"], "f", "disproof", prefix=cb.EDIT),
            ],
            [
                button(names["tags"], "f", "tags", prefix=cb.EDIT),
                button("✖️ " + names["wording"], "f", "wording", prefix=cb.EDIT),
                button("✖️ " + names["source"], "f", "source", prefix=cb.EDIT),
            ],
            [button("✔️ " + m_("Done"), "done", prefix=cb.EDIT)],
        ),
    )


def edit_languages(tr: ModerationTranslator, *, field: str, card: DebunkCard) -> Reply:
    texts = card.titles if field == "title" else card.disproofs
    row = [
        button(("✏️ " if code in texts else "➕ ") + LANG_CODES[code], "l", field, code,
               prefix=cb.EDIT)
        for code in LANGUAGE_CHOICES
    ]  # fmt: skip
    text = tr.m_("{field}: which language?").format(field=tr.m_(FIELD_NAMES[field]))
    return Reply(escape(text), keyboard(row))


def value_prompt(tr: ModerationTranslator, *, field: str, lang: str, current: str) -> Reply:
    m_ = tr.m_
    if field == "tags":
        ask = m_("Send the tags, separated by commas.")
    else:
        ask = m_("Send the new {field} in {language}.").format(
            field=m_(FIELD_NAMES[field]).lower(), language=LANGUAGE_NAMES.get(lang, lang)
        )
    now = f"\n<i>{escape(m_('Now:'))}</i> <code>{escape(shorten(current, 1500))}</code>"
    return Reply(escape(ask) + (now if current else ""))


def removal_choice(tr: ModerationTranslator, *, kind: str, details: Details) -> Reply:
    rows = details.wordings if kind == "wording" else details.sources
    lines = [escape(tr.m_("Tap the one to remove:"))]
    buttons = []
    for number, row in enumerate(rows[:10], start=1):
        shown = row.text if kind == "wording" else (row.label or row.text)
        lines.append(f"{number}. {escape(shorten(shown, 120))}")
        buttons.append(button(f"✖️ {number}", "rm", kind, row.id, prefix=cb.EDIT))
    return Reply(
        "\n".join(lines), keyboard(*[buttons[i : i + 5] for i in range(0, len(buttons), 5)])
    )


def saved_more(
    tr: ModerationTranslator, change: Change, details: Details, *, readers: int = 0
) -> Reply:
    """After one edit: what was saved, the offer to send a corrected card to the `readers` who
    received it lately (if any), and the menu again for the next edit."""
    menu = edit_menu(tr, details)
    parts = [changed(tr, change).text]
    rows = list(menu.markup.inline_keyboard) if menu.markup else []
    if readers:
        offer = tr.mn_(
            "{n} reader received this card in the last 30 days. Send them the corrected card?",
            "{n} readers received this card in the last 30 days. Send them the corrected card?",
            readers,
        ).format(n=readers)
        parts.append("📨 " + escape(offer))
        label = "📨 " + tr.m_("Send the correction")
        rows.insert(0, (button(label, "rs", details.id, change.version, prefix=cb.EDIT),))
    return Reply("\n".join(parts) + "\n\n" + menu.text, keyboard(*rows))


def resend_started(tr: ModerationTranslator, *, n: int) -> Reply:
    text = tr.mn_(
        "Sending the corrected card to {n} reader…", "Sending the corrected card to {n} readers…", n
    ).format(n=n)
    return Reply("📨 " + escape(text))


def resent(tr: ModerationTranslator, *, n: int) -> Reply:
    text = tr.mn_(
        "Sent the corrected card to {n} reader.", "Sent the corrected card to {n} readers.", n
    ).format(n=n)
    return Reply("✅ " + escape(text))


def edit_closed(tr: ModerationTranslator) -> Reply:
    return Reply(escape(tr.m_("Done editing.")))


def verdict_prompt(tr: ModerationTranslator, *, prefix: str = cb.ADD, current: str = "") -> Reply:
    rows = [
        [
            button(
                ("✅ " if v == current else "") + verdict_label(tr, v), "verdict", v, prefix=prefix
            )
            for v in VERDICTS[i : i + 2]
        ]
        for i in range(0, len(VERDICTS), 2)
    ]
    return Reply(escape(tr.m_("What is the verdict?")), keyboard(*rows))


def step_over(tr: ModerationTranslator) -> str:
    """Plain text: the alert for a button of a finished step."""
    return tr.m_("This step is over. Start again with the command.")


def sent_to(tr: ModerationTranslator, n: int) -> str:
    return tr.mn_(
        "The card was sent to {n} reader who asked.",
        "The card was sent to {n} readers who asked.",
        n,
    ).format(n=n)
