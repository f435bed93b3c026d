"""Editing the base from Telegram end to end: one-line commands, /edit with buttons, the audit
log, version checks, and matching that follows every change at once."""

from __future__ import annotations

from sqlmodel import select

from knowledge.formats.pack import PackDebunk, parse_pack
from knowledge.moderation.audit import AuditEvent
from tests.e2e.conftest import Running
from tests.e2e.moderation_fixtures import (  # noqa: F401  (fixtures)
    EDITOR,
    EDITOR2,
    STRANGER,
    answer,
    ask,
    grant,
    press,
    settings,
    standin,
)
from tests.e2e.pack import BAIKONUR, BIOLABS, FIVE_G
from tests.support.standin import TgUser

READER = TgUser(1500, "Reader", "en")
BIOLABS_RU = "Американские биолаборатории в Казахстане распространяют болезни!!!"
NEW_WORDING = "Пекин теперь владеет стартовой площадкой в степи, её отдали за долги"
NO_MATCH = "did not find this claim"


async def check(bot: Running, text: str, *expect: str) -> str:
    """A reader's public check; returns what the bot answered."""
    reply = await ask(bot.standin, READER, text, *expect)
    return reply.plain


async def test_phrase_makes_a_new_wording_match_at_once(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    before = await check(bot, NEW_WORDING)
    assert "Baikonur" not in before
    done = await ask(
        bot.standin, EDITOR, f"/phrase {BAIKONUR} {NEW_WORDING}", "Added a wording", "Version 2"
    )
    assert BAIKONUR in done.plain
    after = await check(bot, NEW_WORDING, "Kazakhstan secretly sold the Baikonur cosmodrome")
    assert "❓ Unproven" in after
    card = bot.kb.card(BAIKONUR)
    assert card is not None and ("ru", NEW_WORDING) in [(c.lang, c.text) for c in card.claims]


async def test_a_duplicate_wording_or_a_bad_url_is_refused_with_one_line(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await ask(
        bot.standin, EDITOR, f"/phrase {FIVE_G} 5G towers spread the coronavirus", "already has"
    )
    await ask(bot.standin, EDITOR, f"/source {FIVE_G} ftp://x.example/a", "Not a web address")
    await ask(bot.standin, EDITOR, "/phrase no-such-slug some text", "No debunk has the slug")
    card = bot.kb.card(FIVE_G)
    assert card is not None and card.version == 1


async def test_retire_stops_matching_and_restore_brings_it_back(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await check(bot, BIOLABS_RU, "US military biolabs")
    await ask(bot.standin, EDITOR, f"/retire {BIOLABS}", "is retired")
    assert NO_MATCH in await check(bot, BIOLABS_RU, NO_MATCH)
    await ask(bot.standin, EDITOR, f"/restore {BIOLABS}", "is published")
    await check(bot, BIOLABS_RU, "US military biolabs")
    history = await ask(bot.standin, EDITOR, f"/history {BIOLABS}", "History of")
    assert "publish" in history.plain and "retire" in history.plain
    assert "status: retired → published" in history.plain


async def test_source_and_seen(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await ask(
        bot.standin, EDITOR, f"/source {FIVE_G} https://factcheck.kz/5g <b>5G</b> & health",
        "Added a source",
    )  # fmt: skip
    card = await check(bot, "Вышки 5G распространяют коронавирус", "5G towers")
    assert "<b>5G</b> & health" in card  # escaped, shown as typed
    await ask(bot.standin, EDITOR, f"/seen {FIVE_G} https://fake.example/5g-post", "circulates")
    await check(bot, "look https://fake.example/5g-post", "5G towers in Almaty")


async def test_show_find_and_list(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await ask(bot.standin, EDITOR, f"/retire {FIVE_G}", "is retired")
    found = await ask(bot.standin, EDITOR, "/find 5g towers", "Found for")
    assert FIVE_G in found.plain and "🗄" in found.plain  # retired ones are found too
    shown = await press(bot.standin, EDITOR, found, "1", FIVE_G, "retired")
    assert "Wordings (2)" in shown.plain
    assert shown.button("Publish")
    listing = await ask(bot.standin, EDITOR, "/list", "All debunks", "page 1 of 1")
    assert all(slug in listing.plain for slug in (BIOLABS, FIVE_G, BAIKONUR))
    retired = await ask(bot.standin, EDITOR, "/list retired", "page 1 of 1")
    assert FIVE_G in retired.plain and BIOLABS not in retired.plain


async def test_list_pages_with_buttons(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    for number in range(10):
        bot.kb.import_entries(_extra_entries(number))
    first = await ask(bot.standin, EDITOR, "/list", "page 1 of 2")
    second = await press(bot.standin, EDITOR, first, "▶️", "page 2 of 2")
    assert second.method == "editMessageText"
    back = await press(bot.standin, EDITOR, second, "◀️", "page 1 of 2")
    assert back.plain == first.plain


def _extra_entries(number: int) -> list[PackDebunk]:
    entry = {
        "slug": f"extra-claim-{number}",
        "verdict": "false",
        "title": {"en": f"Extra claim number {number}"},
        "disproof": {"en": "Not true."},
        "claims": [{"lang": "en", "text": f"extra claim number {number} wording"}],
    }
    return parse_pack({"format": "debunk-pack/1", "debunks": [entry]}).debunks


async def test_edit_with_buttons_and_a_stale_edit_is_refused(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await grant(bot.standin, EDITOR2)
    first = await ask(bot.standin, EDITOR, f"/edit {BIOLABS}", "What do you want to change?")
    second = await ask(bot.standin, EDITOR2, f"/edit {BIOLABS}", "What do you want to change?")
    first = await press(bot.standin, EDITOR, first, "Disproof", "which language")
    first = await press(bot.standin, EDITOR, first, "en", "Send the new disproof in")
    second = await press(bot.standin, EDITOR2, second, "Title", "which language")
    second = await press(bot.standin, EDITOR2, second, "en", "Send the new title in")

    saved = await ask(
        bot.standin, EDITOR, "The laboratory belongs to the health ministry.", "Saved the disproof"
    )
    assert "Version 2" in saved.plain
    refused = await ask(bot.standin, EDITOR2, "Biolabs make people sick", "Not saved")
    assert "Erlan Editor changed" in refused.plain
    assert "you started from version 1" in refused.plain

    card = bot.kb.card(BIOLABS)
    assert card is not None and card.version == 2
    assert card.titles["en"] == "US military biolabs in Kazakhstan spread dangerous diseases"
    assert card.disproofs["en"] == "The laboratory belongs to the health ministry."
    with bot.kb.session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.slug == BIOLABS)).one()
    assert event.actor_id == EDITOR.id and event.action == "edit-disproof"
    assert event.before is not None and "<script>" in event.before["disproof"]["en"]
    assert event.after == {"disproof": {**event.before["disproof"], "en": card.disproofs["en"]}}


async def test_edit_verdict_tags_and_removal(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    menu = await ask(bot.standin, EDITOR, f"/edit {FIVE_G}", "What do you want to change?")
    verdicts = await press(bot.standin, EDITOR, menu, "Verdict", "What is the verdict?")
    menu = await press(bot.standin, EDITOR, verdicts, "Misleading", "Saved the verdict", "v2")
    tags = await press(bot.standin, EDITOR, menu, "Tags", "Send the tags")
    assert tags
    menu = await ask(bot.standin, EDITOR, "health, 5G ,  health", "Saved the tags")
    removal = await press(bot.standin, EDITOR, menu, "Wordings", "Tap the one to remove")
    menu = await press(bot.standin, EDITOR, removal, "✖️ 1", "Removed a wording")
    removal = await press(bot.standin, EDITOR, menu, "Wordings", "Tap the one to remove")
    await press(bot.standin, EDITOR, removal, "✖️ 1", "needs at least one claim wording")
    await ask(bot.standin, EDITOR, "/cancel", "Stopped")
    card = bot.kb.card(FIVE_G)
    assert card is not None
    assert (card.verdict, card.tags, card.version) == ("misleading", ("health", "5g"), 4)
    assert [c.text for c in card.claims] == ["5G towers spread the coronavirus"]
    reader_view = await check(bot, "5G towers spread the coronavirus", "⚠️ Misleading")
    assert "5G towers in Almaty" in reader_view


async def test_html_in_moderator_input_is_escaped_everywhere(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await ask(bot.standin, EDITOR, f"/phrase {BAIKONUR} <i>Байконур</i> & Китай <b>", "Added")
    shown = await ask(bot.standin, EDITOR, f"/show {BAIKONUR}", "Wordings (3)")
    assert "<i>Байконур</i> & Китай <b>" in shown.plain
    assert "&lt;i&gt;" in shown.text
    await ask(bot.standin, STRANGER, f"/show {BAIKONUR}", "for Tekser's moderators")
    assert await answer(bot.standin, EDITOR.id, "Wordings (3)")
