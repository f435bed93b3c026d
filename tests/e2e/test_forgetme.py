"""/forgetme: a reader deletes everything Tekser stores about them."""

from __future__ import annotations

from tests.e2e.conftest import Running
from tests.support.standin import TgUser


def command(bot: Running, user: TgUser, text: str) -> dict:
    name = text.split()[0]
    return bot.standin.push_text(
        user, text, entities=[{"type": "bot_command", "offset": 0, "length": len(name)}]
    )


async def test_forgetme_deletes_the_language_choice(bot: Running, reader: TgUser) -> None:
    prompt = await bot.standin.wait_reply(command(bot, reader, "/language"))
    bot.standin.push_callback(reader, prompt.result, "l:kk")
    await bot.standin.wait_for("editMessageText")
    assert bot.app.bot_data["services"].audience.language(reader.id) == "kk"

    since = len(bot.standin.calls)
    command(bot, reader, "/forgetme")
    reply = await bot.standin.wait_for("sendMessage", since=since)
    assert "Deleted 1 record" in reply.plain  # answered in Telegram's language again: en
    assert bot.app.bot_data["services"].audience.language(reader.id) is None

    since = len(bot.standin.calls)
    command(bot, reader, "/forgetme")
    again = await bot.standin.wait_for("sendMessage", since=since)
    assert "Nothing was stored about you." in again.plain


async def test_privacy_mentions_forgetme(bot: Running, reader: TgUser) -> None:
    reply = await bot.standin.wait_reply(command(bot, reader, "/privacy"))
    assert "/forgetme" in reply.plain
