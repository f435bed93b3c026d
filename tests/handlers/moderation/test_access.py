"""The moderator guard: the role is read from the database for every update, a refusal or a
missing argument is one line, and the handler's body runs only when all is well."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from telegram import Update

from handlers.context import TekserContext
from handlers.moderation.access import Acting, moderator_command, slug_argument
from knowledge.moderation.roles import ADMIN

MODERATORS_CHAT = -1001


class Recorder:
    """The bot (what was sent) and the roles table (what each user holds now)."""

    def __init__(self, roles: dict[int, str]) -> None:
        self.roles = roles
        self.sent: list[str] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        self.sent.append(text)

    def role(self, user_id: int, *, name: str = "") -> str | None:
        return self.roles.get(user_id)


def context_for(recorder: Recorder) -> TekserContext:
    moderation = SimpleNamespace(roles=recorder)
    return cast(
        TekserContext,
        SimpleNamespace(
            bot=recorder,
            user_data={"lang": "en"},
            services=SimpleNamespace(moderation=moderation),
            settings=SimpleNamespace(moderator_chat_id=MODERATORS_CHAT),
        ),
    )


def command(text: str, *, user: int = 5, chat: int = 5, kind: str = "private") -> Update:
    message = {
        "message_id": 1,
        "date": 0,
        "text": text,
        "chat": {"id": chat, "type": kind},
        "from": {"id": user, "is_bot": False, "first_name": "Mod"},
    }
    return Update.de_json({"update_id": 1, "message": message}, None)


ran: list[str] = []


@moderator_command("/show slug", parse=slug_argument, groups=True)
async def show(who: Acting, slug: str) -> None:
    ran.append(slug)


@moderator_command(need=ADMIN)
async def admin_only(who: Acting, text: str) -> None:
    ran.append(text)


async def test_the_body_runs_for_a_moderator_with_the_parsed_argument() -> None:
    ran.clear()
    recorder = Recorder({5: "editor"})
    await show(command("/show NATO-Centre extra"), context_for(recorder))
    assert ran == ["nato-centre"] and recorder.sent == []


async def test_a_missing_argument_gets_the_usage_line() -> None:
    ran.clear()
    recorder = Recorder({5: "editor"})
    await show(command("/show"), context_for(recorder))
    assert ran == [] and recorder.sent == ["Usage: <code>/show slug</code>"]


async def test_refusals_are_one_line_and_the_role_is_read_for_every_update() -> None:
    ran.clear()
    recorder = Recorder({5: "editor"})
    context = context_for(recorder)
    await admin_only(command("/import"), context)
    recorder.roles[5] = "admin"  # granted meanwhile: the next command sees it
    await admin_only(command("/import"), context)
    del recorder.roles[5]
    await admin_only(command("/import"), context)
    assert ran == [""]
    assert recorder.sent == [
        "🔒 This needs the admin role; you are editor.",
        "🔒 This command is for Tekser&#x27;s moderators.",
    ]


async def test_groups_are_refused_except_the_moderators_chat_where_allowed() -> None:
    ran.clear()
    recorder = Recorder({5: "admin"})
    context = context_for(recorder)
    await show(command("/show a", chat=-7, kind="supergroup"), context)
    await show(command("/show b", chat=MODERATORS_CHAT, kind="supergroup"), context)
    await admin_only(command("/x", chat=MODERATORS_CHAT, kind="supergroup"), context)
    assert ran == ["b"]
    assert recorder.sent == ["Moderator commands work in a private chat with me."] * 2
