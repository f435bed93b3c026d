"""Pictures end to end: screenshots read by OCR, albums, copies of attached pictures, files that
are not pictures, moderators attaching a photo with /seen, and groups' automatic checks."""

from __future__ import annotations

import asyncio

import pytest

from bot.bootstrap import open_knowledge
from handlers.context import Services
from knowledge.moderation.drafts import DraftDebunk
from tests.e2e.conftest import Running, start_bot, stop_bot
from tests.e2e.moderation_fixtures import (  # noqa: F401  (fixtures)
    OWNER,
    answer,
    ask,
    command,
    moderation_settings,
    settings,
    standin,
)
from tests.e2e.pack import BIOLABS, FIVE_G
from tests.e2e.test_groups import ALICE, GROUP, barrier, replies_to, turn_auto_on
from tests.support.pictures import copies, encode, photo, screenshot
from tests.support.standin import StandIn, TgUser, mention_entity, origin_hidden_user, private_chat

pytestmark = pytest.mark.ocr  # Tesseract reads the pictures

READER = TgUser(1900, "Reader", "en")
FIVE_G_POST = "Срочно!\nВышки 5G в Алматы распространяют коронавирус, врачи молчат"
BIOLABS_CAPTION = "Пентагон разрабатывает биологическое оружие в лаборатории в Алматы"
EVIDENCE = "This picture is a copy of"


async def test_a_screenshot_without_caption_gets_the_disproof(bot: Running) -> None:
    picture = encode(screenshot(FIVE_G_POST, dark=True), quality=70)
    sent = bot.standin.push_photo(private_chat(READER), READER, picture)
    reply = await bot.standin.wait_reply(sent, timeout=30)
    assert "5G towers in Almaty spread the coronavirus" in reply.plain
    assert reply.reply_to == sent["message_id"]


async def test_an_album_with_one_caption_gets_exactly_one_reply(bot: Running) -> None:
    chat = private_chat(READER)
    first = bot.standin.push_photo(
        chat, READER, encode(photo(1)), caption=BIOLABS_CAPTION, media_group_id="album-1"
    )
    bot.standin.push_photo(chat, READER, encode(photo(2)), media_group_id="album-1")
    reply = await bot.standin.wait_reply(first, timeout=30)
    await bot.standin.settle()
    assert "biolabs" in reply.plain
    assert len(bot.standin.calls_to("sendMessage")) == 1


async def test_a_reshared_copy_of_an_attached_photo_matches_its_debunk(bot: Running) -> None:
    original = photo(7)
    await attach_with_seen(bot, BIOLABS, encode(original, quality=90))
    for name, copy in copies(original).items():
        since = len(bot.standin.calls)
        sent = bot.standin.push_photo(private_chat(READER), READER, copy)
        reply = await bot.standin.wait_reply(sent, timeout=30, since=since)
        assert EVIDENCE in reply.plain, name
        assert "US military biolabs" in reply.plain, name


async def test_an_exact_reforward_is_recognised_without_downloading(bot: Running) -> None:
    picture = encode(photo(8))
    await attach_with_seen(bot, BIOLABS, picture, unique_id="same-file")
    since = len(bot.standin.calls)
    sent = bot.standin.push_photo(private_chat(READER), READER, picture, unique_id="same-file")
    reply = await bot.standin.wait_reply(sent, timeout=30, since=since)
    assert EVIDENCE in reply.plain
    assert not [c for c in bot.standin.calls[since:] if c.method == "getFile"]


async def test_a_file_that_is_not_a_picture_gets_a_polite_line(bot: Running) -> None:
    sent = bot.standin.push_photo(private_chat(READER), READER, b"\x89PNG but not really")
    reply = await bot.standin.wait_reply(sent, timeout=30)
    assert "could not open this picture" in reply.plain
    assert len(bot.standin.calls_to("sendMessage")) == 1


async def test_an_unknown_photo_without_words_says_so(bot: Running) -> None:
    sent = bot.standin.push_photo(private_chat(READER), READER, encode(photo(9)))
    reply = await bot.standin.wait_reply(sent, timeout=30)
    assert "found no words in this picture" in reply.plain


async def test_a_moderator_attaches_a_photo_with_seen(bot: Running) -> None:
    chat = private_chat(OWNER)
    shown = bot.standin.push_photo(chat, OWNER, encode(photo(10)), caption="ribbon cutting")
    await bot.standin.wait_reply(shown, timeout=30)
    since = len(bot.standin.calls)
    text = f"/seen {FIVE_G}"
    bot.standin.push_message(chat, OWNER, text=text, entities=[_command(text)], reply_to=shown)
    await answer(bot.standin, OWNER.id, "Attached the picture", FIVE_G, since=since, timeout=30)
    assert bot.kb.card(FIVE_G).pictures[0].name == "ribbon cutting"
    # and the reader's copy now gets the debunk, the picture named as the evidence
    since = len(bot.standin.calls)
    sent = bot.standin.push_photo(private_chat(READER), READER, copies(photo(10))["half size"])
    reply = await bot.standin.wait_reply(sent, timeout=30, since=since)
    assert "“ribbon cutting”" in reply.plain
    assert "5G towers in Almaty spread the coronavirus" in reply.plain


