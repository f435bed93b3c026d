"""What Tekser says about pictures, as pure functions (the card itself comes from views)."""

from __future__ import annotations

from handlers.i18n import Translator
from handlers.lengths import fit_html
from handlers.public.views import Reply, esc, shorten
from knowledge.images.index import PictureHit

PICTURE_NAME_LIMIT = 80


def seen_picture_line(tr: Translator, picture: PictureHit) -> str:
    """The evidence of a picture match: the attached picture this one is a copy of."""
    _ = tr.gettext
    if picture.name:
        line = _("🖼 This picture is a copy of “{name}”, attached to this debunk by fact-checkers.")
        return line.format(name=esc(shorten(picture.name, PICTURE_NAME_LIMIT)))
    return esc(_("🖼 This picture is a copy of one attached to this debunk by fact-checkers."))


def with_picture_evidence(reply: Reply, tr: Translator, picture: PictureHit | None) -> Reply:
    """The answer to pictures, the evidence line first when a known picture matched."""
    if picture is None:
        return reply
    return Reply(fit_html(f"{seen_picture_line(tr, picture)}\n\n{reply.text}"), reply.markup)


def unreadable_picture_reply(tr: Translator) -> Reply:
    return Reply(
        esc(
            tr.gettext(
                "Sorry, I could not open this picture. Send it as a photo (JPEG or PNG), "
                "or send me its text."
            )
        )
    )


def too_large_picture_reply(tr: Translator, *, max_bytes: int) -> Reply:
    megabytes = max(1, max_bytes // (1024 * 1024))
    text = tr.gettext(
        "This picture is too large for me to check (at most {size} MB). "
        "Send a smaller one, or its text."
    )
    return Reply(esc(text.format(size=megabytes)))


def no_words_reply(tr: Translator) -> Reply:
    return Reply(
        esc(
            tr.gettext(
                "I found no words in this picture, and fact-checkers have not attached it to any "
                "debunk. If it makes a claim, send me the claim as text."
            )
        )
    )
