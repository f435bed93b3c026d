"""Group settings: `/settings auto` and `/settings off`, for the group's admins only."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.context import AUTO_KEY, TekserContext, auto_checks_on, reader_translator, send_reply
from handlers.i18n import Translator
from handlers.public import command_views
from handlers.public import views as render

SWITCH = {"auto": True, "on": True, "off": False}
ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


async def is_group_admin(context: TekserContext, message: Message) -> bool:
    """Asked of Telegram, never taken from the message: an admin (getChatMember), an anonymous
    admin (writing as the group itself), or the group's linked channel."""
    chat = message.chat
    if message.sender_chat is not None:
        if message.sender_chat.id == chat.id:
            return True
        full = await context.bot.get_chat(chat.id)
        return full.linked_chat_id == message.sender_chat.id
    if message.from_user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, message.from_user.id)
    return member.status in ADMIN_STATUSES


async def _settings_reply(
    context: TekserContext, message: Message, tr: Translator, wanted: bool | None
) -> render.Reply:
    """Show the group's setting, or change it when an admin asks."""
    if message.chat.type == ChatType.PRIVATE:
        return command_views.groups_only_reply(tr)
    if wanted is None:
        return command_views.settings_reply(tr, auto=await auto_checks_on(context, message.chat))
    if not await is_group_admin(context, message):
        return command_views.admins_only_reply(tr)
    actor = message.sender_chat or message.from_user
    assert actor is not None
    await asyncio.to_thread(
        context.audience.set_auto_check, message.chat_id, enabled=wanted, by_user_id=actor.id
    )
    if context.chat_data is not None:
        context.chat_data[AUTO_KEY] = wanted
    return command_views.settings_changed_reply(tr, auto=wanted)


async def on_settings(update: Update, context: TekserContext) -> None:
    """/settings shows whether automatic checks are on; /settings auto|off changes it."""
    message = update.effective_message
    assert message is not None
    tr = await reader_translator(context, update.effective_user)
    wanted = SWITCH.get(context.args[0].casefold()) if context.args else None
    reply = await _settings_reply(context, message, tr, wanted)
    await send_reply(context, message.chat_id, reply, reply_to=message.message_id)


HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    CommandHandler("settings", on_settings, filters=filters.UpdateType.MESSAGE),
]
