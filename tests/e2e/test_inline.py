"""Inline mode end to end: `@bot <text>` in any chat."""

from __future__ import annotations

from sqlmodel import select

from knowledge.audience.check_log import CheckRecord
from tests.e2e.conftest import Running
from tests.e2e.pack import BAIKONUR, BIOLABS, FIVE_G, RUSSIAN_BAN
from tests.support.standin import TgUser, html_errors


async def test_an_inline_query_returns_cards(bot: Running, reader: TgUser) -> None:
    bot.standin.push_inline_query(reader, "5G вышки коронавирус")
    answer = await bot.standin.wait_for("answerInlineQuery")
    results = answer.params["results"]
    assert 1 <= len(results) <= 10
    first = results[0]
    assert first["id"] == FIVE_G
    assert first["title"].startswith("❌ False")
    assert "Radio waves cannot carry viruses" in first["description"]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML" and not html_errors(content["message_text"])
    assert '<a href="https://www.who.int/5g-myth">WHO: 5G mythbuster</a>' in content["message_text"]
    button = first["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"] == f"https://t.me/tekser_test_bot?start=d-{FIVE_G}"
    assert answer.params["is_personal"] is True


async def test_an_inline_query_in_russian_gets_russian_cards(bot: Running) -> None:
    bot.standin.push_inline_query(TgUser(5005, "Оля", "ru"), "запретят русский язык")
    answer = await bot.standin.wait_for("answerInlineQuery")
    assert answer.params["results"][0]["id"] == RUSSIAN_BAN
    assert "Вводит в заблуждение" in answer.params["results"][0]["title"]


async def test_an_empty_inline_query_lists_the_most_checked_debunks(
    bot: Running, reader: TgUser
) -> None:
    for text in (
        "Вышки 5G распространяют коронавирус",
        "5G towers spread the coronavirus",
        "Казахстан продал Байконур Китаю",
    ):
        bot.standin.push_text(reader, text)
    await bot.standin.settle()
    assert len(bot.standin.calls_to("sendMessage")) == 3
    bot.standin.push_inline_query(reader, "")
    answer = await bot.standin.wait_for("answerInlineQuery")
    ids = [r["id"] for r in answer.params["results"]]
    assert ids[:2] == [FIVE_G, BAIKONUR]
    assert set(ids) == {FIVE_G, BAIKONUR, BIOLABS, RUSSIAN_BAN}


async def test_chosen_inline_results_are_counted(bot: Running, reader: TgUser) -> None:
    bot.standin.push_chosen_inline_result(reader, BIOLABS, "biolabs")
    bot.standin.push_chosen_inline_result(reader, "not-a-debunk", "junk")
    await bot.standin.settle()
    with bot.kb.session() as session:
        rows = list(session.exec(select(CheckRecord).where(CheckRecord.source == "inline")))
    assert [r.slug for r in rows] == [BIOLABS]
    bot.standin.push_inline_query(reader, "")
    answer = await bot.standin.wait_for("answerInlineQuery")
    assert answer.params["results"][0]["id"] == BIOLABS


async def test_an_inline_query_without_results_offers_to_open_the_bot(
    bot: Running, reader: TgUser
) -> None:
    bot.standin.push_inline_query(reader, "Погода в Алматы будет солнечной")
    answer = await bot.standin.wait_for("answerInlineQuery")
    assert answer.params["results"] == []
    assert answer.params["button"]["start_parameter"] == "inline"
    assert "Nothing found" in answer.params["button"]["text"]