async def test_automatic_checks_answer_copies_and_leave_other_photos_alone(bot: Running) -> None:
    await attach_with_seen(bot, BIOLABS, encode(photo(11)))
    await turn_auto_on(bot.standin)
    unrelated = bot.standin.push_photo(GROUP, ALICE, encode(photo(12)))
    copy = bot.standin.push_photo(GROUP, ALICE, copies(photo(11))["JPEG 40"])
    reply = await bot.standin.wait_for("sendMessage", replies_to(copy), timeout=30)
    assert reply.plain.startswith("🖼 Эта картинка — копия")  # no words: the group's Russian
    await barrier(bot.standin, GROUP)
    assert not bot.standin.calls_to("sendMessage", replies_to(unrelated))


def _command(text: str) -> dict[str, object]:
    return {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}


async def attach_with_seen(
    bot: Running, slug: str, picture: bytes, *, unique_id: str | None = None
) -> None:
    """The owner sends `picture` and replies to it with /seen `slug`."""
    chat = private_chat(OWNER)
    shown = bot.standin.push_photo(chat, OWNER, picture, unique_id=unique_id)
    await bot.standin.wait_reply(shown, timeout=30)
    since = len(bot.standin.calls)
    text = f"/seen {slug}"
    bot.standin.push_message(chat, OWNER, text=text, entities=[_command(text)], reply_to=shown)
    await answer(bot.standin, OWNER.id, "Attached the picture", since=since, timeout=30)


async def test_photos_sent_during_add_go_into_the_draft(bot: Running) -> None:
    s = bot.standin
    await ask(s, OWNER, "/add", "Send the claim as it circulates")
    since = len(s.calls)
    s.push_photo(private_chat(OWNER), OWNER, encode(photo(13)), caption="the ribbon photo")
    added = await answer(s, OWNER.id, "Picture 1 added to the draft", since=since, timeout=30)
    assert "Send the claim as it circulates" in added.plain  # the step's question again
    draft = await asyncio.to_thread(desk_draft, bot, OWNER.id)
    assert draft is not None and draft.pictures[0]["name"] == "the ribbon photo"


def desk_draft(bot: Running, user_id: int) -> DraftDebunk | None:
    services: Services = bot.app.bot_data["services"]
    return services.moderation.desks.draft(user_id)


async def test_each_picture_counts_against_the_readers_limit(sqlite_url: str) -> None:
    server = StandIn().start()
    limited = moderation_settings(server, sqlite_url, checks_per_minute=2)
    base = open_knowledge(limited)
    app = await start_bot(server, limited, base)
    try:
        chat = private_chat(READER)
        first = server.push_photo(chat, READER, encode(photo(14)), media_group_id="three")
        for seed in (15, 16):
            server.push_photo(chat, READER, encode(photo(seed)), media_group_id="three")
        reply = await server.wait_reply(first, timeout=30)
        assert "faster than I can take them (2 a minute)" in reply.plain
        assert not server.calls_to("getFile")  # nothing downloaded over the limit
    finally:
        await stop_bot(app)
        base.close()
        server.stop()


async def test_check_or_a_mention_in_reply_to_a_screenshot_checks_it(bot: Running) -> None:
    shot = bot.standin.push_photo(GROUP, ALICE, encode(screenshot(FIVE_G_POST, dark=True)))
    await barrier(bot.standin, GROUP)  # no automatic checks here: nothing said
    assert not bot.standin.calls_to("sendMessage", replies_to(shot))
    bot.standin.push_message(
        GROUP, ALICE, text="/check", entities=[_command("/check")], reply_to=shot
    )
    reply = await bot.standin.wait_for("sendMessage", replies_to(shot), timeout=30)
    assert "5G towers in Almaty spread the coronavirus" in reply.plain
    since = len(bot.standin.calls)
    mention = f"@{bot.standin.bot.username} это правда?"
    bot.standin.push_message(
        GROUP, ALICE, text=mention, entities=[mention_entity(mention, bot.standin.bot.username)],
        reply_to=shot,
    )  # fmt: skip
    again = await bot.standin.wait_for("sendMessage", replies_to(shot), since=since, timeout=30)
    assert "5G" in again.plain


async def test_a_forwarded_screenshot_and_the_readers_words_get_one_answer(bot: Running) -> None:
    chat = private_chat(READER)
    origin = origin_hidden_user("Someone")
    forwarded = bot.standin.push_photo(
        chat, READER, encode(screenshot(FIVE_G_POST, dark=True)), forward_origin=origin
    )
    bot.standin.push_text(READER, "это правда?")
    reply = await bot.standin.wait_reply(forwarded, timeout=30)
    await bot.standin.settle()
    assert "5G towers in Almaty spread the coronavirus" in reply.plain
    assert "Someone" in reply.plain  # where it was forwarded from
    assert reply.reply_to == forwarded["message_id"]
    assert len(bot.standin.calls_to("sendMessage")) == 1
