"""The glossary's terms: /term lists the groups of ru/kk/en equivalents moderators added,
/term ru: …; kk: …; en: … adds one, /term remove N removes one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telegram import Update

from handlers.moderation import terms_views as mr_terms
from handlers.moderation.access import Acting, command_text, moderator_command, split_first
from handlers.moderation.routes import Handlers, command
from knowledge.debunks.terms import TermError


@dataclass(frozen=True)
class TermRequest:
    """What a /term asks: the list, a group to add (as written), or a group to remove."""

    action: str  # list | add | remove
    text: str = ""
    group_id: int = 0


def term_request(update: Update) -> TermRequest | None:
    """`/term`, `/term ru: …; en: …`, `/term remove 3`; None for a removal without its number."""
    text = command_text(update)
    if not text:
        return TermRequest("list")
    first, rest = split_first(text)
    if first.lower() == "remove":
        return TermRequest("remove", group_id=int(rest)) if rest.isdigit() else None
    return TermRequest("add", text=text)


@moderator_command("/term remove 3", parse=term_request, groups=True)
async def on_term(who: Acting, request: TermRequest) -> None:
    """/term: the groups moderators added; /term ru: прививка; kk: екпе; en: vaccine adds one;
    /term remove <number> removes one."""
    terms = who.service.terms
    if request.action == "list":
        await who.say(mr_terms.listing(who.tr, await asyncio.to_thread(terms.groups)))
    elif request.action == "remove":
        removed = await asyncio.to_thread(terms.remove, who.actor, request.group_id)
        await who.say(mr_terms.removed(who.tr, request.group_id, found=removed is not None))
    else:
        try:
            row = await asyncio.to_thread(terms.add, who.actor, request.text)
        except TermError as error:
            await who.say(mr_terms.problem(who.tr, error))
            return
        await who.say(mr_terms.added(who.tr, row))


HANDLERS: Handlers = [command("term", on_term)]
