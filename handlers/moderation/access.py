"""Who is acting: every moderator handler starts with `acting(...)`, which reads the sender's
role from the database at that moment (never from the chat) and refuses in one line otherwise.

Moderator commands work in a private chat with the bot; those marked so also in the moderators'
chat (TEKSER_MODERATOR_CHAT_ID).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest

from handlers.context import TekserContext, reader_translator, send_reply
from handlers.moderation import views as mr
from handlers.moderation.i18n import ModerationTranslator, moderation_translator
from handlers.public.incoming import clean_text
from handlers.public.views import NO_PREVIEW, Reply
from knowledge.moderation.audit import Actor
from knowledge.moderation.roles import EDITOR, at_least
from knowledge.moderation.service import Moderation

SERVICE_KEY = "moderation"


def moderation(context: TekserContext) -> Moderation:
    """The moderators' service, made on first use from the application's services."""
    service = context.application.bot_data.get(SERVICE_KEY)
    if service is None:
        settings = context.settings
        service = Moderation(
            context.kb, owner_ids=settings.owner_ids, secret=settings.secret.get_secret_value()
        )
        context.application.bot_data[SERVICE_KEY] = service
    return service


@dataclass(frozen=True)
class Acting:
    """A moderator allowed to do what they asked, in the chat they asked it."""

    user_id: int
    name: str
    role: str
    chat_id: int
    tr: ModerationTranslator

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.name)


async def moderator_translator(context: TekserContext, update: Update) -> ModerationTranslator:
    tr = await reader_translator(context, update.effective_user)
    return moderation_translator(tr.lang)


async def acting(
    update: Update, context: TekserContext, *, need: str = EDITOR, groups: bool = False
) -> Acting | None:
    """The acting moderator, or None after telling the sender why not (one line)."""
    user, chat = update.effective_user, update.effective_chat
    tr = await moderator_translator(context, update)
    if user is None or chat is None:
        return None
    role = await asyncio.to_thread(moderation(context).role, user.id, name=user.full_name)
    if role is None:
        await refuse(update, context, mr.not_moderator(tr))
    elif not at_least(role, need):
        await refuse(update, context, mr.needs_role(tr, need=need, have=role))
    elif chat.type != ChatType.PRIVATE and not (
        groups and chat.id == context.settings.moderator_chat_id
    ):
        await refuse(update, context, mr.private_only(tr))
    else:
        return Acting(user.id, user.full_name, role, chat.id, tr)
    return None


async def refuse(update: Update, context: TekserContext, reply: Reply) -> None:
    """One line: as an alert under a pressed button, else as a reply to the command."""
    if update.callback_query is not None:
        await update.callback_query.answer(mr.plain(reply.text), show_alert=True)
        return
    message = update.effective_message
    if message is not None:
        await send_reply(context, message.chat_id, reply, reply_to=message.message_id)


async def say(context: TekserContext, who: Acting, reply: Reply) -> Message:
    return await send_reply(context, who.chat_id, reply)


async def show(update: Update, context: TekserContext, who: Acting, reply: Reply) -> None:
    """Answer a pressed button by editing its message; answer a command with a new message."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        await say(context, who, reply)
        return
    await query.answer()
    try:
        await query.edit_message_text(
            reply.text,
            parse_mode=ParseMode.HTML,
            reply_markup=reply.markup,
            link_preview_options=NO_PREVIEW,
        )
    except BadRequest as error:
        if "not modified" not in error.message:
            raise


def command_text(update: Update) -> str:
    """What follows the /command (and @botname), keeping line breaks."""
    message = update.effective_message
    words = (message.text or message.caption or "") if message else ""
    parts = words.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def next_prompt(update: Update, context: TekserContext, who: Acting, reply: Reply) -> None:
    """A conversation's next step: a pressed button's keyboard goes away, the prompt is new."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        if isinstance(query.message, Message) and query.message.reply_markup is not None:
            try:
                await query.edit_message_reply_markup(None)
            except BadRequest as error:
                if "not modified" not in error.message:
                    raise
    await say(context, who, reply)


def user_input(update: Update) -> str:
    """A conversation's input: the text sent (cleaned), or the last part of a button's data."""
    if update.callback_query is not None:
        return (update.callback_query.data or "").rsplit(":", 1)[-1]
    message = update.effective_message
    text = clean_text(message.text or message.caption or "") if message is not None else ""
    return command_text(update) if text.startswith("/") else text


def input_number(update: Update) -> int:
    """The number a button carries as its last part (0 when there is none)."""
    value = user_input(update)
    return int(value) if value.isdigit() else 0
