"""Roles end to end: who may use moderator commands, /grant, /revoke, /moderators."""

from __future__ import annotations

import pytest
from sqlmodel import select

from knowledge.moderation.audit import AuditEvent
from knowledge.moderation.roles import Moderator
from tests.e2e.conftest import Running
from tests.e2e.moderation_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    EDITOR,
    EDITOR2,
    MOD_CHAT,
    OWNER,
    STRANGER,
    answer,
    ask,
    command,
    grant,
    settings,
    standin,
)
from tests.e2e.pack import BIOLABS
from tests.support.standin import TgChat, TgUser, origin_hidden_user, origin_user, private_chat

MODERATOR_COMMANDS = [
    "/add",
    "/add Some claim",
    "/edit us-biolabs-spread-disease",
    f"/show {BIOLABS}",
    f"/phrase {BIOLABS} a new wording",
    f"/source {BIOLABS} https://example.org/x Title",
    f"/seen {BIOLABS} https://example.org/seen",
    f"/retire {BIOLABS}",
    f"/restore {BIOLABS}",
    "/find biolabs",
    "/list",
    f"/history {BIOLABS}",
    "/queue",
    "/unblock",
    "/grant 9100 editor",
    "/revoke 9002",
    "/moderators",
    "/export",
    "/import",
    "/stats",
    "/term",
    "/term ru: прививка; en: vaccine",
    "/term remove 1",
    "/cancel",
]


@pytest.mark.parametrize("text", MODERATOR_COMMANDS)
async def test_a_non_moderator_is_refused_every_moderator_command(bot: Running, text: str) -> None:
    reply = await ask(bot.standin, STRANGER, text, "for Tekser's moderators")
    assert reply.plain.count("\n") == 0  # one line
    assert bot.kb.card(BIOLABS) is not None and bot.kb.card(BIOLABS).status == "published"  # type: ignore[union-attr]
    with bot.kb.session() as session:
        assert session.exec(select(AuditEvent)).all() == []


async def test_the_moderators_chat_gives_no_authority(bot: Running) -> None:
    bot.standin.add_chat(MOD_CHAT)
    since = len(bot.standin.calls)
    command(bot.standin, STRANGER, f"/retire {BIOLABS}", chat=MOD_CHAT)
    await answer(bot.standin, MOD_CHAT.id, "for Tekser's moderators", since=since)
    assert BIOLABS in bot.kb.matcher


async def test_an_owner_grants_an_editor_who_can_then_work(bot: Running) -> None:
    await ask(bot.standin, OWNER, f"/grant {EDITOR.id} editor", f"{EDITOR.id} is now editor")
    shown = await ask(bot.standin, EDITOR, f"/show {BIOLABS}", BIOLABS, "v1")
    assert "Wordings (4)" in shown.plain
    listed = await ask(bot.standin, OWNER, "/moderators", "Moderators")
    assert f"{OWNER.id} — owner" in listed.plain
    assert f"{EDITOR.id}" in listed.plain and "editor" in listed.plain
    with bot.kb.session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "grant")).one()
    assert (event.actor_id, event.after) == (OWNER.id, {"user_id": EDITOR.id, "role": "editor"})


async def test_an_editor_cannot_grant_and_an_admin_cannot_touch_admins(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await grant(bot.standin, ADMIN, "admin")
    await ask(bot.standin, EDITOR, f"/grant {EDITOR2.id} editor", "needs the admin role")
    await ask(bot.standin, ADMIN, f"/grant {EDITOR2.id} editor", f"{EDITOR2.id} is now editor")
    await ask(bot.standin, ADMIN, f"/grant {EDITOR2.id} admin", "Owners manage admins")
    await ask(bot.standin, ADMIN, f"/revoke {OWNER.id}", "Owners manage admins")
    await ask(bot.standin, ADMIN, f"/revoke {EDITOR.id}", f"{EDITOR.id}) is no longer editor")
    await ask(bot.standin, EDITOR, f"/show {BIOLABS}", "for Tekser's moderators")


async def test_grant_by_replying_to_a_forwarded_message(bot: Running) -> None:
    forwarded = bot.standin.push_message(
        private_chat(OWNER), OWNER, text="hello", forward_origin=origin_user(EDITOR2)
    )
    await bot.standin.settle()
    since = len(bot.standin.calls)
    command(bot.standin, OWNER, "/grant editor", reply_to=forwarded)
    await answer(bot.standin, OWNER.id, "Dana Editor (9003) is now editor", since=since)

    hidden = bot.standin.push_message(
        private_chat(OWNER), OWNER, text="hi", forward_origin=origin_hidden_user("Ghost")
    )
    await bot.standin.settle()
    since = len(bot.standin.calls)
    command(bot.standin, OWNER, "/grant editor", reply_to=hidden)
    await answer(bot.standin, OWNER.id, "cannot see who wrote", since=since)


async def test_a_revoked_editor_is_stopped_at_once(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await ask(bot.standin, OWNER, f"/revoke {EDITOR.id}", "is no longer editor")
    await ask(bot.standin, EDITOR, f"/phrase {BIOLABS} something", "for Tekser's moderators")
    with bot.kb.session() as session:
        assert session.get(Moderator, EDITOR.id) is None


async def test_moderator_commands_elsewhere_than_private_or_the_moderators_chat(
    bot: Running,
) -> None:
    other = bot.standin.add_chat(TgChat(-100777, "supergroup", title="Random group"))
    since = len(bot.standin.calls)
    command(bot.standin, OWNER, "/queue", chat=other)
    await answer(bot.standin, other.id, "work in a private chat", since=since)
    bot.standin.add_chat(MOD_CHAT)
    since = len(bot.standin.calls)
    command(bot.standin, OWNER, "/queue", chat=MOD_CHAT)
    await answer(bot.standin, MOD_CHAT.id, "queue is empty", since=since)


async def test_moderators_are_answered_in_their_language(bot: Running) -> None:
    russian_owner = TgUser(OWNER.id, "Ольга", "ru")
    listed = await ask(bot.standin, russian_owner, "/moderators", "Модераторы")
    assert "владелец" in listed.plain
    kazakh = TgUser(9200, "Асель", "kk")
    await ask(bot.standin, kazakh, "/queue", "Бұл команда Tekser модераторларына арналған.")
