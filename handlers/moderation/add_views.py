"""What /add says to a moderator at each step (pure): prompts, the preview (the public card
exactly as readers will see it), and the outcome."""

from __future__ import annotations

from html import escape

from handlers.i18n import translator
from handlers.moderation import callback_data as cb
from handlers.moderation.i18n import MN_, ModerationTranslator
from handlers.moderation.views import (
    LANG_CODES,
    button,
    keyboard,
    notice,
    sent_to,
)
from handlers.public.views import LANGUAGE_NAMES, Reply, card_reply, shorten
from knowledge.moderation.drafts import DraftDebunk
from knowledge.moderation.editing import LANGUAGE_CHOICES, Change


def add_intro(tr: ModerationTranslator) -> Reply:
    m_ = tr.m_
    return Reply(
        "<b>" + escape(m_("New debunk")) + "</b>\n"
        + escape(m_("Send the claim as it circulates (one wording, as people write it)."))
        + "\n<i>" + escape(m_("/cancel stops at any step; the draft is kept.")) + "</i>"
    )  # fmt: skip


def draft_found(tr: ModerationTranslator, draft: DraftDebunk) -> Reply:
    m_ = tr.m_
    claim = escape(shorten(draft.claim, 200)) or "—"
    return Reply(
        escape(m_("You have an unfinished draft:")) + f"\n<i>{claim}</i>",
        keyboard(
            [
                button("▶️ " + m_("Continue it"), cb.AddChoice("continue")),
                button("🆕 " + m_("Start over"), cb.AddChoice("restart")),
            ]
        ),
    )


def claim_language(tr: ModerationTranslator, draft: DraftDebunk) -> Reply:
    text = tr.m_("The claim is in {language}? Tap the right language.").format(
        language=LANGUAGE_NAMES.get(draft.lang, draft.lang)
    )
    row = [
        button(("✅ " if code == draft.lang else "") + LANG_CODES[code], cb.AddChoice("lang", code))
        for code in LANGUAGE_CHOICES
    ]
    return Reply(f"<i>{escape(shorten(draft.claim, 300))}</i>\n\n{escape(text)}", keyboard(row))


def title_prompt(tr: ModerationTranslator, lang: str) -> Reply:
    text = tr.m_(
        "Send the title in {language}: the false claim in one short sentence, as readers "
        "will see it on the card."
    ).format(language=LANGUAGE_NAMES.get(lang, lang))
    return Reply(escape(text))


def disproof_prompt(tr: ModerationTranslator, lang: str) -> Reply:
    text = tr.m_("Now the disproof in {language}: what is true, in a few sentences.").format(
        language=LANGUAGE_NAMES.get(lang, lang)
    )
    return Reply(escape(text))


def languages_offer(tr: ModerationTranslator, draft: DraftDebunk) -> Reply:
    m_ = tr.m_
    done = ", ".join(LANGUAGE_NAMES.get(lang, lang) for lang in draft.languages)
    text = m_("Title and disproof written in: {languages}.").format(languages=done)
    missing = [code for code in LANGUAGE_CHOICES if code not in draft.languages]
    row = [button("➕ " + LANG_CODES[code], cb.AddChoice("addlang", code)) for code in missing]
    ask = m_("Add another language, or go on to the sources.") if missing else ""
    return Reply(
        "\n".join(p for p in (escape(text), escape(ask)) if p),
        keyboard(row, [button("➡️ " + m_("Next: sources"), cb.AddChoice("sources"))]),
    )


def sources_prompt(tr: ModerationTranslator, draft: DraftDebunk) -> Reply:
    m_ = tr.m_
    lines = [
        escape(m_("Send a source: its address and, after a space, its title.")),
        "<i>https://factcheck.kz/… " + escape(m_("Title of the article")) + "</i>",
    ]
    lines += [
        f"• {escape(s.get('title') or s['url'])} — {escape(shorten(s['url'], 60))}"
        for s in draft.sources
    ]
    label = m_("Next: more wordings") if draft.sources else m_("Skip: no sources")
    return Reply("\n".join(lines), keyboard([button("➡️ " + label, cb.AddChoice("wordings"))]))


