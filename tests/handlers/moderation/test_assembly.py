"""The moderators' handlers as assembled: one conversation whose states never collide and all
have handlers, and a fresh set of handlers for every application."""

from __future__ import annotations

import re
from types import ModuleType, SimpleNamespace

import pytest
from telegram.ext import ConversationHandler

from handlers.moderation import add, assembly, edit, exchange, queue

STATE_ID = re.compile(r"^(add|edit|queue|import)-[a-z-]+$")


def declared_states(module: ModuleType) -> set[str]:
    """The state ids a conversation module names as UPPER_CASE constants (`<task>-<step>`)."""
    return {
        value
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and STATE_ID.match(value)
    }


def test_the_tasks_state_ids_are_distinct() -> None:
    per_module = [set(module.STATES) for module in assembly.CONVERSATION_MODULES]
    merged = set().union(*per_module)
    assert len(merged) == sum(len(states) for states in per_module)
    assert {add, edit, queue, exchange} <= set(assembly.CONVERSATION_MODULES)


def test_every_declared_state_has_handlers() -> None:
    conversation = assembly.conversation()
    for module in assembly.CONVERSATION_MODULES:
        declared = declared_states(module)
        assert declared, module.__name__
        for state in declared:
            assert conversation.states.get(state), f"{module.__name__}: {state} has no handler"
    assert all(conversation.states.values())


def test_a_state_defined_twice_is_refused() -> None:
    twin = SimpleNamespace(STATES={edit.MENU: []})
    with pytest.raises(ValueError, match="edit-menu"):
        assembly.merged_states([edit, twin])


def test_each_application_gets_its_own_conversation() -> None:
    first, second = assembly.build_handlers(), assembly.build_handlers()
    assert set(first) == {-1, 0, 1}
    one, other = first[0][0], second[0][0]
    assert isinstance(one, ConversationHandler) and isinstance(other, ConversationHandler)
    assert one is not other
