"""The moderators' handlers, assembled: one persistent conversation (/add, /edit, the queue's
search and "New debunk", /import) and the one-step commands and buttons.

`build_handlers()` maps handler groups to handlers, built afresh for every application (the
conversation keeps per-application state, so two bots in one process must not share it):
- group -1: ahead of the public handlers (a blocked reader's "Send to fact-checkers");
- group 0: the conversation first (a moderator's answer must win over public checks), then the
  commands and buttons, then a catch-all for buttons of finished steps;
- group 1: after the public handlers (the stored submission's contact, announcements).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from handlers.context import TekserContext
from handlers.moderation import add as moderation_add
from handlers.moderation import callback_data as cb
from handlers.moderation import debunks as moderation_debunks
from handlers.moderation import edit as moderation_edit
from handlers.moderation import exchange as moderation_exchange
from handlers.moderation import queue as moderation_queue
from handlers.moderation import roles as moderation_roles
from handlers.moderation import stats as moderation_stats
from handlers.moderation import terms as moderation_terms
from handlers.moderation import views as mr
from handlers.moderation.access import moderator_translator
from handlers.moderation.routes import Handlers, States, command

CONVERSATION = "moderation"
# An abandoned conversation ends after this (its draft stays): later texts are public checks again.
CONVERSATION_TIMEOUT = timedelta(hours=2)
CONVERSATION_MODULES = (moderation_add, moderation_edit, moderation_queue, moderation_exchange)
COMMAND_MODULES = (
    moderation_roles,
    moderation_debunks,
    moderation_add,
    moderation_edit,
    moderation_queue,
    moderation_exchange,
    moderation_stats,
    moderation_terms,
)


def merged_states(modules: Sequence[Any]) -> States:
    """The states of every conversation module in one mapping; a state id defined twice would
    silently send one task's input to another's handlers, so it is refused."""
    states: States = {}
    for module in modules:
        for state, handlers in module.STATES.items():
            if state in states:
                raise ValueError(f"conversation state {state!r} is defined twice")
            states[state] = handlers
    return states


def conversation() -> ConversationHandler[Any]:
    """Every multi-step moderator task in one conversation per moderator and chat, stored by
    the application's persistence so it survives a restart."""
    states = merged_states(CONVERSATION_MODULES)
    with warnings.catch_warnings():  # buttons are tracked per chat and user, which is intended
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[h for m in CONVERSATION_MODULES for h in m.ENTRY_POINTS],
            states=states,
            fallbacks=[command("cancel", moderation_add.on_cancel)],
            allow_reentry=True,
            conversation_timeout=CONVERSATION_TIMEOUT,
            name=CONVERSATION,
            persistent=True,
        )


async def on_finished_button(update: Update, context: TekserContext) -> None:
    """A moderator button whose step is over (pressed twice, or after a restart of the task)."""
    query = update.callback_query
    assert query is not None
    tr = await moderator_translator(context, update)
    await query.answer(mr.step_over(tr), show_alert=True)


def build_handlers() -> dict[int, Sequence[BaseHandler[Update, Any, Any]]]:
    """Every moderator handler by group, the conversation first in group 0."""
    main: Handlers = [conversation()]
    for module in COMMAND_MODULES:
        main += module.HANDLERS
    main.append(command("cancel", moderation_add.on_cancel))  # no conversation
    main.append(CallbackQueryHandler(on_finished_button, pattern=cb.ANY_PATTERN))
    return {
        -1: list(moderation_queue.BEFORE_PUBLIC),
        0: main,
        1: list(moderation_queue.AFTER_PUBLIC),
    }
