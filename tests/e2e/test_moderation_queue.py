"""The review queue end to end: public submissions reach /queue (grouped), are linked (the
submitters get the card in their language), answered by a new debunk, or dismissed; spam blocks
its sender; the moderators' chat hears of new submissions in one batch; corrections reach the
readers who got a card."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from knowledge.audience.submissions import Submission
from knowledge.moderation.deliveries import SubmitterContact
from knowledge.moderation.review import BlockedSubmitter
from tests.e2e.conftest import Running
from tests.e2e.moderation_fixtures import (  # noqa: F401  (fixtures)
    ANNOUNCE_SECONDS,
    EDITOR,
    MOD_CHAT,
    alert,
    answer,
    ask,
    grant,
    press,
    settings,
    standin,
)
from tests.e2e.pack import BAIKONUR
from tests.support.standin import Call, TgUser

AIGERIM = TgUser(1701, "Aigerim", "en")
IVAN = TgUser(1702, "Иван", "ru")
SPAMMER = TgUser(1703, "Spammer", "en")
RUMOUR = "Говорят, что стартовую площадку в степи передали Пекину навсегда"
NOT_FOUND = "did not find this claim"


async def submit(bot: Running, reader: TgUser, text: str) -> Call:
    """A reader's check finds nothing certain; they press "Send to fact-checkers" (or "None of
    these" under "Did you mean")."""
    reply = await ask(bot.standin, reader, text)
    label = next(b["text"] for b in reply.buttons() if b.get("callback_data") == "sub")
    return await press(bot.standin, reader, reply, label, "✅")


async def two_readers_submit(bot: Running, text: str) -> None:
    """Two readers send the same claim at about the same time."""
    replies = [await ask(bot.standin, r, text, "🔎") for r in (AIGERIM, IVAN)]
    since = len(bot.standin.calls)
    for reader, reply in zip((AIGERIM, IVAN), replies, strict=True):
        data = reply.button("📨")["callback_data"]
        bot.standin.push_callback(reader, reply.result, data)
    for reader in (AIGERIM, IVAN):
        await answer(bot.standin, reader.id, "✅", since=since)


async def test_a_submission_is_linked_and_the_submitters_receive_the_card(bot: Running) -> None:
    bot.standin.add_chat(MOD_CHAT)
    await grant(bot.standin, EDITOR)
    await two_readers_submit(bot, RUMOUR)
    # one batched announcement of both submissions in the moderators' chat
    announced = await answer(bot.standin, MOD_CHAT.id, "2 new submissions")
    assert RUMOUR[:40] in announced.plain and "2 waiting in all" in announced.plain

    queue = await ask(bot.standin, EDITOR, "/queue", "Queue: 2 submissions waiting", "sent 2 times")
    assert RUMOUR in queue.plain
    link = await press(bot.standin, EDITOR, queue, "Link to a debunk", "Which debunk", RUMOUR[:20])
    if "Kazakhstan secretly sold" not in str(link.buttons()):
        search = await press(bot.standin, EDITOR, link, "Search", "Send words to search")
        assert search
        link = await ask(bot.standin, EDITOR, "Baikonur", "Found for")
    confirm = await press(bot.standin, EDITOR, link, "Baikonur", "Link 2 submissions")
    assert confirm.button("☑️ Add the text as a wording")
    unticked = await press(bot.standin, EDITOR, confirm, "Add the text", "Link 2 submissions")
    assert unticked.button("⬜️ Add the text as a wording")
    ticked = await press(bot.standin, EDITOR, unticked, "Add the text", "Link 2 submissions")
    done = await press(bot.standin, EDITOR, ticked, "✅ Link", "Linked 2 submissions")
    assert "sent to 2 readers" in done.plain and "now a wording" in done.plain

    english = await answer(bot.standin, AIGERIM.id, "fact-checkers looked at the message")
    assert "Kazakhstan secretly sold the Baikonur cosmodrome to China" in english.plain
    russian = await answer(bot.standin, IVAN.id, "Казахстан тайно продал космодром Байконур")
    assert "❓" in russian.plain
    await answer(bot.standin, EDITOR.id, "queue is empty")
    with bot.kb.session() as session:
        statuses = {s.status for s in session.exec(select(Submission))}
        contacts = session.exec(select(SubmitterContact)).all()
    assert statuses == {"reviewed"}
    assert contacts == []  # raw ids are forgotten once the card is delivered
    # the submission's text became a wording: the same rumour now matches
    await ask(bot.standin, TgUser(1704, "Third", "en"), RUMOUR, "Baikonur")
    await asyncio.sleep(ANNOUNCE_SECONDS * 2)
    assert len(bot.standin.calls_to("sendMessage", lambda c: c.chat_id == MOD_CHAT.id)) == 1


async def correct_the_verdict(bot: Running, offered_to: str) -> None:
    """The editor changes Baikonur's verdict to False, is offered to send the corrected card
    (`offered_to`: to how many readers, as the offer says) and sends it."""
    menu = await ask(bot.standin, EDITOR, f"/edit {BAIKONUR}", "What do you want to change?")
    verdicts = await press(bot.standin, EDITOR, menu, "Verdict", "What is the verdict?")
    since = len(bot.standin.calls)
    await press(bot.standin, EDITOR, verdicts, "False", "Saved the verdict")
    offer = await answer(bot.standin, EDITOR.id, offered_to, since=since)
    await press(bot.standin, EDITOR, offer, "Send the correction", "Sending the corrected card")


