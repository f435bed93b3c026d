"""What the reader commands say (pure): /start, /help, /about, /privacy, /forgetme, /language,
the groups' /settings, and the command menus; escaped like every view (`views.esc`)."""

from __future__ import annotations

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from handlers.i18n import N_, Translator
from handlers.public import callback_data as callbacks
from handlers.public.views import LANGUAGE_NAMES, Reply, esc

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


def _lines(tr: Translator, *messages: str, bullet: str = "") -> list[str]:
    """Each message (marked with N_) translated and escaped, behind `bullet`."""
    return [bullet + esc(tr.gettext(message)) for message in messages]


def start_reply(tr: Translator, *, count: int) -> Reply:
    base = tr.ngettext(
        "I know {n} debunked claim about Kazakhstan.",
        "I know {n} debunked claims about Kazakhstan.",
        count,
    ).format(n=count)
    lines = [
        "👋 <b>" + esc(tr.gettext("Hi! I am Tekser, a fact-check assistant.")) + "</b>",
        *_lines(
            tr,
            N_(
                "Forward me a suspicious post or paste a claim, and I will tell you if "
                "fact-checkers have already debunked it, with the sources."
            ),
        ),
        esc(base),
        *_lines(tr, N_("Language: /language · Help: /help · Privacy: /privacy")),
    ]
    return Reply("\n\n".join(lines))


def help_reply(tr: Translator, *, bot_username: str) -> Reply:
    _ = tr.gettext
    bot = esc("@" + bot_username)
    in_any_chat = _("In any chat, type {bot} and a claim to find a debunk and share it.")
    lines = [
        "<b>" + esc(_("How to use Tekser")) + "</b>",
        *_lines(
            tr,
            N_("Forward a post, or send text or a photo with a caption."),
            N_(
                "I answer with the verdict, the disproof and sources, or tell you that I "
                "do not know the claim; then you can send it to the fact-checkers."
            ),
            bullet="• ",
        ),
        "• " + esc(in_any_chat).format(bot=bot),
        *_lines(
            tr,
            N_("In groups: mention me, or reply to a message with /check."),
            N_(
                "Group admins: /settings auto makes me answer confident matches by myself "
                "(I need to be an admin to see messages)."
            ),
            bullet="• ",
        ),
        esc(_("Commands: /language /privacy /about")),
    ]
    return Reply("\n".join(lines))


def about_reply(tr: Translator, *, count: int) -> Reply:
    base = tr.ngettext(
        "The base holds {n} published debunk.",
        "The base holds {n} published debunks.",
        count,
    ).format(n=count)
    lines = [
        "<b>Tekser</b>",
        *_lines(
            tr,
            N_(
                "Tekser finds forwarded posts and claims in a curated base of debunked "
                "disinformation about Kazakhstan and answers with the disproof and sources. "
                "Moderators keep the base current."
            ),
        ),
        esc(base),
        *_lines(tr, N_("It reads Russian, Kazakh and English.")),
    ]
    return Reply("\n\n".join(lines))


def privacy_reply(tr: Translator, *, retention_days: int) -> Reply:
    kept = tr.ngettext(
        "Kept for {n} day, then deleted:",
        "Kept for {n} days, then deleted:",
        retention_days,
    ).format(n=retention_days)
    lines = [
        "<b>" + esc(tr.gettext("What Tekser stores")) + "</b>",
        *_lines(tr, N_("The text of the messages you check is not stored.")),
        esc(kept),
        *_lines(
            tr,
            N_(
                "a log of checks: when, the verdict and which debunk, without the text "
                "and without who asked;"
            ),
            N_("which of my messages answers which of yours, so an edit updates my answer;"),
            N_(
                "messages you send to the fact-checkers: the text, where it was forwarded "
                "from (only public channels and chats by name) and the language."
            ),
            bullet="• ",
        ),
        *_lines(
            tr,
            N_("Kept until you change them: your language choice and your 👍/👎 votes."),
            N_("Everywhere else you are stored only by a keyed hash of your Telegram id."),
            N_(
                "Your chat id is kept only to deliver: until the fact-checkers answer what "
                "you sent them, and for 30 days after I show you a debunk, so a correction "
                "can reach you."
            ),
            N_("/forgetme deletes everything stored about you at once."),
        ),
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


def bot_commands(tr: Translator, *, group: bool = False) -> list[BotCommand]:
    """The command list shown in Telegram's menu, in one language."""
    return [
        BotCommand(name, tr.gettext(text)) for name, text in (GROUP_COMMANDS if group else COMMANDS)
    ]
