"""Everything Tekser says, as pure functions: data in, Telegram HTML and buttons out.

Every piece of reader or database text goes through `html.escape`; every string a reader sees is a
gettext message (`_`), so the catalogs in handlers/locales hold all of them. Lengths are capped so a
reply always fits Telegram's 4096 characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)

from handlers.i18n import N_, Translator
from handlers.public import callback_data as callbacks
from handlers.public.incoming import Forwarded
from knowledge.audience.storage import VoteTally
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
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis."""
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def badge(verdict: str, tr: Translator) -> str:
    icon, label = BADGES.get(verdict, ("❌", N_("False")))
    return f"{icon} {tr.gettext(label)}"


def percent(score: float) -> str:
    return f"{round(max(0.0, min(score, 1.0)) * 100)}%"


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
        link = f'<a href="{escape(source.url, quote=True)}">{_source_label(source)}</a>'
        publisher = source.publisher if source.title and source.publisher else ""
        suffix = f" — {esc(shorten(publisher, 60))}" if publisher else ""
        lines.append(f"• {link}{suffix}")
    return "\n".join(lines)


def card_text(card: DebunkCard, tr: Translator) -> str:
    """The full public card: badge, the false claim, the disproof, sources."""
    _ = tr.gettext
    parts = [
        f"<b>{esc(badge(card.verdict, tr))}</b>",
        "<i>" + esc(_("Claim:")) + "</i> " + esc(shorten(card.title(tr.lang), TITLE_LIMIT)),
        esc(shorten(card.disproof(tr.lang), DISPROOF_LIMIT)),
    ]
    sources = sources_block(card.sources, tr, limit=SOURCES_SHOWN)
    return "\n\n".join(p for p in (*parts, sources) if p)


def _short_card(number: int, card: DebunkCard, tr: Translator) -> str:
    head = f"<b>{number}. {esc(badge(card.verdict, tr))}:</b> "
    head += esc(shorten(card.title(tr.lang), 200))
    body = esc(shorten(card.disproof(tr.lang), SHORT_DISPROOF_LIMIT))
    sources = ", ".join(
        f'<a href="{escape(s.url, quote=True)}">{_source_label(s)}</a>' for s in card.sources[:2]
    )
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


def card_reply(
    card: DebunkCard, tr: Translator, *, bot_username: str, origin: Forwarded | None = None
) -> Reply:
    """One debunk: the card, a share button (deep link) and 👍/👎."""
    text = "\n\n".join(p for p in (origin_line(origin, tr), card_text(card, tr)) if p)
    row = _share_button(card.slug, bot_username, tr) + _vote_buttons(card.slug, None)
    return Reply(text, InlineKeyboardMarkup([row]) if row else None)


def matches_reply(
    findings: Sequence[Finding], tr: Translator, *, bot_username: str, origin: Forwarded | None
) -> Reply:
    """A confident match; a long post with several debunked claims gets a numbered list."""
    if len(findings) == 1:
        return card_reply(findings[0].card, tr, bot_username=bot_username, origin=origin)
    _ = tr.gettext
    head = tr.ngettext(
        "This message repeats {n} debunked claim:",
        "This message repeats {n} debunked claims:",
        len(findings),
    ).format(n=len(findings))
    blocks = [origin_line(origin, tr), f"<b>{esc(head)}</b>"]
    blocks += [_short_card(i, f.card, tr) for i, f in enumerate(findings, start=1)]
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
    """ "Did you mean…?": up to three candidates with how close each is, and "None of these"."""
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
        label = f"{percent(finding.score)} · {title}"
        rows.append([InlineKeyboardButton(label, callback_data=data)])
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
    answer: Answer, tr: Translator, *, bot_username: str, count: int, origin: Forwarded | None
) -> Reply:
    if answer.verdict == "match":
        return matches_reply(answer.findings, tr, bot_username=bot_username, origin=origin)
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


def start_reply(tr: Translator, *, count: int) -> Reply:
    _ = tr.gettext
    base = tr.ngettext(
        "I know {n} debunked claim about Kazakhstan.",
        "I know {n} debunked claims about Kazakhstan.",
        count,
    ).format(n=count)
    lines = [
        "👋 <b>" + esc(_("Hi! I am Tekser, a fact-check assistant.")) + "</b>",
        esc(
            _(
                "Forward me a suspicious post or paste a claim, and I will tell you if "
                "fact-checkers have already debunked it, with the sources."
            )
        ),
        esc(base),
        esc(_("Language: /language · Help: /help · Privacy: /privacy")),
    ]
    return Reply("\n\n".join(lines))


def help_reply(tr: Translator, *, bot_username: str) -> Reply:
    _ = tr.gettext
    bot = esc("@" + bot_username)
    lines = [
        "<b>" + esc(_("How to use Tekser")) + "</b>",
        "• " + esc(_("Forward a post, or send text or a photo with a caption.")),
        "• "
        + esc(
            _(
                "I answer with the verdict, the disproof and sources, or tell you that I "
                "do not know the claim; then you can send it to the fact-checkers."
            )
        ),
        "• "
        + esc(_("In any chat, type {bot} and a claim to find a debunk and share it.")).format(
            bot=bot
        ),
        "• " + esc(_("In groups: mention me, or reply to a message with /check.")),
        "• "
        + esc(
            _(
                "Group admins: /settings auto makes me answer confident matches by myself "
                "(I need to be an admin to see messages)."
            )
        ),
        esc(_("Commands: /language /privacy /about")),
    ]
    return Reply("\n".join(lines))


