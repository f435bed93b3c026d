"""What /term says (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from handlers.moderation.i18n import MN_, ModerationTranslator
from handlers.moderation.views import fit, when
from handlers.public.views import Reply
from knowledge.debunks.terms import TermError, TermGroup, written

EXAMPLE = "/term ru: прививка, вакцина; kk: екпе; en: vaccine"
# what TermError's codes say (the English is also the command line's, bot/cli.py)
PROBLEMS = {
    "language": MN_("Start each part with its language, ru:, kk: or en: (not {part})."),
    "twice": MN_("{lang}: is given twice; list its words once, separated by commas."),
    "empty": MN_("{lang}: lists no word."),
    "too-many": MN_("{lang}: lists {n} words; at most {most} a language."),
    "not-a-word": MN_("{word} is not one word (letters and digits, no spaces)."),
    "common": MN_("{word} is too common a word to link languages."),
    "format": MN_("Write the group as  ru: word, word; kk: word; en: word"),
    "single": MN_("A group needs at least two words: the same thing in another language."),
    "full": MN_("The base holds {n} groups already; remove one first."),
}


def group_line(row: TermGroup) -> str:
    """`#3 ru: прививка, вакцина · kk: екпе · en: vaccine`, escaped."""
    return f"<b>#{row.id}</b> " + escape(written(row.words, " · "))


def listing(tr: ModerationTranslator, rows: Sequence[TermGroup]) -> Reply:
    """The usage first, then the groups newest first, as many as one message holds (the
    command line lists them all: `tekser term list`)."""
    title = escape(tr.m_("Glossary terms added by moderators"))
    lines = [f"<b>{title}</b> ({len(rows)})" if rows else f"<b>{title}</b>"]
    if rows:
        lines.append(escape(tr.m_("Add another, for example:")))
    else:
        lines.append(escape(tr.m_("None yet. Add a group of equivalent words, for example:")))
    lines.append(f"<code>{escape(EXAMPLE)}</code>")
    if rows:
        lines.append(escape(tr.m_("/term remove N removes a group.")))
    for row in reversed(rows):
        lines.append(f"{group_line(row)} <i>({escape(when(row.added_at))})</i>")
    return Reply(fit(lines))


def added(tr: ModerationTranslator, row: TermGroup) -> Reply:
    text = tr.m_("Added: messages in any of its languages now meet debunks written in the others.")
    lines = [f"✅ {group_line(row)}", escape(text)]
    if any(word[:1].isupper() for words in row.words.values() for word in words):
        lines.append(
            escape(
                tr.m_(
                    "Written with a capital letter, it counts as a name: a debunk whose wording "
                    "names it is answered only to messages that name it too."
                )
            )
        )
    return Reply("\n".join(lines))


def removed(tr: ModerationTranslator, group_id: int, *, found: bool) -> Reply:
    if not found:
        return Reply(
            escape(tr.m_("There is no term group #{n}. /term lists them.").format(n=group_id))
        )
    return Reply("✅ " + escape(tr.m_("Removed term group #{n}.").format(n=group_id)))


def problem_text(error: TermError) -> str:
    """The problem in English, one line."""
    return PROBLEMS[error.code].format(**error.details)


def problem(tr: ModerationTranslator, error: TermError) -> Reply:
    text = tr.m_(PROBLEMS[error.code]).format(**error.details)
    return Reply("⚠️ " + escape(text) + f"\n<code>{escape(EXAMPLE)}</code>")
