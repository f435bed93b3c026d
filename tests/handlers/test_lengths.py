"""Telegram counts lengths in UTF-16 units: emoji-heavy cards still fit in one message, an inline
result and a caption, and cutting never breaks a character, an entity or a tag."""

from __future__ import annotations

from telegram import InputTextMessageContent

from handlers.i18n import translator
from handlers.lengths import CAPTION_LIMIT, MESSAGE_LIMIT, cut_utf16, fit_html, utf16_len
from handlers.public import views as render
from handlers.public.incoming import Forwarded
from knowledge.debunks.cards import DebunkCard, SourceRef
from knowledge.debunks.checking import Finding
from tests.support.standin import html_errors, strip_html
from tests.support.standin import utf16_len as telegram_length

EN = translator("en")
EMOJI = "😀"  # two UTF-16 units


def emoji_card(slug: str = "emoji-card") -> DebunkCard:
    sources = tuple(
        SourceRef(f"https://example.org/{i}", EMOJI * 200, EMOJI * 100) for i in range(7)
    )
    return DebunkCard(
        slug=slug,
        verdict="false",
        status="published",
        titles={"en": EMOJI * 400},
        disproofs={"en": (EMOJI + " ") * 1500 + EMOJI * 3000},
        sources=sources,
    )


def sendable(text: str, limit: int = MESSAGE_LIMIT) -> None:
    assert html_errors(text) == []
    assert telegram_length(strip_html(text)) <= limit
    text.encode("utf-8")  # no lone surrogate


def test_an_emoji_heavy_card_fits_in_one_message() -> None:
    origin = Forwarded("channel", EMOJI * 300, "https://t.me/c/1/2")
    sendable(render.card_reply(emoji_card(), EN, bot_username="tekser_bot", origin=origin).text)
    findings = [Finding(emoji_card(f"card-{i}"), 0.9, "match") for i in range(5)]
    reply = render.matches_reply(findings, EN, bot_username="tekser_bot", origin=origin)
    sendable(fit_html(reply.text))


def test_an_emoji_heavy_inline_result_fits() -> None:
    (result,) = render.inline_results([emoji_card()], EN, bot_username="tekser_bot")
    content = result.input_message_content
    assert isinstance(content, InputTextMessageContent)
    sendable(content.message_text)
    assert utf16_len(result.description or "") <= render.INLINE_DESCRIPTION_LIMIT


def test_a_card_as_a_caption_fits() -> None:
    text = render.card_text(emoji_card(), EN)
    sendable(fit_html(text, CAPTION_LIMIT), CAPTION_LIMIT)


def test_cutting_keeps_characters_entities_and_tags_whole() -> None:
    assert utf16_len(EMOJI + "ab") == 4 == telegram_length(EMOJI + "ab")
    assert cut_utf16(EMOJI * 3, 5) == EMOJI * 2
    text = "<b>" + "&amp;" * 10 + EMOJI * 10 + '</b> <a href="https://x.org/?a=1&amp;b=2">link</a>'
    for limit in range(1, 40):
        cut = fit_html(text, limit)
        assert html_errors(cut) == [], cut
        assert telegram_length(strip_html(cut)) <= limit
        assert cut.endswith(("…", "…</b>", "…</a>")) or cut == text
    assert fit_html(text, 100) == text
    assert fit_html("<i>" + "x" * 5000 + "</i>").endswith("…</i>")