def about_reply(tr: Translator, *, count: int) -> Reply:
    _ = tr.gettext
    base = tr.ngettext(
        "The base holds {n} published debunk.",
        "The base holds {n} published debunks.",
        count,
    ).format(n=count)
    lines = [
        "<b>Tekser</b>",
        esc(
            _(
                "Tekser finds forwarded posts and claims in a curated base of debunked "
                "disinformation about Kazakhstan and answers with the disproof and sources. "
                "Moderators keep the base current."
            )
        ),
        esc(base),
        esc(_("It reads Russian, Kazakh and English.")),
    ]
    return Reply("\n\n".join(lines))


def privacy_reply(tr: Translator, *, retention_days: int) -> Reply:
    _ = tr.gettext
    kept = tr.ngettext(
        "Kept for {n} day, then deleted:",
        "Kept for {n} days, then deleted:",
        retention_days,
    ).format(n=retention_days)
    lines = [
        "<b>" + esc(_("What Tekser stores")) + "</b>",
        esc(_("The text of the messages you check is not stored.")),
        esc(kept),
        "• "
        + esc(
            _(
                "a log of checks: when, the verdict and which debunk, without the text "
                "and without who asked;"
            )
        ),
        "• " + esc(_("which of my messages answers which of yours, so an edit updates my answer;")),
        "• "
        + esc(
            _(
                "messages you send to the fact-checkers: the text, where it was forwarded "
                "from (only public channels and chats by name) and the language."
            )
        ),
        esc(_("Kept until you change them: your language choice and your 👍/👎 votes.")),
        esc(_("Everywhere else you are stored only by a keyed hash of your Telegram id.")),
        esc(
            _(
                "Your chat id is kept only to deliver: until the fact-checkers answer what "
                "you sent them, and for 30 days after I show you a debunk, so a correction "
                "can reach you."
            )
        ),
        esc(_("/forgetme deletes everything stored about you at once.")),
    ]
    return Reply("\n".join(lines))


def forgotten_reply(tr: Translator, *, removed: int) -> Reply:
    """The answer to /forgetme: what was deleted."""
    if removed == 0:
        return Reply("✅ " + esc(tr.gettext("Nothing was stored about you.")))
    text = tr.ngettext(
        "Deleted {n} record stored about you.", "Deleted {n} records stored about you.", removed
    ).format(n=removed)
    return Reply("✅ " + esc(text))


def language_prompt(tr: Translator) -> Reply:
    buttons = [
        InlineKeyboardButton(name, callback_data=callbacks.language_data(code))
        for code, name in LANGUAGE_NAMES.items()
    ]
    return Reply(esc(tr.gettext("Choose the language:")), InlineKeyboardMarkup([buttons]))


def language_chosen(tr: Translator) -> Reply:
    return Reply("✅ " + esc(tr.gettext("I will answer you in English.")))


def check_usage_reply(tr: Translator) -> Reply:
    return Reply(esc(tr.gettext("Reply to a message with /check, or write /check and the text.")))


def mention_usage_reply(tr: Translator) -> Reply:
    return Reply(esc(tr.gettext("Mention me with a claim, or reply to a message and mention me.")))


def settings_reply(tr: Translator, *, auto: bool) -> Reply:
    _ = tr.gettext
    state = (
        _("Automatic checks are on in this group.")
        if auto
        else _("Automatic checks are off in this group.")
    )
    lines = [
        esc(state),
        esc(
            _(
                "Admins: /settings auto to answer confident matches by myself, /settings off to "
                "answer only when asked."
            )
        ),
        esc(_("To see every message I need to be an admin of the group.")),
    ]
    return Reply("\n".join(lines))


def settings_changed_reply(tr: Translator, *, auto: bool) -> Reply:
    _ = tr.gettext
    if auto:
        return Reply(
            "✅ "
            + esc(
                _("Automatic checks are on: I will answer messages that repeat a debunked claim.")
            )
        )
    return Reply("✅ " + esc(_("Automatic checks are off: I answer only when asked.")))


def admins_only_reply(tr: Translator) -> Reply:
    return Reply(esc(tr.gettext("Only the group's admins can change its settings.")))


def groups_only_reply(tr: Translator) -> Reply:
    return Reply(esc(tr.gettext("This command works in groups.")))


def inline_results(
    cards: Sequence[DebunkCard], tr: Translator, *, bot_username: str
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
                    card_text(card, tr), parse_mode="HTML", link_preview_options=NO_PREVIEW
                ),
                reply_markup=InlineKeyboardMarkup([share]) if share else None,
            )
        )
    return results


def inline_nothing_button_text(tr: Translator) -> str:
    return tr.gettext("Nothing found. Open Tekser")


COMMANDS = (
    ("start", N_("Start")),
    ("help", N_("How to use Tekser")),
    ("language", N_("Choose the language")),
    ("privacy", N_("What is stored")),
    ("about", N_("About Tekser")),
)
GROUP_COMMANDS = (
    ("check", N_("Check the message you reply to")),
    ("settings", N_("Automatic checks (admins)")),
    ("help", N_("How to use Tekser")),
    ("about", N_("About Tekser")),
)


def bot_commands(tr: Translator, *, group: bool = False) -> list[BotCommand]:
    """The command list shown in Telegram's menu, in one language."""
    return [
        BotCommand(name, tr.gettext(text)) for name, text in (GROUP_COMMANDS if group else COMMANDS)
    ]
