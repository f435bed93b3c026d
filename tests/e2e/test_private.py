"""Private chats end to end: the real Application polling the Bot API stand-in over HTTP."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from knowledge.audience.check_log import CheckRecord
from knowledge.audience.submissions import Submission
from knowledge.audience.votes import FeedbackVote
from tests.e2e.conftest import GRACE, Running
from tests.e2e.pack import BIOLABS, FIVE_G, RUSSIAN_BAN
from tests.support.standin import (
    TgChat,
    TgUser,
    origin_channel,
    origin_chat,
    origin_hidden_user,
    origin_user,
    private_chat,
    text_link,
)

BIOLABS_RU = "Американские биолаборатории в Казахстане распространяют болезни!!!"
WEATHER = "Погода в Алматы завтра будет солнечной, до +25 градусов"
VAGUE = "секретные лаборатории Пентагона в Казахстане"


async def test_a_known_claim_gets_the_card_with_sources_share_and_feedback(
    bot: Running, reader: TgUser
) -> None:
    sent = bot.standin.push_text(reader, BIOLABS_RU)
    reply = await bot.standin.wait_reply(sent)
    assert reply.reply_to == sent["message_id"]
    assert "❌ False" in reply.plain
    assert "US military biolabs in Kazakhstan spread dangerous diseases" in reply.plain
    assert "<script>alert(1)</script> & is open to inspectors" in reply.plain  # escaped, shown
    assert '<a href="https://factcheck.kz/biolabs?a=1&amp;b=&lt;2&gt;">' in reply.text
    assert "Biolabs <b>myth</b> & facts" in reply.plain
    share = reply.button("Share")
    assert share["url"] == f"https://t.me/tekser_test_bot?start=d-{BIOLABS}"
    assert reply.button("👍")["callback_data"] == f"v+:{BIOLABS}"
    assert reply.button("👎")["callback_data"] == f"v-:{BIOLABS}"


async def test_the_reply_comes_in_the_readers_telegram_language(
    bot: Running, ru_reader: TgUser
) -> None:
    reply = await bot.reply(ru_reader, "Kazakhstan will ban the Russian language")
    assert "⚠️ Вводит в заблуждение" in reply.plain
    assert "В Казахстане запретят русский язык" in reply.plain
    assert "Источники:" in reply.plain
    assert reply.button("Поделиться")


async def test_debunk_content_falls_back_to_russian_then_english(bot: Running) -> None:
    kazakh = TgUser(1010, "Асель", "kk")
    reply = await bot.reply(kazakh, "Казахстан продал Байконур Китаю")
    assert "❓ Дәлелденбеген" in reply.plain  # interface in Kazakh
    assert "Казахстан тайно продал космодром Байконур Китаю" in reply.plain  # no kk title: ru
    assert "Байконур арендован Россией до 2050 года" in reply.plain


@pytest.mark.parametrize(
    ("origin_kind", "expected"),
    [
        ("user", "Forwarded from Daulet"),
        ("hidden_user", "Forwarded from Anonymous Poster (hidden account)"),
        ("chat", "Forwarded from the chat Almaty Parents"),
        ("channel", "Forwarded from the channel Truth KZ"),
    ],
)
async def test_each_forward_origin_is_named_in_the_reply(
    bot: Running, reader: TgUser, origin_kind: str, expected: str
) -> None:
    origins = {
        "user": origin_user(TgUser(2002, "Daulet", None)),
        "hidden_user": origin_hidden_user("Anonymous Poster"),
        "chat": origin_chat(TgChat(-100500, "supergroup", title="Almaty Parents")),
        "channel": origin_channel(
            TgChat(-100600, "channel", title="Truth KZ", username="truth_kz"), 77
        ),
    }
    sent = bot.standin.push_text(
        reader, "Вышки 5G в Алматы распространяют коронавирус", forward_origin=origins[origin_kind]
    )
    reply = await bot.standin.wait_reply(sent)
    assert expected in reply.plain
    assert "5G towers in Almaty spread the coronavirus" in reply.plain
    if origin_kind == "channel":
        assert '<a href="https://t.me/truth_kz/77">Truth KZ</a>' in reply.text
    assert len(bot.standin.calls_to("sendMessage")) == 1


async def test_a_forward_and_the_readers_words_are_answered_once(
    bot: Running, reader: TgUser
) -> None:
    chat = private_chat(reader)
    channel = TgChat(-100601, "channel", title="Qazaq Leaks")
    forward = bot.standin.push_message(
        chat, reader, text=BIOLABS_RU, forward_origin=origin_channel(channel, 5)
    )
    bot.standin.push_message(chat, reader, text="is this true?")
    reply = await bot.standin.wait_reply(forward)
    assert reply.reply_to == forward["message_id"]
    assert "biolabs" in reply.plain
    await asyncio.sleep(GRACE + 0.3)
    await bot.standin.settle()
    assert len(bot.standin.calls_to("sendMessage")) == 1


async def test_a_lone_forward_is_answered_after_the_grace_period(
    bot: Running, reader: TgUser
) -> None:
    reply = await bot.reply(reader, BIOLABS_RU, forward_origin=origin_hidden_user("Someone"))
    waited = reply.at - bot.standin.pushed_at[max(bot.standin.pushed_at)]
    assert waited >= GRACE * 0.9
    assert "biolabs" in reply.plain


@pytest.mark.parametrize("media", ["photo", "video", "document"])
async def test_captions_are_checked(bot: Running, reader: TgUser, media: str) -> None:
    sent = bot.standin.push_message(
        private_chat(reader), reader, media=media, caption="Вышки 5G распространяют коронавирус"
    )
    reply = await bot.standin.wait_reply(sent)
    assert "5G towers in Almaty spread the coronavirus" in reply.plain


async def test_a_link_recorded_as_an_appearance_matches_its_debunk(
    bot: Running, reader: TgUser
) -> None:
    reply = await bot.reply(reader, "look at this https://fakenews.example/biolabs-kz")
    assert "US military biolabs" in reply.plain


async def test_a_link_hidden_behind_words_matches_too(bot: Running, reader: TgUser) -> None:
    text = "read this article"
    link = text_link(text, 10, 7, "https://fakenews.example/biolabs-kz")
    reply = await bot.reply(reader, text, entities=[link])
    assert "US military biolabs" in reply.plain


async def test_a_long_post_lists_every_debunked_claim_in_one_reply(
    bot: Running, reader: TgUser
) -> None:
    post = (
        "Срочно! Вышки 5G в Алматы распространяют коронавирус, врачи молчат.\n\n"
        "А ещё в Казахстане запретят русский язык уже в этом году, говорят источники.\n\n"
        + "Подписывайтесь на канал, делитесь с друзьями. "
        * 10
    )
    reply = await bot.reply(reader, post)
    assert "This message repeats 2 debunked claims" in reply.plain
    assert "5G towers in Almaty spread the coronavirus" in reply.plain
    assert "Kazakhstan will ban the Russian language" in reply.plain
    data = {b.get("callback_data") for b in reply.buttons()}
    assert {f"v+:{FIVE_G}", f"v+:{RUSSIAN_BAN}"} <= data
    assert len(bot.standin.calls_to("sendMessage")) == 1


async def test_an_edit_re_checks_and_edits_the_earlier_reply(bot: Running, reader: TgUser) -> None:
    sent = bot.standin.push_text(reader, WEATHER)
    first = await bot.standin.wait_reply(sent)
    assert "did not find" in first.plain
    bot.standin.push_edit(sent, text="Вышки 5G в Алматы распространяют коронавирус")
    edit = await bot.standin.wait_for("editMessageText")
    assert edit.params["message_id"] == first.result["message_id"]
    assert "5G towers in Almaty spread the coronavirus" in edit.plain
    await bot.standin.settle()
    assert len(bot.standin.calls_to("sendMessage")) == 1
    shown = bot.standin.stored_message(sent["chat"]["id"], first.result["message_id"])
    assert shown is not None and "5G towers" in shown["text"]


async def test_possible_matches_offer_did_you_mean_buttons(bot: Running, reader: TgUser) -> None:
    reply = await bot.reply(reader, VAGUE)
    assert "Did you mean…?" in reply.plain
    candidate = reply.button("US military biolabs")  # the debunk's title, no percentage
    assert candidate["callback_data"] == f"c:{BIOLABS}"
    assert "%" not in candidate["text"]
    assert reply.button("None of these")["callback_data"] == "sub"

    bot.standin.push_callback(reader, reply.result, candidate["callback_data"])
    card = await bot.standin.wait_for("sendMessage", lambda c: "❌ False" in c.plain)
    assert "US military biolabs" in card.plain
    answered = await bot.standin.wait_for("answerCallbackQuery")
    assert answered.params["callback_query_id"]


async def test_no_match_offers_the_fact_checkers_and_stores_a_submission(
    bot: Running, reader: TgUser
) -> None:
    channel = TgChat(-100700, "channel", title="City News", username="citynews")
    reply = await bot.reply(reader, WEATHER, forward_origin=origin_channel(channel, 9))
    assert "I did not find this claim among 4 debunked claims" in reply.plain
    assert "That does not make it true" in reply.plain
    button = reply.button("Send to fact-checkers")

    bot.standin.push_callback(reader, reply.result, button["callback_data"])
    edit = await bot.standin.wait_for("editMessageText")
    assert "Sent to the fact-checkers" in edit.plain
    assert not edit.buttons()
    with bot.kb.session() as session:
        rows = list(session.exec(select(Submission)))
    assert len(rows) == 1
    assert WEATHER in rows[0].text
    assert (rows[0].origin_kind, rows[0].origin_title) == ("channel", "City News")
    assert rows[0].origin_url == "https://t.me/citynews/9"
    assert rows[0].lang == "en"
    assert rows[0].user_hash != str(reader.id) and len(rows[0].user_hash) == 64


async def test_none_of_these_also_leads_to_a_submission(bot: Running, reader: TgUser) -> None:
    reply = await bot.reply(reader, VAGUE)
    bot.standin.push_callback(reader, reply.result, reply.button("None of these")["callback_data"])
    await bot.standin.wait_for("editMessageText", lambda c: "Sent to the fact-checkers" in c.plain)
    with bot.kb.session() as session:
        assert [s.text for s in session.exec(select(Submission))] == [VAGUE]


async def test_a_person_forwarded_from_is_not_stored_by_name(bot: Running, reader: TgUser) -> None:
    origin = origin_user(TgUser(3003, "Secret Person", None))
    reply = await bot.reply(reader, WEATHER, forward_origin=origin)
    bot.standin.push_callback(reader, reply.result, "sub")
    await bot.standin.wait_for("editMessageText")
    with bot.kb.session() as session:
        row = session.exec(select(Submission)).one()
    assert (row.origin_kind, row.origin_title) == ("user", "")


async def test_feedback_is_one_changeable_vote_per_reader(bot: Running, reader: TgUser) -> None:
    reply = await bot.reply(reader, BIOLABS_RU)
    other = TgUser(1020, "Other", "en")
    for who, data in (
        (reader, f"v+:{BIOLABS}"),
        (reader, f"v+:{BIOLABS}"),
        (other, f"v+:{BIOLABS}"),
    ):
        bot.standin.push_callback(who, reply.result, data)
    await bot.standin.settle()
    bot.standin.push_callback(reader, reply.result, f"v-:{BIOLABS}")
    await bot.standin.settle()
    with bot.kb.session() as session:
        votes = sorted(v.vote for v in session.exec(select(FeedbackVote)))
    assert votes == [-1, 1]
    markup = bot.standin.calls_to("editMessageReplyMarkup")[-1]
    labels = [b["text"] for b in markup.buttons()]
    assert "👍 1" in labels and "👎 1" in labels
    thanks = bot.standin.calls_to("answerCallbackQuery")
    assert len(thanks) == 4 and "Thanks" in thanks[0].params["text"]


async def test_a_deep_link_opens_the_same_card(bot: Running, reader: TgUser) -> None:
    text = f"/start d-{BIOLABS}"
    sent = bot.standin.push_text(
        reader, text, entities=[{"type": "bot_command", "offset": 0, "length": 6}]
    )
    reply = await bot.standin.wait_reply(sent)
    assert "US military biolabs" in reply.plain
    assert reply.button("Share")["url"].endswith(f"start=d-{BIOLABS}")
    with bot.kb.session() as session:
        shown = session.exec(select(CheckRecord).where(CheckRecord.source == "deep-link")).one()
    assert shown.slug == BIOLABS


async def test_a_deep_link_to_an_unknown_card_says_so(bot: Running, reader: TgUser) -> None:
    sent = bot.standin.push_text(
        reader,
        "/start d-no-such-card",
        entities=[{"type": "bot_command", "offset": 0, "length": 6}],
    )
    reply = await bot.standin.wait_reply(sent)
    assert "not available" in reply.plain


async def test_language_switches_the_reply_language(bot: Running, reader: TgUser) -> None:
    command = bot.standin.push_text(
        reader, "/language", entities=[{"type": "bot_command", "offset": 0, "length": 9}]
    )
    prompt = await bot.standin.wait_reply(command)
    assert [b["callback_data"] for b in prompt.buttons()] == ["l:en", "l:ru", "l:kk"]
    bot.standin.push_callback(reader, prompt.result, "l:kk")
    confirmed = await bot.standin.wait_for("editMessageText")
    assert "қазақ тілінде" in confirmed.plain

    since = len(bot.standin.calls)
    sent = bot.standin.push_text(reader, "Вышки 5G в Алматы распространяют коронавирус")
    reply = await bot.standin.wait_for("sendMessage", since=since)
    assert reply.reply_to == sent["message_id"]
    assert "Алматыдағы 5G мұнаралары коронавирус таратады" in reply.plain
    assert "❌ Жалған" in reply.plain


async def test_the_language_choice_survives_a_restart(bot: Running, reader: TgUser) -> None:
    from tests.e2e.conftest import start_bot, stop_bot

    command = bot.standin.push_text(
        reader, "/language", entities=[{"type": "bot_command", "offset": 0, "length": 9}]
    )
    prompt = await bot.standin.wait_reply(command)
    bot.standin.push_callback(reader, prompt.result, "l:ru")
    await bot.standin.wait_for("editMessageText")
    await stop_bot(bot.app)
    app = await start_bot(bot.standin, bot.settings, bot.kb)
    try:
        since = len(bot.standin.calls)
        bot.standin.push_text(
            reader, "/help", entities=[{"type": "bot_command", "offset": 0, "length": 5}]
        )
        reply = await bot.standin.wait_for("sendMessage", since=since)
        assert "Как пользоваться Tekser" in reply.plain
    finally:
        await stop_bot(app)
    bot.app = await start_bot(bot.standin, bot.settings, bot.kb)  # for the fixture's teardown


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/help", "How to use Tekser"),
        ("/about", "The base holds 4 published debunks."),
        ("/privacy", "Kept for 90 days, then deleted"),
        ("/start", "I know 4 debunked claims about Kazakhstan."),
        ("/frobnicate", "How to use Tekser"),
    ],
)
async def test_commands_answer(bot: Running, reader: TgUser, command: str, expected: str) -> None:
    sent = bot.standin.push_text(
        reader, command, entities=[{"type": "bot_command", "offset": 0, "length": len(command)}]
    )
    reply = await bot.standin.wait_reply(sent)
    assert expected in reply.plain


async def test_greetings_get_a_hint_not_a_submission_prompt(bot: Running, reader: TgUser) -> None:
    for text in ("hi!", "Привет", "is this true?", "👍👍"):
        since = len(bot.standin.calls)
        sent = bot.standin.push_text(reader, text)
        reply = await bot.standin.wait_reply(sent, since=since)
        assert "Send or forward me a message" in reply.plain
        assert not reply.buttons()


async def test_the_command_menu_is_registered_per_language(bot: Running) -> None:
    for lang, start in (("en", "Start"), ("ru", "Начать"), ("kk", "Бастау"), ("", "Начать")):
        commands = {c["command"]: c["description"] for c in bot.standin.commands(lang)}
        assert commands["start"] == start
        assert {"help", "language", "privacy", "about"} <= set(commands)
        group = {c["command"] for c in bot.standin.commands(lang, "all_group_chats")}
        assert {"check", "settings"} <= group


async def test_too_many_checks_get_one_friendly_notice(standin, tmp_path, reader: TgUser) -> None:
    from bot.bootstrap import open_knowledge
    from tests.e2e.conftest import bot_settings, start_bot, stop_bot
    from tests.e2e.pack import pack_entries

    settings = bot_settings(standin, f"sqlite:///{tmp_path / 'limit.db'}", checks_per_minute=3)
    kb = open_knowledge(settings)
    kb.import_entries(pack_entries())
    app = await start_bot(standin, settings, kb)
    try:
        for i in range(6):
            standin.push_text(reader, f"Вышки 5G распространяют коронавирус {i}")
        await standin.settle(quiet=0.6)
        texts = [c.plain for c in standin.calls_to("sendMessage")]
        assert sum("5G towers" in t for t in texts) == 3
        assert sum("faster than I can take them (3 a minute)" in t for t in texts) == 1
        assert len(texts) == 4

        # a forward and the reader's words are one check; words alone count in the same
        # transaction that looks for held forwards
        other, channel = TgUser(1030, "Other", "en"), TgChat(-100602, "channel", title="Leaks")
        chat = private_chat(other)
        forward = standin.push_message(
            chat, other, text=BIOLABS_RU, forward_origin=origin_channel(channel, 5)
        )
        standin.push_message(chat, other, text="is this true?")
        await standin.wait_reply(forward)
        for i in range(3):
            standin.push_text(other, f"Вышки 5G распространяют коронавирус {i}")
        await standin.settle(quiet=GRACE + 0.6)
        texts = [c.plain for c in standin.calls_to("sendMessage")][4:]
        assert sum("5G towers" in t for t in texts) == 2, texts
        assert sum("faster than I can take them (3 a minute)" in t for t in texts) == 1
        assert len(texts) == 4
    finally:
        await stop_bot(app)
        kb.close()
