"""A moderator's 20 MB /import holds up no reader: its reading, validation and writes run off the
event loop, the writes in batches, so other readers' checks are answered within a second
throughout."""

from __future__ import annotations

import asyncio
import json
import time

from tests.e2e.conftest import Running
from tests.e2e.moderation_fixtures import (  # noqa: F401  (fixtures)
    OWNER,
    says,
    settings,
    standin,
)
from tests.support.standin import Call, TgUser

BIOLABS_RU = "Американские биолаборатории в Казахстане распространяют болезни!!!"
IMPORT_BYTES = 20 * 2**20
ENTRIES = 1000


def big_pack() -> bytes:
    """A debunk pack of about 20 MB (the /import limit): long disproofs in three languages."""
    filler = "Официальные данные и документы опровергают это утверждение. " * 58
    debunks = [
        {
            "slug": f"imported-claim-{n:05d}",
            "verdict": "false",
            "title": {"en": f"Imported claim number {n}", "ru": f"Импортированное утверждение {n}"},
            "disproof": {"en": filler, "ru": filler, "kk": filler},
            "claims": [{"lang": "ru", "text": f"Утверждение номер {n} о событии {n * 7}"}],
            "sources": [{"url": f"https://factcheck.kz/claims/{n}", "publisher": "Factcheck.kz"}],
        }
        for n in range(ENTRIES)
    ]
    content = json.dumps({"format": "debunk-pack/1", "debunks": debunks}, ensure_ascii=False)
    return content.encode("utf-8")


async def test_readers_are_answered_within_a_second_during_a_20_mb_import(
    bot: Running,
) -> None:
    content = big_pack()
    assert IMPORT_BYTES * 0.9 < len(content) <= IMPORT_BYTES
    waits: list[float] = []
    importing = True

    async def readers_meanwhile() -> None:
        n = 0
        while importing:
            reader = TgUser(5000 + n, "Reader", "ru")
            n += 1
            sent = bot.standin.push_text(reader, BIOLABS_RU)
            pushed = time.monotonic()
            reply = await bot.standin.wait_reply(sent, timeout=60)
            assert "биолаборатории" in reply.plain.lower()
            waits.append(reply.at - pushed)
            await asyncio.sleep(0.2)

    async def owner_sees(text: str, since: int) -> Call:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            for call in list(bot.standin.calls)[since:]:
                if call.method in ("sendMessage", "editMessageText") and says(OWNER.id, text)(call):
                    return call
            await asyncio.sleep(0.05)
        raise AssertionError(f"the owner never saw {text!r}")

    probes = asyncio.create_task(readers_meanwhile())
    try:
        since = len(bot.standin.calls)
        bot.standin.push_document(OWNER, content, file_name="big.json", caption="/import")
        summary = await owner_sees(f"Created: {ENTRIES}", since)
        await asyncio.sleep(0.5)  # the handler moves the conversation on once it returns
        since = len(bot.standin.calls)
        message = summary.result if isinstance(summary.result, dict) else {}
        data = summary.button(f"Import {ENTRIES} changes")["callback_data"]
        bot.standin.push_callback(OWNER, message, data)
        await owner_sees(f"Imported: {ENTRIES} created", since)
    finally:
        importing = False
        await probes
    assert len(bot.kb.export_entries()) >= ENTRIES
    assert len(waits) >= 5, "the import was over before readers could be asked"
    assert max(waits) < 1.0, sorted(waits)[-5:]
