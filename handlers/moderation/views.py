"""What Tekser says to moderators in every feature, as pure functions: data in, Telegram HTML and
buttons out (each feature's own messages are in `<feature>_views.py` beside its handler).

Strings come from the "moderation" gettext domain (`m_`, `mn_`); every piece of user or database
text goes through `html.escape`. The public card itself is rendered by `handlers.public.views`,
so the preview is exactly what readers will see.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape, unescape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.i18n import translator
from handlers.lengths import utf16_len
from handlers.moderation.callback_data import ButtonData
from handlers.moderation.i18n import MN_, ModerationTranslator
from handlers.public.views import Reply, badge, shorten
from knowledge.debunks.cards import pick_language
from knowledge.debunks.tables import VERDICTS
from knowledge.moderation.editing import Change, EditError

STATUS_ICONS = {"published": "🟢", "draft": "📝", "retired": "🗄"}
STATUS_NAMES = {"published": MN_("published"), "draft": MN_("draft"), "retired": MN_("retired")}
ROLE_NAMES = {"owner": MN_("owner"), "admin": MN_("admin"), "editor": MN_("editor")}
LANG_CODES = {"en": "🇬🇧 en", "ru": "🇷🇺 ru", "kk": "🇰🇿 kk"}


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
        size += utf16_len(line) + 1
        if size > limit:
            kept.append("…")
            break
        kept.append(line)
    return "\n".join(kept)


def button(label: str, data: ButtonData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


def keyboard(*rows: Sequence[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in rows if row])


def status_label(tr: ModerationTranslator, status: str) -> str:
    return f"{STATUS_ICONS.get(status, '')} {tr.m_(STATUS_NAMES.get(status, status))}"


def verdict_label(tr: ModerationTranslator, verdict: str) -> str:
    return badge(verdict, translator(tr.lang))


def title_text(titles: dict[str, str] | object, lang: str, limit: int = 80) -> str:
    return escape(shorten(pick_language(titles, lang), limit)) if isinstance(titles, dict) else ""


# ---------------------------------------------------------------- access


def notice(tr: ModerationTranslator, message: str, icon: str = "") -> Reply:
    """One translated line (`message` marked with MN_), escaped, after an optional icon."""
    return Reply((f"{icon} " if icon else "") + escape(tr.m_(message)))


def not_moderator(tr: ModerationTranslator) -> Reply:
    return notice(tr, MN_("This command is for Tekser's moderators."), "🔒")


def needs_role(tr: ModerationTranslator, *, need: str, have: str) -> Reply:
    text = tr.m_("This needs the {need} role; you are {have}.").format(
        need=tr.m_(ROLE_NAMES[need]), have=tr.m_(ROLE_NAMES.get(have, have))
    )
    return Reply("🔒 " + escape(text))


def private_only(tr: ModerationTranslator) -> Reply:
    return notice(tr, MN_("Moderator commands work in a private chat with me."))


def usage(tr: ModerationTranslator, example: str) -> Reply:
    return Reply(escape(tr.m_("Usage:")) + f" <code>{escape(example)}</code>")


# ---------------------------------------------------------------- outcomes shared by features


def not_found(tr: ModerationTranslator, slug: str) -> Reply:
    text = tr.m_("No debunk has the slug {slug}. /find searches by words.").format(slug=slug)
    return Reply(escape(text))


_CHANGE_DONE = {
    "add-wording": MN_("Added a wording to {slug}."),
    "add-source": MN_("Added a source to {slug}."),
    "add-appearance": MN_("Recorded where {slug} circulates: links to it now match."),
    "add-picture": MN_("Attached the picture to {slug}: copies of it now match."),
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


def verdict_prompt(
    tr: ModerationTranslator, choice: Callable[[str], ButtonData], *, current: str = ""
) -> Reply:
    """The verdicts as buttons, two to a row; `choice` makes a verdict's button data."""
    rows = [
        [
            button(("✅ " if v == current else "") + verdict_label(tr, v), choice(v))
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
