"""The database-backed PTB persistence and `tekser moderator` on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram.ext import PersistenceInput

from bot.cli import main
from bot.persistence import DatabasePersistence
from knowledge.db.engines import create_engine_for, migrate


async def test_conversations_survive_a_new_persistence_on_the_same_database(
    database_url: str,
) -> None:
    engine = create_engine_for(database_url)
    migrate(engine)
    first = DatabasePersistence(engine)
    await first.update_conversation("moderation", (10, 10), "add-title")
    await first.update_conversation("moderation", (-100, 11), "edit-menu")
    await first.update_conversation("other", (10, 10), "x")
    await first.update_conversation("moderation", (-100, 11), None)  # ended: forgotten
    again = DatabasePersistence(engine)
    assert await again.get_conversations("moderation") == {(10, 10): "add-title"}
    assert await again.get_conversations("nothing") == {}
    assert not again.store_data.user_data  # conversations only, unless asked for more
    engine.dispose()


async def test_user_chat_and_bot_data_when_asked_for(database_url: str) -> None:
    engine = create_engine_for(database_url)
    migrate(engine)
    everything = PersistenceInput(bot_data=True, chat_data=True, user_data=True)
    store = DatabasePersistence(engine, store_data=everything)
    await store.update_user_data(7, {"lang": "kk"})
    await store.update_chat_data(-5, {"auto": True})
    await store.update_bot_data({"n": 1})
    await store.update_user_data(8, {"lang": "en"})
    await store.drop_user_data(8)
    again = DatabasePersistence(engine, store_data=everything)
    assert await again.get_user_data() == {7: {"lang": "kk"}}
    assert await again.get_chat_data() == {-5: {"auto": True}}
    assert await again.get_bot_data() == {"n": 1}
    assert await again.get_callback_data() is None
    engine.dispose()


@pytest.fixture
def cli_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TEKSER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TEKSER_OWNER_IDS", "5")
    monkeypatch.setenv("TEKSER_SEMANTIC", "false")
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("cli_database")
def test_moderators_from_the_shell(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "moderator", "add", "42", "--role", "admin", "--name", "Aliya") == (
        0, "42 is now admin.\n", "",
    )  # fmt: skip
    assert run(capsys, "moderator", "add", "43")[1] == "43 is now editor.\n"
    code, out, _ = run(capsys, "moderator", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "5\towner\t(TEKSER_OWNER_IDS)"
    assert lines[1].startswith("42\tadmin\tAliya\t") and lines[2].startswith("43\teditor\t")
    assert run(capsys, "moderator", "remove", "43")[1] == "43 is no longer editor.\n"
    code, _, err = run(capsys, "moderator", "remove", "43")
    assert code == 2 and err == (
        "tekser: 43 is not a stored moderator (owners are set in TEKSER_OWNER_IDS).\n"
    )
