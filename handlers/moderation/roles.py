"""Roles: /grant, /revoke (owners and admins) and /moderators (any moderator)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from telegram import Message, MessageOrigin, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.context import TekserContext
from handlers.moderation import views as mr
from handlers.moderation.access import acting, moderation, say
from knowledge.moderation.roles import ADMIN, GRANTABLE
from knowledge.moderation.service import NotAllowed


@dataclass(frozen=True)
class Target:
    """Whom a /grant or /revoke is about."""

    user_id: int | None
    role: str | None = None
    name: str = ""
    hidden: bool = False  # a forward from someone who hides their account


def target_of(args: list[str], reply: Message | None) -> Target:
    """`/grant 123 editor`, `/grant editor 123`, or `/grant editor` replying to a forward."""
    role = next((a.lower() for a in args if a.lower() in GRANTABLE), None)
    number = next((int(a) for a in args if a.lstrip("-").isdigit()), None)
    if number is not None or reply is None:
        return Target(number, role)
    origin = reply.forward_origin
    if origin is not None and origin.type == MessageOrigin.USER:
        user = origin.sender_user  # type: ignore[attr-defined]
        return Target(user.id, role, user.full_name)
    if origin is not None and origin.type == MessageOrigin.HIDDEN_USER:
        return Target(None, role, hidden=True)
    if origin is None and reply.from_user is not None and not reply.from_user.is_bot:
        return Target(reply.from_user.id, role, reply.from_user.full_name)
    return Target(None, role)


async def on_grant(update: Update, context: TekserContext) -> None:
    """/grant <user_id> <admin|editor> (or as a reply to a forwarded message of the person)."""
    who = await acting(update, context, need=ADMIN, groups=True)
    if who is None:
        return
    target = target_of(context.args or [], _replied(update))
    if target.hidden:
        await say(context, who, mr.hidden_forward(who.tr))
    elif target.user_id is None or target.role is None:
        await say(context, who, mr.usage(who.tr, "/grant 123456789 editor"))
    else:
        service = moderation(context)
        try:
            row = await asyncio.to_thread(
                service.grant, who.actor, user_id=target.user_id, role=target.role,
                name=target.name,
            )  # fmt: skip
        except NotAllowed:
            await say(context, who, mr.not_allowed_to_manage(who.tr))
            return
        await say(context, who, mr.granted(who.tr, moderator=row))


async def on_revoke(update: Update, context: TekserContext) -> None:
    """/revoke <user_id> (or as a reply to a forwarded message of the person)."""
    who = await acting(update, context, need=ADMIN, groups=True)
    if who is None:
        return
    target = target_of(context.args or [], _replied(update))
    if target.user_id is None:
        await say(context, who, mr.usage(who.tr, "/revoke 123456789"))
        return
    try:
        removed = await asyncio.to_thread(
            moderation(context).revoke, who.actor, user_id=target.user_id
        )
    except NotAllowed:
        await say(context, who, mr.not_allowed_to_manage(who.tr))
        return
    await say(context, who, mr.revoked(who.tr, user_id=target.user_id, removed=removed))


async def on_moderators(update: Update, context: TekserContext) -> None:
    """/moderators: owners, admins and editors."""
    who = await acting(update, context, groups=True)
    if who is None:
        return
    service = moderation(context)
    rows = await asyncio.to_thread(service.moderators)
    await say(context, who, mr.moderators_list(who.tr, owners=service.owner_ids, moderators=rows))


def _replied(update: Update) -> Message | None:
    message = update.effective_message
    return message.reply_to_message if message is not None else None


NEW = filters.UpdateType.MESSAGE

HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    CommandHandler("grant", on_grant, filters=NEW),
    CommandHandler("revoke", on_revoke, filters=NEW),
    CommandHandler("moderators", on_moderators, filters=NEW),
]
