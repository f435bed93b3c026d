"""Two `tekser run` webhook workers on one PostgreSQL behind a load balancer, as real processes.

Telegram (the stand-in) delivers to one webhook URL, the balancer spreads the requests over both
workers. A debunk imported through one worker is matched by the other; killing a worker in the
middle of a stream of updates loses none of them (the balancer and Telegram's redelivery hand them
to the survivor); a restarted worker serves at once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

from tests.support.balancer import Balancer
from tests.support.standin import Call, StandIn, TgChat, TgUser, origin_channel
from tests.support.workers import WEBHOOK_SECRET, Worker, first_answers, free_port, standin_env

pytestmark = pytest.mark.postgres

OWNER = TgUser(4242, "Owner", "en")
NATO = "В Алматы открыли центр НАТО"
CHANNEL = TgChat(-100777, "channel", title="Qazaq Leaks")
GRACE = 2.0  # forward_grace_seconds: its default
NEW_SLUG = "water-sold-abroad"
NEW_CLAIM = "Kazakhstan secretly sells the water of Lake Balkhash to foreign companies"
NEW_PACK = {
    "format": "debunk-pack/1",
    "debunks": [
        {
            "slug": NEW_SLUG,
            "verdict": "false",
            "title": {"en": "Lake Balkhash water is sold to foreign companies"},
            "disproof": {"en": "No such contract exists; the lake's water is not exported."},
            "claims": [{"lang": "en", "text": NEW_CLAIM}],
            "sources": [{"url": "https://www.gov.kz/", "title": "Government of Kazakhstan"}],
        }
    ],
}


class Cluster:
    """The stand-in, the balancer and two workers on one database."""

    def __init__(self, standin: StandIn, balancer: Balancer, workers: list[Worker]):
        self.standin = standin
        self.balancer = balancer
        self.workers = workers
        self.readers = iter(range(20_000, 30_000))

    def reader(self) -> TgUser:
        return TgUser(next(self.readers), "Reader", "ru")

    async def check_all(self, texts: list[str], timeout: float = 60.0) -> dict[int, Call]:
        """Push each text from a new reader; every reader's first answer, by chat id."""
        return await first_answers(self.standin, texts, readers=self.readers, timeout=timeout)


@pytest.fixture
def cluster(postgres_url: str, tmp_path: Path) -> Iterator[Cluster]:
    ports = [free_port(), free_port()]
    standin = StandIn()
    with standin, Balancer([f"http://127.0.0.1:{p}" for p in ports]) as lb:
        env = standin_env(
            postgres_url,
            standin,
            webhook_url=lb.url("/hook"),
            webhook_secret=WEBHOOK_SECRET,
            owner_ids=str(OWNER.id),
            sync_check_seconds="1",
        )
        workers = [
            Worker(env, port=port, cwd=tmp_path, log=tmp_path / f"worker{i}.log")
            for i, port in enumerate(ports, 1)
        ]
        try:
            for worker in workers:  # started together on an empty database
                worker.start()
            for worker in workers:
                worker.wait_ready()
            yield Cluster(standin, lb, workers)
        finally:
            for worker in workers:
                worker.stop()


async def test_two_workers_share_updates_changes_and_survive_a_killed_worker(
    cluster: Cluster,
) -> None:
    first, second = cluster.workers
    standin, balancer = cluster.standin, cluster.balancer
    await standin.wait_for("setWebhook", timeout=30)

    # updates spread over both workers; both answer from the one seeded base
    answers = await cluster.check_all([NATO] * 10)
    assert all("НАТО" in call.plain for call in answers.values()), [
        c.plain[:200] for c in answers.values()
    ]
    assert balancer.served[first.url] >= 3 and balancer.served[second.url] >= 3, (
        balancer.served,
        balancer.failovers,
        first.output()[-3000:],
    )

    # a debunk imported through the first worker is matched by the second within 2 s
    balancer.pin(first.url)
    since = len(standin.calls)
    standin.push_document(
        OWNER, json.dumps(NEW_PACK).encode(), file_name="pack.json", caption="/import"
    )
    summary = await standin.wait_for(
        "sendMessage", lambda c: c.chat_id == OWNER.id and "Created: 1" in c.plain, since=since
    )
    since = len(standin.calls)
    standin.push_callback(OWNER, summary.result, summary.button("Import")["callback_data"])
    await standin.wait_for(
        "sendMessage",
        lambda c: c.chat_id == OWNER.id and "Imported: 1 created" in c.plain,
        since=since,
    )
    imported_at = time.monotonic()
    balancer.pin(second.url)
    await asyncio.sleep(max(0.0, imported_at + 2.0 - time.monotonic()))
    answers = await cluster.check_all([NEW_CLAIM])
    assert "Lake Balkhash" in next(iter(answers.values())).plain
    balancer.pin(None)

    # the first worker is killed while a stream of updates is on its way: none is lost
    texts = [NATO, NEW_CLAIM, "Погода в Астане на выходных будет тёплой"] * 10
    stream = asyncio.create_task(cluster.check_all(texts, timeout=90))
    await asyncio.sleep(0.3)
    first.kill()
    answers = await stream
    assert len(answers) == len(texts)
    assert second.process is not None and second.process.poll() is None

    # restarted, it serves at once
    first.start()
    ready_after = first.wait_ready()
    balancer.pin(first.url)
    started = time.monotonic()
    answers = await cluster.check_all([NATO], timeout=10)
    assert time.monotonic() - started < 5
    assert "НАТО" in next(iter(answers.values())).plain
    print(f"restarted worker ready after {ready_after:.1f} s")


async def until_held(database_url: str, count: int, timeout: float = 10.0) -> None:
    """Wait until the database holds `count` forwards (a worker has taken the update)."""
    engine = sqlalchemy.create_engine(database_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if connection.scalar(sqlalchemy.text("SELECT count(*) FROM heldforward")) == count:
                    return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the database never held {count} forward(s)")
    finally:
        engine.dispose()


async def test_held_forwards_are_answered_once_by_whichever_worker_is_there(
    cluster: Cluster, postgres_url: str
) -> None:
    first, _ = cluster.workers
    standin, balancer = cluster.standin, cluster.balancer
    await standin.wait_for("setWebhook", timeout=30)

    # the forward reaches the first worker, the reader's words the second: one answer to both
    reader = cluster.reader()
    balancer.pin(first.url)
    forward = standin.push_text(reader, NATO, forward_origin=origin_channel(CHANNEL, 7))
    await until_held(postgres_url, 1)
    balancer.pin(cluster.workers[1].url)
    standin.push_text(reader, "Это правда?")
    answer = await standin.wait_reply(forward, timeout=15)
    assert answer.reply_to == forward["message_id"]
    assert "НАТО" in answer.plain and "Qazaq Leaks" in answer.plain
    await asyncio.sleep(GRACE + 1.0)
    assert len(standin.calls_to("sendMessage", lambda c: c.chat_id == reader.id)) == 1

    # the worker holding a forward dies within its grace period: the other one answers it
    reader = cluster.reader()
    balancer.pin(first.url)
    forward = standin.push_text(reader, NATO, forward_origin=origin_channel(CHANNEL, 8))
    await until_held(postgres_url, 1)
    first.kill()
    balancer.pin(None)
    answer = await standin.wait_reply(forward, timeout=20)
    assert answer.reply_to == forward["message_id"] and "Qazaq Leaks" in answer.plain
    await asyncio.sleep(3.0)
    assert len(standin.calls_to("sendMessage", lambda c: c.chat_id == reader.id)) == 1
