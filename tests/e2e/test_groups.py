"""Groups, supergroups and channel discussion groups end to end."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Running
from tests.support.standin import (
    ANONYMOUS_ADMIN_ID,
    SERVICE_ACCOUNT_ID,
    Call,
    StandIn,
    TgChat,
    TgUser,
    command_entity,
    mention_entity,
    origin_channel,
)

GROUP = TgChat(-1001234, "supergroup", title="Almaty neighbours")
ALICE = TgUser(4001, "Alice", "en")
BOB = TgUser(4002, "Bob", "en")
ADMIN = TgUser(4003, "Admin", "en")
CLAIM = "Вышки 5G в Алматы распространяют коронавирус"
VAGUE = "лаборатории в Казахстане"
WEATHER = "Погода в Алматы завтра будет солнечной, до +25 градусов"


def command(
    standin: StandIn, chat: TgChat, user: TgUser | None, text: str, **kw: Any
) -> dict[str, Any]:
    return standin.push_message(chat, user, text=text, entities=command_entity(text), **kw)


def replies_to(message: dict[str, Any]) -> Any:
    def check(call: Call) -> bool:
        return call.chat_id == message["chat"]["id"] and call.reply_to == message["message_id"]

    return check


async def barrier(standin: StandIn, chat: TgChat) -> None:
    """Make sure the bot has worked through everything pushed so far in `chat`."""
    since = len(standin.calls)
    command(standin, chat, ALICE, "/about")
    await standin.wait_for("sendMessage", lambda c: c.chat_id == chat.id, since=since)
    await standin.settle()


async def turn_auto_on(standin: StandIn, chat: TgChat = GROUP) -> None:
    standin.set_member(chat.id, ADMIN.id, "administrator")
    sent = command(standin, chat, ADMIN, "/settings auto")
    reply = await standin.wait_for("sendMessage", replies_to(sent))
    assert "Automatic checks are on" in reply.plain


async def test_the_bot_stays_silent_in_groups_unless_asked(bot: Running) -> None:
    quiet = bot.standin.push_message(GROUP, ALICE, text=CLAIM)
    await barrier(bot.standin, GROUP)
    assert not bot.standin.calls_to("sendMessage", replies_to(quiet))
    assert len(bot.standin.calls_to("sendMessage")) == 1  # only /about


async def test_a_mention_is_answered_in_the_group(bot: Running) -> None:
    text = f"@tekser_test_bot {CLAIM}"
    sent = bot.standin.push_message(
        GROUP, ALICE, text=text, entities=[mention_entity(text, "tekser_test_bot")]
    )
    reply = await bot.standin.wait_for("sendMessage", replies_to(sent))
    assert "5G towers in Almaty spread the coronavirus" in reply.plain


async def test_a_mention_in_reply_checks_the_message_replied_to(bot: Running) -> None:
    original = bot.standin.push_message(GROUP, ALICE, text=CLAIM)
    text = "@tekser_test_bot is this true?"
    bot.standin.push_message(
        GROUP,
        BOB,
        text=text,
        entities=[mention_entity(text, "tekser_test_bot")],
        reply_to=original,
    )
    reply = await bot.standin.wait_for("sendMessage", replies_to(original))
    assert "5G towers" in reply.plain


async def test_a_mention_of_someone_else_is_not_a_request(bot: Running) -> None:
    text = f"@someone_else {CLAIM}"
    sent = bot.standin.push_message(
        GROUP, ALICE, text=text, entities=[mention_entity(text, "someone_else")]
    )
    await barrier(bot.standin, GROUP)
    assert not bot.standin.calls_to("sendMessage", replies_to(sent))


async def test_check_as_a_reply_answers_under_that_message(bot: Running) -> None:
    original = bot.standin.push_message(GROUP, ALICE, text=CLAIM)
    command(bot.standin, GROUP, BOB, "/check", reply_to=original)
    reply = await bot.standin.wait_for("sendMessage", replies_to(original))
    assert "5G towers" in reply.plain


async def test_check_with_a_bot_suffix_and_text(bot: Running) -> None:
    sent = command(bot.standin, GROUP, BOB, f"/check@tekser_test_bot {WEATHER}")
    reply = await bot.standin.wait_for("sendMessage", replies_to(sent))
    assert "did not find" in reply.plain


async def test_check_alone_explains_itself(bot: Running) -> None:
    sent = command(bot.standin, GROUP, BOB, "/check")
    reply = await bot.standin.wait_for("sendMessage", replies_to(sent))
    assert "Reply to a message with /check" in reply.plain


async def test_only_admins_turn_on_automatic_checks(bot: Running) -> None:
    sent = command(bot.standin, GROUP, BOB, "/settings auto")
    refused = await bot.standin.wait_for("sendMessage", replies_to(sent))
    assert "Only the group's admins" in refused.plain
    asked = bot.standin.calls_to("getChatMember")
    assert [(c.params["chat_id"], c.params["user_id"]) for c in asked] == [(GROUP.id, BOB.id)]
    claim = bot.standin.push_message(GROUP, ALICE, text=CLAIM)
    await barrier(bot.standin, GROUP)
    assert not bot.standin.calls_to("sendMessage", replies_to(claim))

    await turn_auto_on(bot.standin)
    claim = bot.standin.push_message(GROUP, ALICE, text=CLAIM)
    reply = await bot.standin.wait_for("sendMessage", replies_to(claim))
    assert "Радиоволны не переносят вирусы" in reply.plain  # in the language of the message


async def test_the_creator_and_anonymous_admins_may_change_settings(bot: Running) -> None:
    bot.standin.set_member(GROUP.id, ALICE.id, "creator")
    sent = command(bot.standin, GROUP, ALICE, "/settings auto")
    reply = await bot.standin.wait_for("sendMessage", replies_to(sent))
    assert "Automatic checks are on" in reply.plain

    anonymous = TgUser(ANONYMOUS_ADMIN_ID, "Group", None, "GroupAnonymousBot", is_bot=True)
    before = len(bot.standin.calls_to("getChatMember"))
    sent = command(bot.standin, GROUP, anonymous, "/settings off", sender_chat=GROUP)
    reply = await bot.standin.wait_for("sendMessage", replies_to(sent))
    assert "Автопроверка выключена" in reply.plain  # no language known: Russian
    assert len(bot.standin.calls_to("getChatMember")) == before  # the group itself wrote it

    sent = command(bot.standin, GROUP, BOB, "/settings")
    reply = await bot.standin.wait_for("sendMessage", replies_to(sent))
    assert "Automatic checks are off in this group" in reply.plain


async def test_a_chat_posing_as_a_sender_is_not_an_admin(bot: Running) -> None:
    stranger = TgChat(-100999, "channel", title="Some channel")
    sent = command(bot.standin, GROUP, None, "/settings auto", sender_chat=stranger)
    reply = await bot.standin.wait_for("sendMessage", replies_to(sent))
    assert "могут только её админы" in reply.plain  # no reader language known: Russian


async def test_automatic_checks_answer_confident_matches_only_once(bot: Running) -> None:
    await turn_auto_on(bot.standin)
    vague = bot.standin.push_message(GROUP, ALICE, text=VAGUE)
    unrelated = bot.standin.push_message(GROUP, ALICE, text=WEATHER)
    greeting = bot.standin.push_message(GROUP, ALICE, text="hi all")
    claim = bot.standin.push_message(GROUP, BOB, text=CLAIM)
    reply = await bot.standin.wait_for("sendMessage", replies_to(claim))
    assert "Радиоволны не переносят вирусы" in reply.plain
    assert reply.button("↗️")["url"].endswith("start=d-5g-towers-coronavirus")
    await barrier(bot.standin, GROUP)
    for quiet in (vague, unrelated, greeting):
        assert not bot.standin.calls_to("sendMessage", replies_to(quiet))

    # a repeated delivery of the same message is not answered twice
    bot.standin.push({"message": claim})
    await barrier(bot.standin, GROUP)
    assert len(bot.standin.calls_to("sendMessage", replies_to(claim))) == 1


async def test_automatic_checks_leave_a_denial_of_the_claim_alone(bot: Running) -> None:
    await turn_auto_on(bot.standin)
    denial = bot.standin.push_message(
        GROUP, ALICE, text="Фейк: вышки 5G в Алматы не распространяют коронавирус"
    )
    await barrier(bot.standin, GROUP)
    assert not bot.standin.calls_to("sendMessage", replies_to(denial))


async def test_automatic_answers_follow_edits(bot: Running) -> None:
    await turn_auto_on(bot.standin)
    claim = bot.standin.push_message(GROUP, ALICE, text=CLAIM)
    reply = await bot.standin.wait_for("sendMessage", replies_to(claim))
    bot.standin.push_edit(claim, text="В Казахстане запретят русский язык")
    edit = await bot.standin.wait_for("editMessageText")
    assert edit.params["message_id"] == reply.result["message_id"]
    assert "Русский язык сохраняет статус по Конституции" in edit.plain
    bot.standin.push_edit(claim, text=WEATHER)
    deleted = await bot.standin.wait_for("deleteMessage")
    assert deleted.params["message_id"] == reply.result["message_id"]
    await barrier(bot.standin, GROUP)
    assert len(bot.standin.calls_to("sendMessage", replies_to(claim))) == 1


async def test_a_channel_post_in_its_discussion_group_gets_the_disproof_as_first_comment(
    bot: Running,
) -> None:
    channel = bot.standin.add_chat(
        TgChat(-100777, "channel", title="Newsroom", username="newsroom")
    )
    discussion = bot.standin.add_chat(
        TgChat(-100778, "supergroup", title="Newsroom chat", linked_chat_id=channel.id)
    )
    # the newsroom turns automatic checks on, writing as its channel
    sent = command(bot.standin, discussion, None, "/settings auto", sender_chat=channel)
    reply = await bot.standin.wait_for("sendMessage", replies_to(sent))
    assert "Автопроверка включена" in reply.plain
    assert bot.standin.calls_to("getChat")  # the link between channel and group was verified

    post = bot.standin.message(channel, None, text=CLAIM, sender_chat=channel)
    telegram = TgUser(SERVICE_ACCOUNT_ID, "Telegram", None)
    forwarded = bot.standin.push_message(
        discussion,
        telegram,
        text=CLAIM,
        sender_chat=channel,
        is_automatic_forward=True,
        forward_origin=origin_channel(channel, post["message_id"]),
    )
    comment = await bot.standin.wait_for("sendMessage", replies_to(forwarded))
    assert "Вышки 5G в Алматы распространяют коронавирус" in comment.plain  # the post's language
    assert "❌ Ложь" in comment.plain


async def test_our_own_inline_cards_in_a_group_are_not_answered(bot: Running) -> None:
    await turn_auto_on(bot.standin)
    card = bot.standin.push_message(
        GROUP, ALICE, text=CLAIM, extra={"via_bot": bot.standin.bot.to_dict()}
    )
    await barrier(bot.standin, GROUP)
    assert not bot.standin.calls_to("sendMessage", replies_to(card))


async def test_settings_in_a_private_chat_points_to_groups(bot: Running) -> None:
    private = TgChat(ALICE.id, "private", first_name="Alice")
    sent = command(bot.standin, private, ALICE, "/settings auto")
    reply = await bot.standin.wait_for("sendMessage", replies_to(sent))
    assert "works in groups" in reply.plain
