"""Updates of one chat are handled in order, one at a time; other chats are not held up."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.ordering import ChatOrderedUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, "private")
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, text="x"))


async def test_one_chats_updates_run_in_arrival_order_and_other_chats_meanwhile() -> None:
    processor = ChatOrderedUpdateProcessor(16)
    log: list[str] = []
    release_first = asyncio.Event()

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        log.append(f"{name} starts")
        if wait is not None:
            await wait.wait()
        await asyncio.sleep(0)
        log.append(f"{name} ends")

    tasks = [
        asyncio.create_task(
            processor.process_update(update(1, 7), handle("forward", release_first))
        ),
        asyncio.create_task(processor.process_update(update(2, 7), handle("words"))),
        asyncio.create_task(processor.process_update(update(3, 8), handle("other chat"))),
    ]
    await asyncio.sleep(0.05)
    assert log == ["forward starts", "other chat starts", "other chat ends"]
    release_first.set()
    await asyncio.gather(*tasks)
    assert log[3:] == ["forward ends", "words starts", "words ends"]
    assert processor._locks == {}  # nothing kept once a chat's updates are done


async def test_a_failing_update_does_not_block_its_chat() -> None:
    processor = ChatOrderedUpdateProcessor(4)

    async def fail() -> None:
        raise RuntimeError("handler failed")

    async def succeed() -> str:
        return "ok"

    first = asyncio.create_task(processor.process_update(update(1, 7), fail()))
    second = asyncio.create_task(processor.process_update(update(2, 7), succeed()))
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] is None
    assert processor._locks == {}
