"""What Tekser says about what it checks, as pure functions: data in, Telegram HTML and buttons
out — the debunk card (also as an inline result), the answers to a check and to its buttons, and
the helpers every view shares (escaping, shortening); the reader commands' in `command_views.py`.

Every piece of reader or database text goes through `html.escape`; every string a reader sees is a
gettext message (`_`), so the catalogs in handlers/locales hold all of them. Lengths are capped, as
Telegram counts them (handlers.lengths), so a reply always fits in one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)

from handlers.i18n import N_, Translator
from handlers.lengths import cut_utf16, fit_html, utf16_len
from handlers.public import callback_data as callbacks
from handlers.public.incoming import Forwarded
from knowledge.audience.votes import VoteTally
from knowledge.debunks.cards import DebunkCard, SourceRef
from knowledge.debunks.checking import Answer, Finding

BADGES = {
    "false": ("❌", N_("False")),
    "misleading": ("⚠️", N_("Misleading")),
    "unproven": ("❓", N_("Unproven")),
    "missing-context": ("🧩", N_("Missing context")),
}
LANGUAGE_NAMES = {"en": "🇬🇧 English", "ru": "🇷🇺 Русский", "kk": "🇰🇿 Қазақша"}
TITLE_LIMIT = 300
DISPROOF_LIMIT = 2500
SHORT_DISPROOF_LIMIT = 350
SOURCE_LABEL_LIMIT = 120
SOURCES_SHOWN = 5
BUTTON_TITLE_LIMIT = 40
INLINE_DESCRIPTION_LIMIT = 150
INLINE_RESULTS = 10
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def esc(text: str) -> str:
    """Reader or database text made safe in Telegram HTML (attributes: escape(quote=True))."""
    return escape(text, quote=False)


@dataclass(frozen=True)
class Reply:
    """One message to send: Telegram HTML and an optional inline keyboard."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters as Telegram counts them (UTF-16
    units), with an ellipsis."""
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if utf16_len(text) <= limit:
        return text
    cut = cut_utf16(text, limit - 1)
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def badge(verdict: str, tr: Translator) -> str:
    icon, label = BADGES.get(verdict, ("❌", N_("False")))
    return f"{icon} {tr.gettext(label)}"


def origin_line(origin: Forwarded | None, tr: Translator) -> str:
    """ "Forwarded from channel X" (with a link to the post when it is public), or ""."""
    if origin is None:
        return ""
    _ = tr.gettext
    name = esc(shorten(origin.name, 80)) or esc(_("unknown"))
    if origin.url:
        name = f'<a href="{escape(origin.url, quote=True)}">{name}</a>'
    if origin.kind == "channel":
        line = _("Forwarded from the channel {name}")
    elif origin.kind == "chat":
        line = _("Forwarded from the chat {name}")
    elif origin.kind == "hidden_user":
        line = _("Forwarded from {name} (hidden account)")
    else:
        line = _("Forwarded from {name}")
    return "↪️ <i>" + line.format(name=name) + "</i>"


def _source_label(source: SourceRef) -> str:
    label = source.title or source.publisher or urlsplit(source.url).netloc or source.url
    return esc(shorten(label, SOURCE_LABEL_LIMIT))


def sources_block(sources: Sequence[SourceRef], tr: Translator, *, limit: int) -> str:
    if not sources:
        return ""
    lines = ["<b>" + esc(tr.gettext("Sources:")) + "</b>"]
    for source in sources[:limit]:
        publisher = source.publisher if source.title and source.publisher else ""
        suffix = f" — {esc(shorten(publisher, 60))}" if publisher else ""
        suffix += f", {source.published.isoformat()}" if source.published else ""
        lines.append(f"• {source_link(source)}{suffix}")
    return "\n".join(lines)


def source_link(source: SourceRef) -> str:
    """A source as a link; one without a URL known to be right is cited, not linked."""
    if not source.url:
        return f"<i>{_source_label(source)}</i>"
    return f'<a href="{escape(source.url, quote=True)}">{_source_label(source)}</a>'


def page_url(page_base: str | None, slug: str, lang: str) -> str:
    """The debunk's page on the public site (TEKSER_PUBLIC_URL), or "" without one."""
    return f"{page_base.rstrip('/')}/d/{slug}?lang={lang}" if page_base else ""


def card_text(card: DebunkCard, tr: Translator, *, page_base: str | None = None) -> str:
    """The full public card: badge, the false claim, the disproof, sources, and a link to the
    debunk's page when the public site has an address."""
    _ = tr.gettext
    parts = [
        f"<b>{esc(badge(card.verdict, tr))}</b>",
        "<i>" + esc(_("Claim:")) + "</i> " + esc(shorten(card.title(tr.lang), TITLE_LIMIT)),
        esc(shorten(card.disproof(tr.lang), DISPROOF_LIMIT)),
    ]
    sources = sources_block(card.sources, tr, limit=SOURCES_SHOWN)
    page = page_url(page_base, card.slug, tr.lang)
    label = esc(_("The full debunk"))
    web = f'🌐 <a href="{escape(page, quote=True)}">{label}</a>' if page else ""
    return "\n\n".join(p for p in (*parts, sources, web) if p)


