"""The error handler logs what failed and never fails itself, whatever the update looks like."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any, cast

import pytest
from telegram import Message, Update

from handlers.context import TekserContext
from handlers.errors import on_error


def context_for(error: Exception) -> TekserContext:
    audience = SimpleNamespace(key=lambda value: f"hash-of-{value}-0123456789")
    return cast(TekserContext, SimpleNamespace(error=error, audience=audience, user_data=None))


def message(**fields: Any) -> Message:
    return Message.de_json({"message_id": 7, "date": 0, **fields}, None)


@pytest.mark.parametrize(
    "update",
    [
        Update(11, message=message(text="/grant 5 editor")),  # a message without its chat
        Update(12, message=message(caption="a photo's words")),
        Update(13),  # no message at all
    ],
    ids=["command-without-chat", "caption-without-chat", "nothing"],
)
async def test_an_update_without_a_chat_is_logged_not_raised(
    update: Update, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="tekser.errors"):
        await on_error(update, context_for(RuntimeError("boom")))
    failed = [r for r in caplog.records if r.getMessage().startswith("failed to handle")]
    assert len(failed) == 1
    assert f"update={update.update_id}" in failed[0].getMessage()
    # the traceback is kept: as exc_info, or as text once the redacting filter has formatted it
    record = failed[0]
    traceback = str(record.exc_info[1]) if record.exc_info else record.exc_text or ""
    assert "boom" in traceback
