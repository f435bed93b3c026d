"""Junk, oddities and failures: never an unhandled exception, at most a short hint."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from knowledge.audience.votes import FeedbackVote
from tests.e2e.conftest import Running
from tests.support.standin import TgChat, TgUser, private_chat

GROUP = TgChat(-1005555, "supergroup", title="Noisy group")


@pytest.mark.parametrize("media", ["sticker", "voice", "poll"])  # photos: test_pictures.py
async def test_what_cannot_be_checked_in_private_gets_a_hint(
    bot: Running, reader: TgUser, media: str
) -> None:
    sent = bot.standin.push_message(private_chat(reader), reader, media=media)
    reply = await bot.standin.wait_reply(sent)
    assert "I can check text" in reply.plain
    assert len(bot.standin.calls_to("sendMessage")) == 1


async def test_service_updates_and_noise_elsewhere_are_ignored(
    bot: Running, reader: TgUser
) -> None:
    channel = TgChat(-100321, "channel", title="Some channel")
    bot.standin.push_message(GROUP, reader, media="sticker")
    bot.standin.push_message(GROUP, reader, media="poll")
    bot.standin.push_message(GROUP, reader, extra={"new_chat_members": [reader.to_dict()]})
    pinned = bot.standin.message(private_chat(reader), reader, text="an old message")
    bot.standin.push_message(private_chat(reader), reader, extra={"pinned_message": pinned})
    bot.standin.push_my_chat_member(GROUP, reader, "left", "member")
    bot.standin.push_my_chat_member(private_chat(reader), reader, "member", "kicked")
    bot.standin.push_channel_post(channel, "Вышки 5G распространяют коронавирус")
    bot.standin.push({"edited_channel_post": bot.standin.message(channel, None, text="x")})
    answer = {"poll_id": "1", "option_ids": [0], "option_persistent_ids": ["o1"]}
    bot.standin.push({"poll_answer": {**answer, "user": reader.to_dict()}})
    await bot.standin.settle()
    assert bot.standin.calls_to("sendMessage") == []
    # and the bot still answers afterwards
    sent = bot.standin.push_text(reader, "Вышки 5G распространяют коронавирус")
    assert "5G towers" in (await bot.standin.wait_reply(sent)).plain


async def test_control_characters_and_markup_are_cleaned_and_escaped(
    bot: Running, reader: TgUser
) -> None:
    text = "<b>Вышки</b> 5G\x00\x07 в Алматы\u202e распространяют <i>коронавирус</i> &amp; <script>"
    sent = bot.standin.push_text(reader, text)
    reply = await bot.standin.wait_reply(sent)
    assert "5G towers" in reply.plain


async def test_markup_in_an_unmatched_text_is_safe_too(bot: Running, reader: TgUser) -> None:
    sent = bot.standin.push_text(reader, "<a href='x'>hello</a> </b> & <unknown> погода завтра")
    reply = await bot.standin.wait_reply(sent)
    assert "did not find" in reply.plain


async def test_a_text_of_telegrams_maximum_size_is_answered(bot: Running, reader: TgUser) -> None:
    filler = "Обычный текст про погоду и городские новости без утверждений. "
    text = ("Вышки 5G в Алматы распространяют коронавирус. " + filler * 80)[:4096]
    sent = bot.standin.push_text(reader, text)
    reply = await bot.standin.wait_reply(sent)
    assert "5G towers" in reply.plain


async def test_a_failed_request_gets_one_polite_line_and_is_logged(
    bot: Running, reader: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    bot.standin.fail_next("sendMessage", description="Bad Request: injected failure")
    sent = bot.standin.push_text(reader, "Вышки 5G распространяют коронавирус")
    line = await bot.standin.wait_for("sendMessage", lambda c: c.ok)
    assert line.plain.startswith("😔 Sorry, something went wrong")
    assert line.reply_to == sent["message_id"]
    failures = [r for r in caplog.records if r.name == "tekser.errors"]
    assert failures and "type=message chat_type=private" in failures[0].getMessage()
    assert str(reader.id) not in failures[0].getMessage()  # only keyed hashes
    caplog.clear()


async def test_a_forged_vote_for_an_unknown_debunk_is_not_stored(
    bot: Running, reader: TgUser
) -> None:
    message = bot.standin.message(private_chat(reader), reader, text="anything")
    bot.standin.push_callback(reader, message, "v+:no-such-debunk")
    answered = await bot.standin.wait_for("answerCallbackQuery")
    assert "not available" in answered.params["text"]
    with bot.kb.session() as session:
        assert list(session.exec(select(FeedbackVote))) == []


async def test_submitting_when_the_original_is_gone_asks_to_send_again(
    bot: Running, reader: TgUser
) -> None:
    answer = bot.standin.message(private_chat(reader), bot.standin.bot, text="I did not find it")
    bot.standin.push_callback(reader, answer, "sub")
    answered = await bot.standin.wait_for("answerCallbackQuery")
    assert "send it again" in answered.params["text"] and answered.params["show_alert"]


async def test_one_slow_check_does_not_stall_other_chats(
    bot: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Matching runs off the event loop: while long posts are matched, /help is answered."""
    matcher = bot.kb.matcher
    original = matcher.match_message

    def slow_match(text: str, *, top: int = 3) -> object:
        time.sleep(0.6)  # a CPU-heavy check, as far as the event loop can tell
        return original(text, top=top)

    monkeypatch.setattr(matcher, "match_message", slow_match)
    long_post = "Вышки 5G в Алматы распространяют коронавирус. " * 80
    for i in range(2):
        bot.standin.push_text(TgUser(6000 + i, f"W{i}", "en"), long_post[:4096])
    quick = bot.standin.push_text(TgUser(6100, "Quick", "en"), "/help")
    help_reply = await bot.standin.wait_reply(quick)
    for writer_id in (6000, 6001):
        await bot.standin.wait_reply({"chat": {"id": writer_id}})
    checks = [c for c in bot.standin.calls_to("sendMessage") if "5G towers" in c.plain]
    assert len(checks) == 2
    assert help_reply.at < min(c.at for c in checks)
    # within the 1 s a bystander is promised elsewhere (hostile links, a large /import): on a
    # machine kept busy by other work 0.5 s was overrun (0.77 s) with the ordering above intact
    assert help_reply.at - bot.standin.pushed_at[max(bot.standin.pushed_at)] < 1.0