async def test_a_corrected_card_can_be_sent_to_those_who_received_it(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await two_readers_submit(bot, RUMOUR)
    await ask(bot.standin, EDITOR, f"/show {BAIKONUR}", BAIKONUR)
    queue = await ask(bot.standin, EDITOR, "/queue", "sent 2 times")
    link = await press(bot.standin, EDITOR, queue, "Link to a debunk", "Which debunk")
    search = await press(bot.standin, EDITOR, link, "Search", "Send words to search")
    assert search
    found = await ask(bot.standin, EDITOR, "Baikonur", "Found for")
    confirm = await press(bot.standin, EDITOR, found, "Baikonur", "Link 2")
    await press(bot.standin, EDITOR, confirm, "✅ Link", "sent to 2 readers")

    await correct_the_verdict(bot, offered_to="2 readers received this card")
    await answer(bot.standin, EDITOR.id, "Sent the corrected card to 2 readers")
    corrected = await answer(bot.standin, AIGERIM.id, "Correction", "❌ False")
    assert "Kazakhstan secretly sold" in corrected.plain
    await answer(bot.standin, IVAN.id, "❌ Ложь")


async def test_a_new_debunk_from_the_queue_answers_the_submitter(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await submit(bot, AIGERIM, "Electricity prices in Almaty will triple from March")
    queue = await ask(bot.standin, EDITOR, "/queue", "sent 1 time")
    lang = await press(bot.standin, EDITOR, queue, "New debunk", "The claim is in 🇬🇧 English?")
    verdicts = await press(bot.standin, EDITOR, lang, "en", "What is the verdict?")
    await press(bot.standin, EDITOR, verdicts, "Misleading", "Send the title in 🇬🇧 English")
    await ask(bot.standin, EDITOR, "Electricity prices will triple", "Now the disproof")
    offer = await ask(bot.standin, EDITOR, "Tariffs rise by 12% at most.", "Title and disproof")
    sources = await press(bot.standin, EDITOR, offer, "Next: sources", "Send a source")
    wordings = await press(bot.standin, EDITOR, sources, "Skip", "The claim has 1 wording")
    preview = await press(bot.standin, EDITOR, wordings, "Next: preview", "answers 1 reader")
    done = await press(bot.standin, EDITOR, preview, "Publish", "Published")
    assert "sent to 1 reader" in done.plain
    card = await answer(bot.standin, AIGERIM.id, "fact-checkers looked", "Electricity prices")
    assert "⚠️ Misleading" in card.plain
    await ask(bot.standin, EDITOR, "/queue", "queue is empty")


async def test_spam_is_dismissed_and_its_sender_blocked_until_unblocked(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await submit(bot, SPAMMER, "BUY CHEAP FOLLOWERS NOW at spam.example")
    queue = await ask(bot.standin, EDITOR, "/queue", "sent 1 time")
    offer = await press(bot.standin, EDITOR, queue, "Spam", "Dismissed 1 submission: spam")
    await press(bot.standin, EDITOR, offer, "Block the sender", "Blocked 1 sender")

    reply = await ask(bot.standin, SPAMMER, "BUY MORE FOLLOWERS at spam.example", NOT_FOUND)
    refused = await alert(bot.standin, SPAMMER, reply, "fact-checkers")
    assert "can no longer send" in refused.params.get("text", "")
    await bot.standin.settle()
    with bot.kb.session() as session:
        assert len(session.exec(select(Submission)).all()) == 1  # the blocked one was not stored
        block = session.exec(select(BlockedSubmitter)).one()
    assert str(SPAMMER.id) not in block.user_hash  # stored by keyed hash only

    listed = await ask(bot.standin, EDITOR, "/unblock", "Blocked senders", "BUY CHEAP")
    await press(bot.standin, EDITOR, listed, "Unblock", "Unblocked")
    await submit(bot, SPAMMER, "BUY MORE FOLLOWERS at spam.example")


async def test_dismissing_as_not_a_claim_shows_the_next_one(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await submit(bot, AIGERIM, "What is the weather like in Astana today, is it going to rain")
    await submit(bot, IVAN, "Правда ли, что в Астане построят второе метро к 2030 году")
    queue = await ask(bot.standin, EDITOR, "/queue", "1/2", "weather")
    skipped = await press(bot.standin, EDITOR, queue, "Next", "2/2", "метро")
    assert skipped.method == "editMessageText"
    await press(bot.standin, EDITOR, skipped, "Not a claim", "Dismissed 1 submission: not a claim")
    nxt = await answer(bot.standin, EDITOR.id, "1/1", "weather")
    await press(bot.standin, EDITOR, nxt, "True", "Dismissed 1 submission: true")
    await answer(bot.standin, EDITOR.id, "queue is empty")
    gone = await alert(bot.standin, EDITOR, queue, "Link to a debunk")
    assert "already dealt with" in gone.params.get("text", "")
    with bot.kb.session() as session:
        assert session.exec(select(SubmitterContact)).all() == []


async def test_a_correction_reaches_a_reader_who_got_the_card_from_a_check(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    first = await bot.reply(AIGERIM, "Kazakhstan sold Baikonur cosmodrome to China")
    assert "Unproven" in first.plain

    await correct_the_verdict(bot, offered_to="1 reader received this card")
    corrected = await answer(bot.standin, AIGERIM.id, "Correction", "❌ False")
    assert "Kazakhstan secretly sold" in corrected.plain
