"""A PostgreSQL connection lost under the bot (a database restart, a fail-over) costs the reader
nothing: the update is handled again on a fresh connection, and answered once."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.bootstrap import open_knowledge
from tests.e2e.conftest import bot_settings, start_bot, stop_bot
from tests.e2e.pack import pack_entries
from tests.support.standin import StandIn, TgUser

BIOLABS_RU = "Американские биолаборатории в Казахстане распространяют болезни!!!"


def cut_every_connection(url: str) -> int:
    """What a database restart does to the bot's pooled connections; returns how many."""
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        cut = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    return int(cut)


@pytest.mark.postgres
async def test_a_lost_connection_is_retried_before_the_reader_hears_of_it(
    standin: StandIn, postgres_url: str
) -> None:
    settings = bot_settings(standin, postgres_url)
    kb = open_knowledge(settings)
    kb.import_entries(pack_entries())
    app = await start_bot(standin, settings, kb)
    try:
        warm = standin.push_text(TgUser(3001, "First", "en"), BIOLABS_RU)
        await standin.wait_reply(warm, timeout=30)
        await standin.settle()
        assert cut_every_connection(postgres_url) > 0

        since = len(standin.calls)
        reader = TgUser(3002, "Second", "en")
        sent = standin.push_text(reader, BIOLABS_RU)
        reply = await standin.wait_reply(sent, since=since, timeout=30)
        await standin.settle()
        assert "US military biolabs in Kazakhstan spread dangerous diseases" in reply.plain
        answers = standin.calls_to("sendMessage", lambda c: c.chat_id == reader.id)
        assert len(answers) == 1  # the card, once; no "something went wrong"
    finally:
        await stop_bot(app)
        kb.close()
