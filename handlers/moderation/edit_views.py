"""What /edit says (pure): the menu of fields, the prompts for a new value, what was saved and
the offer to send the corrected card to the readers who received it."""

from __future__ import annotations

from html import escape

from handlers.moderation import callback_data as cb
from handlers.moderation.i18n import MN_, ModerationTranslator
from handlers.moderation.views import LANG_CODES, button, changed, keyboard, notice, status_label
from handlers.public.views import LANGUAGE_NAMES, Reply, shorten
from knowledge.debunks.cards import DebunkCard
from knowledge.moderation.debunks import Details
from knowledge.moderation.editing import LANGUAGE_CHOICES, Change

FIELD_NAMES = {
    "verdict": MN_("Verdict"),
    "title": MN_("Title"),
    "disproof": MN_("Disproof"),
    "tags": MN_("Tags"),
    "wording": MN_("Wordings"),
    "source": MN_("Sources"),
}


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
                button(names["verdict"], cb.EditChoice("f", "verdict")),
                button(names["title"], cb.EditChoice("f", "title")),
                button(names["disproof"], cb.EditChoice("f", "disproof")),
            ],
            [
                button(names["tags"], cb.EditChoice("f", "tags")),
                button("✖️ " + names["wording"], cb.EditChoice("f", "wording")),
                button("✖️ " + names["source"], cb.EditChoice("f", "source")),
            ],
            [button("✔️ " + m_("Done"), cb.EditChoice("done"))],
        ),
    )


def edit_languages(tr: ModerationTranslator, *, field: str, card: DebunkCard) -> Reply:
    texts = card.titles if field == "title" else card.disproofs
    row = [
        button(("✏️ " if code in texts else "➕ ") + LANG_CODES[code], cb.EditLanguage(field, code))
        for code in LANGUAGE_CHOICES
    ]
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
        buttons.append(button(f"✖️ {number}", cb.EditRemove(kind, row.id)))
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
        rows.insert(0, (button(label, cb.EditResend(details.id, change.version)),))
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
    return notice(tr, MN_("Done editing."))
