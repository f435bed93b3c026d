"""Updates of one chat are handled in order, one at a time; other chats are not held up; an
update delivered again is not handled twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.ordering import ChatOrderedUpdateProcessor
from bot.redelivery import HandledUpdates
from knowledge.db.engines import create_engine_for


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


async def test_a_chat_flooding_behind_a_slow_update_does_not_hold_up_other_chats() -> None:
    processor = ChatOrderedUpdateProcessor(2)
    slow_done = asyncio.Event()
    answered: list[int] = []

    async def handle(update_id: int, wait: asyncio.Event | None = None) -> None:
        if wait is not None:
            await wait.wait()
        answered.append(update_id)

    tasks = [asyncio.create_task(processor.process_update(update(1, 7), handle(1, slow_done)))]
    tasks += [
        asyncio.create_task(processor.process_update(update(n, 7), handle(n))) for n in (2, 3, 4)
    ]
    tasks.append(asyncio.create_task(processor.process_update(update(5, 8), handle(5))))
    await asyncio.sleep(0.05)
    assert answered == [5]  # the other chat's update ran although chat 7 queued three
    slow_done.set()
    await asyncio.gather(*tasks)
    assert answered == [5, 1, 2, 3, 4]


async def test_an_update_delivered_again_is_handled_once_even_by_a_new_process(
    sqlite_url: str,
) -> None:
    engine = create_engine_for(sqlite_url)
    handled: list[int] = []

    async def handle(update_id: int) -> None:
        handled.append(update_id)

    first = ChatOrderedUpdateProcessor(4, handled=HandledUpdates(engine, bot_id=7))
    await first.process_update(update(41, 7), handle(41))
    await first.process_update(update(41, 7), handle(41))  # Telegram delivered it again
    await first.shutdown()
    restarted = ChatOrderedUpdateProcessor(4, handled=HandledUpdates(engine, bot_id=7))
    await asyncio.gather(
        restarted.process_update(update(41, 7), handle(41)),
        restarted.process_update(update(42, 8), handle(42)),
    )
    await restarted.shutdown()
    engine.dispose()
    assert handled == [41, 42]