def _short_card(number: int, card: DebunkCard, tr: Translator, page_base: str | None) -> str:
    head = f"<b>{number}. {esc(badge(card.verdict, tr))}:</b> "
    title = esc(shorten(card.title(tr.lang), 200))
    page = page_url(page_base, card.slug, tr.lang)
    head += f'<a href="{escape(page, quote=True)}">{title}</a>' if page else title
    body = esc(shorten(card.disproof(tr.lang), SHORT_DISPROOF_LIMIT))
    sources = ", ".join(source_link(s) for s in card.sources[:2])
    return "\n".join(p for p in (head, body, sources) if p)


def _vote_buttons(
    slug: str, tally: VoteTally | None, prefix: str = ""
) -> list[InlineKeyboardButton]:
    up = callbacks.vote_data(slug, 1)
    if not callbacks.fits(up):
        return []
    counts = tally or VoteTally(0, 0)
    up_label = f"{prefix}👍" + (f" {counts.up}" if counts.up else "")
    down_label = f"{prefix}👎" + (f" {counts.down}" if counts.down else "")
    return [
        InlineKeyboardButton(up_label, callback_data=up),
        InlineKeyboardButton(down_label, callback_data=callbacks.vote_data(slug, -1)),
    ]


def _share_button(
    slug: str, bot_username: str, tr: Translator, prefix: str = ""
) -> list[InlineKeyboardButton]:
    link = callbacks.share_link(bot_username, slug)
    if link is None:
        return []
    return [InlineKeyboardButton(prefix + tr.gettext("↗️ Share"), url=link)]


def agrees_line(tr: Translator) -> str:
    """Said to a message that denies a debunked claim: it is right, not false."""
    return "<b>" + esc(tr.gettext("✅ Your message agrees with the fact-check:")) + "</b>"


def card_reply(
    card: DebunkCard,
    tr: Translator,
    *,
    bot_username: str,
    origin: Forwarded | None = None,
    agrees: bool = False,
    page_base: str | None = None,
) -> Reply:
    """One debunk: the card, a share button (deep link) and 👍/👎; ``agrees``: the message
    refutes the debunked claim, and is told so before the card."""
    text = card_text(card, tr, page_base=page_base)
    lines = (origin_line(origin, tr), agrees_line(tr) if agrees else "", text)
    text = "\n\n".join(p for p in lines if p)
    row = _share_button(card.slug, bot_username, tr) + _vote_buttons(card.slug, None)
    return Reply(text, InlineKeyboardMarkup([row]) if row else None)


def matches_reply(
    findings: Sequence[Finding],
    tr: Translator,
    *,
    bot_username: str,
    origin: Forwarded | None,
    page_base: str | None = None,
) -> Reply:
    """A confident match; a long post with several debunked claims gets a numbered list."""
    if len(findings) == 1:
        agrees = findings[0].stance == "refutes"
        return card_reply(
            findings[0].card,
            tr,
            bot_username=bot_username,
            origin=origin,
            agrees=agrees,
            page_base=page_base,
        )
    _ = tr.gettext
    head = tr.ngettext(
        "This message repeats {n} debunked claim:",
        "This message repeats {n} debunked claims:",
        len(findings),
    ).format(n=len(findings))
    blocks = [origin_line(origin, tr), f"<b>{esc(head)}</b>"]
    blocks += [
        (agrees_line(tr) + "\n" if f.stance == "refutes" else "")
        + _short_card(i, f.card, tr, page_base)
        for i, f in enumerate(findings, start=1)
    ]
    rows = []
    for i, finding in enumerate(findings, start=1):
        slug = finding.card.slug
        row = _share_button(slug, bot_username, tr, f"{i}. ") + _vote_buttons(slug, None, f"{i}. ")
        if row:
            rows.append(row)
    return Reply("\n\n".join(b for b in blocks if b), InlineKeyboardMarkup(rows) if rows else None)


def possible_reply(
    findings: Sequence[Finding], tr: Translator, *, origin: Forwarded | None
) -> Reply:
    """ "Did you mean…?": up to three candidates, closest first, and "None of these". No
    percentages: a confidence below the match threshold tells a reader nothing they can use."""
    _ = tr.gettext
    lines = [
        origin_line(origin, tr),
        "<b>" + esc(_("Did you mean…?")) + "</b>",
        esc(_("I am not sure this is one of the debunked claims. The closest ones:")),
    ]
    rows = []
    for finding in findings:
        data = callbacks.card_data(finding.card.slug)
        if not callbacks.fits(data):
            continue
        title = shorten(finding.card.title(tr.lang), BUTTON_TITLE_LIMIT)
        rows.append([InlineKeyboardButton(title, callback_data=data)])
    rows.append([InlineKeyboardButton(_("None of these"), callback_data=callbacks.SUBMIT)])
    return Reply("\n".join(line for line in lines if line), InlineKeyboardMarkup(rows))


