"""Roles: /grant, /revoke (owners and admins) and /moderators (any moderator)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telegram import Message, MessageOrigin, Update

from handlers.moderation import roles_views as mr_roles
from handlers.moderation import views as mr
from handlers.moderation.access import Acting, command_text, moderator_command
from handlers.moderation.routes import Handlers, command
from knowledge.moderation.roles import ADMIN, GRANTABLE, NotAllowed


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


def _target(update: Update) -> Target:
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    return target_of(command_text(update).split(), replied)


@moderator_command(parse=_target, need=ADMIN, groups=True)
async def on_grant(who: Acting, target: Target) -> None:
    """/grant <user_id> <admin|editor> (or as a reply to a forwarded message of the person)."""
    if target.hidden:
        await who.say(mr_roles.hidden_forward(who.tr))
    elif target.user_id is None or target.role is None:
        await who.say(mr.usage(who.tr, "/grant 123456789 editor"))
    else:
        service = who.service
        try:
            row = await asyncio.to_thread(
                service.roles.grant, who.actor, user_id=target.user_id, role=target.role,
                name=target.name,
            )  # fmt: skip
        except NotAllowed:
            await who.say(mr_roles.not_allowed_to_manage(who.tr))
            return
        await who.say(mr_roles.granted(who.tr, moderator=row))


def _revoked(update: Update) -> int | None:
    return _target(update).user_id


@moderator_command("/revoke 123456789", parse=_revoked, need=ADMIN, groups=True)
async def on_revoke(who: Acting, user_id: int) -> None:
    """/revoke <user_id> (or as a reply to a forwarded message of the person)."""
    try:
        removed = await asyncio.to_thread(who.service.roles.revoke, who.actor, user_id=user_id)
    except NotAllowed:
        await who.say(mr_roles.not_allowed_to_manage(who.tr))
        return
    await who.say(mr_roles.revoked(who.tr, user_id=user_id, removed=removed))


@moderator_command(groups=True)
async def on_moderators(who: Acting, _: str) -> None:
    """/moderators: owners, admins and editors."""
    service = who.service
    rows = await asyncio.to_thread(service.roles.moderators)
    await who.say(mr_roles.moderators_list(who.tr, owners=service.roles.owner_ids, moderators=rows))


HANDLERS: Handlers = [
    command("grant", on_grant),
    command("revoke", on_revoke),
    command("moderators", on_moderators),
]
