"""bot/polling.py against a fake getUpdates with Telegram's rules (an offset confirms everything
below it): a slow update holds up no one, and only what is done is confirmed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Chat, Message, Update

from bot.ordering import ChatOrderedUpdateProcessor
from bot.polling import JSONDict, poll


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, "private")
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, text="x"))


class FakeTelegram:
    """getUpdates as Telegram answers it (JSON): the updates from `offset` on; those below
    confirmed."""

    request = SimpleNamespace(read_timeout=5.0)

    def __init__(self) -> None:
        self.pending: dict[int, JSONDict] = {}
        self.confirmed: set[int] = set()
        self.arrived = asyncio.Event()
        self.calls = 0

    def push(self, item: Update | JSONDict) -> None:
        data = json.loads(item.to_json()) if isinstance(item, Update) else item
        self.pending[data["update_id"]] = data
        self.arrived.set()

    async def do_api_request(self, endpoint: str, api_kwargs: JSONDict, **_: Any) -> list[JSONDict]:
        assert endpoint == "getUpdates"
        self.calls += 1
        offset, timeout, limit = (api_kwargs[k] for k in ("offset", "timeout", "limit"))
        for update_id in [i for i in self.pending if i < offset]:
            del self.pending[update_id]
            self.confirmed.add(update_id)
        if not self.pending and timeout:
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), timeout)
            except TimeoutError:
                return []
        return [self.pending[i] for i in sorted(self.pending)][:limit]

    def insert_callback_data(self, item: Update) -> None:
        return None


class FakeApplication:
    def __init__(self, handle: Callable[[Update], Awaitable[None]]) -> None:
        self.bot = FakeTelegram()
        self.update_processor = ChatOrderedUpdateProcessor(8)
        self._handle = handle

    async def process_update(self, item: Update) -> None:
        await self._handle(item)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_slow_update_holds_up_no_one_and_is_confirmed_only_once_done() -> None:
    slow_may_end = asyncio.Event()
    answered: list[int] = []

    async def handle(item: Update) -> None:
        if item.update_id == 1:
            await slow_may_end.wait()  # a 20 MB /import, a slow link
        answered.append(item.update_id)

    app = FakeApplication(handle)
    stop = asyncio.Event()
    app.bot.push(update(1, 100))
    polling = asyncio.create_task(poll(app, stop))
    await asyncio.sleep(0.1)
    for n in (2, 3):
        app.bot.push(update(n, 200 + n))  # other readers, while update 1 runs
    await until(lambda: answered == [2, 3], timeout=2.0)
    assert app.bot.confirmed == set()  # 2 and 3 are done, but 1 is not: nothing confirmed yet

    slow_may_end.set()
    await until(lambda: answered == [2, 3, 1])
    app.bot.push(update(4, 204))
    await until(lambda: 4 in answered)
    await until(lambda: {1, 2, 3} <= app.bot.confirmed)  # the next call confirmed them
    stop.set()
    await polling
    assert app.bot.confirmed == {1, 2, 3, 4} and not app.bot.pending


async def test_a_stop_lets_running_updates_finish_and_confirms_them() -> None:
    may_end = asyncio.Event()
    answered: list[int] = []

    async def handle(item: Update) -> None:
        await may_end.wait()
        answered.append(item.update_id)

    app = FakeApplication(handle)
    stop = asyncio.Event()
    app.bot.push(update(1, 100))
    app.bot.push(update(2, 100))  # the same chat: after 1
    polling = asyncio.create_task(poll(app, stop))
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.sleep(0.1)
    assert not polling.done()  # waits for the updates in hand
    may_end.set()
    await asyncio.wait_for(polling, 5)
    assert answered == [1, 2] and app.bot.confirmed == {1, 2}


async def test_an_update_is_read_once_however_often_getupdates_returns_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow_may_end = asyncio.Event()
    answered: list[int] = []
    decoded: list[int] = []
    de_json = Update.de_json

    def counting(data: JSONDict, bot: Any = None) -> Update:
        decoded.append(data["update_id"])
        return de_json(data, bot)

    monkeypatch.setattr(Update, "de_json", counting)

    async def handle(item: Update) -> None:
        if item.update_id == 1:
            await slow_may_end.wait()
        answered.append(item.update_id)

    app = FakeApplication(handle)
    stop = asyncio.Event()
    app.bot.push(update(1, 100))
    polling = asyncio.create_task(poll(app, stop))
    for n in range(2, 8):  # while 1 runs, the window comes back with every call
        app.bot.push(update(n, 200 + n))
        await until(lambda n=n: n in answered)
    slow_may_end.set()
    await until(lambda: 1 in answered)
    stop.set()
    await polling
    assert app.bot.calls > 7  # update 1 came back again and again ...
    assert sorted(decoded) == list(range(1, 8))  # ... and was read once


async def test_an_unreadable_update_is_skipped_and_the_next_ones_answered() -> None:
    answered: list[int] = []

    async def handle(item: Update) -> None:
        answered.append(item.update_id)

    app = FakeApplication(handle)
    stop = asyncio.Event()
    app.bot.push({"update_id": 1, "message": {"message_id": "not a message"}})
    app.bot.push(update(2, 200))
    polling = asyncio.create_task(poll(app, stop))
    await until(lambda: answered == [2])
    stop.set()
    await polling
    assert app.bot.confirmed == {1, 2}  # not fetched again and again
