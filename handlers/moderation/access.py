"""Who is acting: every moderator handler is guarded by `@moderator_command`, which reads the
sender's role from the database at that moment (never from the chat), refuses in one line
otherwise, and parses the command's arguments or the button's data (the usage line when missing).

Moderator commands work in a private chat with the bot; those marked so also in the moderators'
chat (TEKSER_MODERATOR_CHAT_ID).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from telegram import Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest

from handlers.context import TekserContext, reader_translator, send_reply
from handlers.lengths import fit_html
from handlers.moderation import views as mr
from handlers.moderation.callback_data import ButtonData
from handlers.moderation.i18n import ModerationTranslator, moderation_translator
from handlers.public.incoming import clean_text
from handlers.public.views import NO_PREVIEW, Reply
from knowledge.moderation.audit import Actor
from knowledge.moderation.roles import EDITOR, at_least
from knowledge.moderation.service import Moderation

A = TypeVar("A")
B = TypeVar("B", bound=ButtonData)
R = TypeVar("R")


def moderation(context: TekserContext) -> Moderation:
    """The moderators' services, composed with the application's others."""
    return context.services.moderation


@dataclass(frozen=True)
class Acting:
    """A moderator allowed to do what they asked, in the chat they asked it; answers go back
    through it (a new message, the pressed button's message edited, the next prompt)."""

    user_id: int
    name: str
    role: str
    chat_id: int
    tr: ModerationTranslator
    update: Update = field(repr=False, compare=False)
    context: TekserContext = field(repr=False, compare=False)

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.name)

    @property
    def service(self) -> Moderation:
        return moderation(self.context)

    async def say(self, reply: Reply) -> Message:
        """A new message in the moderator's chat."""
        return await send_reply(self.context, self.chat_id, reply)

    async def show(self, reply: Reply) -> None:
        """Answer a pressed button by editing its message; answer a command with a new one."""
        query = self.update.callback_query
        if query is None or not isinstance(query.message, Message):
            await self.say(reply)
            return
        await query.answer()
        with _unless_unchanged():
            await query.edit_message_text(
                fit_html(reply.text),
                parse_mode=ParseMode.HTML,
                reply_markup=reply.markup,
                link_preview_options=NO_PREVIEW,
            )

    async def next_prompt(self, reply: Reply) -> None:
        """A conversation's next step: a pressed button's keyboard goes, the prompt is new."""
        query = self.update.callback_query
        if query is not None:
            await query.answer()
            if isinstance(query.message, Message) and query.message.reply_markup is not None:
                with _unless_unchanged():
                    await query.edit_message_reply_markup(None)
        await self.say(reply)

    async def alert(self, text: str = "") -> None:
        """Answer the pressed button: with an alert when there is `text` (nothing for a command)."""
        if self.update.callback_query is not None:
            await self.update.callback_query.answer(text or None, show_alert=bool(text))


@contextmanager
def _unless_unchanged() -> Iterator[None]:
    """Telegram refuses an edit that changes nothing (a button pressed twice): that is fine."""
    try:
        yield
    except BadRequest as error:
        if "not modified" not in error.message:
            raise


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
    role = await asyncio.to_thread(moderation(context).roles.role, user.id, name=user.full_name)
    if role is None:
        await refuse(update, context, mr.not_moderator(tr))
    elif not at_least(role, need):
        await refuse(update, context, mr.needs_role(tr, need=need, have=role))
    elif chat.type != ChatType.PRIVATE and not (
        groups and chat.id == context.settings.moderator_chat_id
    ):
        await refuse(update, context, mr.private_only(tr))
    else:
        return Acting(user.id, user.full_name, role, chat.id, tr, update, context)
    return None


async def refuse(update: Update, context: TekserContext, reply: Reply) -> None:
    """One line: as an alert under a pressed button, else as a reply to the command."""
    if update.callback_query is not None:
        await update.callback_query.answer(mr.plain(reply.text), show_alert=True)
        return
    message = update.effective_message
    if message is not None:
        await send_reply(context, message.chat_id, reply, reply_to=message.message_id)


def command_text(update: Update) -> str:
    """What follows the /command (and @botname), keeping line breaks."""
    message = update.effective_message
    words = (message.text or message.caption or "") if message else ""
    parts = words.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def user_input(update: Update) -> str:
    """A conversation's input: the text sent (cleaned; what follows a /command)."""
    message = update.effective_message
    text = clean_text(message.text or message.caption or "") if message is not None else ""
    return command_text(update) if text.startswith("/") else text


# ---------------------------------------------------------------- the guard

Handler = Callable[[Update, TekserContext], Coroutine[Any, Any, R | None]]
Parse = Callable[[Update], A | None]


def button(kind: type[B]) -> Parse[B]:
    """Parses a pressed button's data as `kind` (None for a message or another kind)."""

    def parse(update: Update) -> B | None:
        query = update.callback_query
        return kind.parse(query.data) if query is not None else None

    return parse


def slug_argument(update: Update) -> str | None:
    """`/command slug …`: the slug (lower-cased), or None when there is none."""
    slug, _ = split_first(command_text(update))
    return slug.lower() or None


def slug_and_text(update: Update) -> tuple[str, str] | None:
    """`/command slug text…`: both, or None when the text is missing."""
    slug, rest = split_first(command_text(update))
    return (slug.lower(), rest) if rest else None


def some_text(update: Update) -> str | None:
    """`/command text…`: the text, or None when there is none."""
    return command_text(update) or None


def split_first(text: str) -> tuple[str, str]:
    """ "first the rest" -> ("first", "the rest"), the rest keeping its line breaks."""
    parts = text.split(maxsplit=1)
    return (parts[0] if parts else ""), (parts[1].strip() if len(parts) > 1 else "")


Body = Callable[[Acting, A], Awaitable[R]]


@overload
def moderator_command(
    usage: str = "", *, need: str = ..., groups: bool = ..., refused: object = ...
) -> Callable[[Body[str, R]], Handler[R]]: ...


@overload
def moderator_command(
    usage: str = "", *, parse: Parse[A], need: str = ..., groups: bool = ..., refused: object = ...
) -> Callable[[Body[A, R]], Handler[R]]: ...


def moderator_command(
    usage: str = "",
    *,
    parse: Parse[Any] = command_text,
    need: str = EDITOR,
    groups: bool = False,
    refused: Any = None,
) -> Callable[[Body[Any, Any]], Handler[Any]]:
    """Guards a moderator handler: the sender must hold `need` now (read from the database), in
    a private chat (or, with `groups`, also in the moderators' chat); then `parse` reads the
    arguments (the command's text by default, `button(Kind)` for a button's data) and the body
    runs as `body(who, arguments)`. Missing arguments get the `usage` line (a button of another
    step, the "step over" alert). The handler returns `refused` (a conversation's END) whenever
    the body does not run."""

    def decorate(body: Body[Any, Any]) -> Handler[Any]:
        @functools.wraps(body)
        async def handler(update: Update, context: TekserContext) -> Any:
            who = await acting(update, context, need=need, groups=groups)
            if who is None:
                return refused
            arguments = parse(update)
            if arguments is None:
                if update.callback_query is not None:
                    await who.alert(mr.step_over(who.tr))
                elif usage:
                    await who.say(mr.usage(who.tr, usage))
                return refused
            return await body(who, arguments)

        return handler

    return decorate