def source_title_prompt(tr: ModerationTranslator, url: str) -> Reply:
    text = tr.m_("The title of this source? (or Skip)")
    return Reply(
        f"{escape(shorten(url, 100))}\n{escape(text)}",
        keyboard([button("⏭ " + tr.m_("Skip"), cb.AddChoice("notitle"))]),
    )


def wordings_prompt(tr: ModerationTranslator, draft: DraftDebunk) -> Reply:
    m_ = tr.m_
    n = len(draft.claims())
    text = tr.mn_(
        "The claim has {n} wording. Send other ways people phrase it (one per message) — "
        "they help matching — or go on to the preview.",
        "The claim has {n} wordings. Send other ways people phrase it (one per message) — "
        "they help matching — or go on to the preview.",
        n,
    ).format(n=n)
    return Reply(
        escape(text), keyboard([button("👁 " + m_("Next: preview"), cb.AddChoice("preview"))])
    )


def preview(tr: ModerationTranslator, draft: DraftDebunk, *, bot_username: str) -> Reply:
    """The public card exactly as readers will see it, then what is stored with it."""
    m_ = tr.m_
    card = card_reply(draft.card(), translator(tr.lang), bot_username=bot_username)
    facts = [
        "",
        "<b>" + escape(m_("Preview of the public card")) + "</b> · "
        + escape(m_("slug")) + f" <code>{escape(draft.slug)}</code>",
        escape(m_("Languages:")) + " " + escape(", ".join(draft.languages)),
        escape(m_("Wordings:")) + f" {len(draft.claims())} · "
        + escape(m_("Sources:")) + f" {len(draft.sources)}",
    ]  # fmt: skip
    if draft.submission_ids:
        facts.append(
            escape(
                tr.mn_(
                    "Publishing answers {n} reader who sent it.",
                    "Publishing answers {n} readers who sent it.",
                    len(draft.submission_ids),
                ).format(n=len(draft.submission_ids))
            )
        )
    return Reply(
        card.text + "\n" + "\n".join(facts),
        keyboard(
            [
                button("✅ " + m_("Publish"), cb.AddChoice("publish")),
                button("📝 " + m_("Save as draft"), cb.AddChoice("draft")),
            ],
            [
                button("✏️ " + m_("Change the slug"), cb.AddChoice("slug")),
                button("✖️ " + m_("Cancel"), cb.AddChoice("cancel")),
            ],
        ),
    )


def slug_prompt(tr: ModerationTranslator, current: str) -> Reply:
    text = tr.m_("Send the new slug (a–z, 0–9 and “-”). Now: {slug}").format(slug=current)
    return Reply(escape(text))


def published(tr: ModerationTranslator, change: Change, *, delivered: int) -> Reply:
    m_ = tr.m_
    if change.status == "published":
        lines = [
            "✅ " + escape(m_("Published {slug}: it answers checks now.").format(slug=change.slug))
        ]
    else:
        lines = [
            "📝 "
            + escape(
                m_("Saved {slug} as a draft; /restore {slug} publishes it.").format(
                    slug=change.slug
                )
            )
        ]
    if delivered:
        lines.append(escape(sent_to(tr, delivered)))
    lines.append(escape(m_("/show {slug} to see it.").format(slug=change.slug)))
    return Reply("\n".join(lines))


def discarded(tr: ModerationTranslator) -> Reply:
    return notice(tr, MN_("The draft is discarded."), "🗑")


def stopped(tr: ModerationTranslator, *, has_draft: bool) -> Reply:
    m_ = tr.m_
    if not has_draft:
        return Reply(escape(m_("Stopped.")))
    return Reply(
        escape(m_("Stopped. Your draft is kept: /add continues it.")),
        keyboard([button("🗑 " + m_("Discard the draft"), cb.AddChoice("discard"))]),
    )