def no_match_reply(tr: Translator, *, count: int, origin: Forwarded | None) -> Reply:
    """Nothing found: say so without calling it true, and offer the fact-checkers' queue."""
    _ = tr.gettext
    found = tr.ngettext(
        "I did not find this claim among {n} debunked claim.",
        "I did not find this claim among {n} debunked claims.",
        count,
    ).format(n=count)
    advice = _("That does not make it true. You can send it to our fact-checkers.")
    lines = [origin_line(origin, tr), "🔎 " + esc(found), esc(advice)]
    button = InlineKeyboardButton(_("📨 Send to fact-checkers"), callback_data=callbacks.SUBMIT)
    return Reply("\n".join(line for line in lines if line), InlineKeyboardMarkup([[button]]))


def answer_reply(
    answer: Answer,
    tr: Translator,
    *,
    bot_username: str,
    count: int,
    origin: Forwarded | None,
    page_base: str | None = None,
) -> Reply:
    if answer.verdict == "match":
        return matches_reply(
            answer.findings, tr, bot_username=bot_username, origin=origin, page_base=page_base
        )
    if answer.verdict == "possible":
        return possible_reply(answer.findings, tr, origin=origin)
    return no_match_reply(tr, count=count, origin=origin)


def with_tally(
    markup: InlineKeyboardMarkup | None, slug: str, tally: VoteTally
) -> InlineKeyboardMarkup | None:
    """The same keyboard with the vote counts of one debunk updated."""
    if markup is None:
        return None
    up, down = callbacks.vote_data(slug, 1), callbacks.vote_data(slug, -1)
    rows = []
    for row in markup.inline_keyboard:
        new_row = []
        for button in row:
            if button.callback_data in (up, down):
                prefix = button.text.split("👍")[0].split("👎")[0]
                icon, count = ("👍", tally.up) if button.callback_data == up else ("👎", tally.down)
                label = f"{prefix}{icon}" + (f" {count}" if count else "")
                button = InlineKeyboardButton(label, callback_data=button.callback_data)
            new_row.append(button)
        rows.append(new_row)
    return InlineKeyboardMarkup(rows)


def submitted_text(tr: Translator, *, new: bool) -> str:
    _ = tr.gettext
    if new:
        return "✅ " + esc(_("Sent to the fact-checkers. Thank you! They review new claims daily."))
    return "✅ " + esc(_("You have already sent this one. Thank you!"))


def vote_thanks(tr: Translator, vote: int) -> str:
    _ = tr.gettext
    return (
        _("Thanks! Glad it helped.") if vote > 0 else _("Thanks, we will look at this card again.")
    )


def smalltalk_reply(tr: Translator) -> Reply:
    _ = tr.gettext
    return Reply(
        "👋 " + esc(_("Send or forward me a message, and I will check it against debunked claims."))
    )


def unsupported_reply(tr: Translator) -> Reply:
    _ = tr.gettext
    return Reply(
        esc(_("I can check text: send or forward a message, or a photo or video with a caption."))
    )


def rate_limited_reply(tr: Translator, *, per_minute: int) -> Reply:
    text = tr.gettext(
        "You are sending checks faster than I can take them ({n} a minute). Please wait a minute."
    ).format(n=per_minute)
    return Reply("⏳ " + esc(text))


def error_line(tr: Translator) -> str:
    """Plain text (no HTML): also used as a callback query alert."""
    return "😔 " + tr.gettext("Sorry, something went wrong on my side. Please try again later.")


def card_missing_reply(tr: Translator) -> Reply:
    return Reply(esc(tr.gettext("This debunk is not available any more.")))


def original_missing_text(tr: Translator) -> str:
    return tr.gettext("I cannot see the original message any more. Please send it again.")


def check_usage_reply(tr: Translator) -> Reply:
    return Reply(esc(tr.gettext("Reply to a message with /check, or write /check and the text.")))


def mention_usage_reply(tr: Translator) -> Reply:
    return Reply(esc(tr.gettext("Mention me with a claim, or reply to a message and mention me.")))


def inline_results(
    cards: Sequence[DebunkCard],
    tr: Translator,
    *,
    bot_username: str,
    page_base: str | None = None,
) -> list[InlineQueryResultArticle]:
    """Up to ten cards for inline mode: title, short disproof, the full card as the message."""
    results = []
    for card in cards[:INLINE_RESULTS]:
        if not callbacks.fits(card.slug):
            continue
        share = _share_button(card.slug, bot_username, tr)
        results.append(
            InlineQueryResultArticle(
                id=card.slug,
                title=shorten(f"{badge(card.verdict, tr)}: {card.title(tr.lang)}", 120),
                description=shorten(card.disproof(tr.lang), INLINE_DESCRIPTION_LIMIT),
                input_message_content=InputTextMessageContent(
                    fit_html(card_text(card, tr, page_base=page_base)),
                    parse_mode="HTML",
                    link_preview_options=NO_PREVIEW,
                ),
                reply_markup=InlineKeyboardMarkup([share]) if share else None,
            )
        )
    return results


def inline_nothing_button_text(tr: Translator) -> str:
    return tr.gettext("Nothing found. Open Tekser")
