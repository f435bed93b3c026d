"""API keys: created once, stored only hashed, revocable, counted per minute in the database."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.cli import main
from knowledge.db.engines import create_engine_for, migrate
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.matching.matcher import Matcher
from knowledge.newsroom import api_keys


@pytest.fixture
def kb(database_url: str) -> Iterator[KnowledgeBase]:
    base = KnowledgeBase.open(database_url, matcher=Matcher(), load=False)
    yield base
    base.close()


def test_a_key_is_stored_only_as_its_hash(kb: KnowledgeBase) -> None:
    with kb.session() as session:
        row, key = api_keys.create_api_key(session, name="newsroom-kz")
        session.commit()
    assert key.startswith("tk_") and len(key) > 40
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    with kb.engine.connect() as connection:
        stored = connection.execute(text("SELECT * FROM apikey")).all()
    assert key not in repr(stored)
    with kb.session() as session:
        found = api_keys.active_key(session, key=key)
        assert found is not None and found.name == "newsroom-kz"
        assert api_keys.active_key(session, key=key + "x") is None
        assert api_keys.active_key(session, key="") is None


def test_revoked_keys_stop_working_and_names_are_not_reused(kb: KnowledgeBase) -> None:
    with kb.session() as session:
        _, key = api_keys.create_api_key(session, name="paper")
        api_keys.revoke_api_key(session, name="paper")
        session.commit()
        assert api_keys.active_key(session, key=key) is None
        with pytest.raises(api_keys.ApiKeyError, match="exists already"):
            api_keys.create_api_key(session, name="paper")
        with pytest.raises(api_keys.ApiKeyError, match="no API key"):
            api_keys.revoke_api_key(session, name="nobody")


@pytest.mark.parametrize("name", ["", "has space", "-leading", "x" * 65, "name/slash", "имя"])
def test_unusable_names_are_refused(kb: KnowledgeBase, name: str) -> None:
    with kb.session() as session, pytest.raises(api_keys.ApiKeyError, match="not a usable name"):
        api_keys.create_api_key(session, name=name)


def test_the_minute_limit_counts_per_key_and_resets_with_the_minute(kb: KnowledgeBase) -> None:
    with kb.session() as session:
        first, _ = api_keys.create_api_key(session, name="first")
        second, _ = api_keys.create_api_key(session, name="second")
        assert first.id is not None and second.id is not None
        minute = 1_000_000 * 60.0
        waits = [
            api_keys.take_request(session, key_id=first.id, limit=3, now=minute + 10 + i)
            for i in range(4)
        ]
        assert waits[:3] == [None, None, None]
        assert waits[3] == pytest.approx(60 - 13)
        assert api_keys.take_request(session, key_id=second.id, limit=3, now=minute + 20) is None
        assert api_keys.take_request(session, key_id=first.id, limit=3, now=minute + 60) is None
        session.commit()
        rows = session.exec(select(api_keys.ApiKeyUsage)).all()
        assert {(r.key_id, r.count) for r in rows} == {(first.id, 1), (second.id, 1)}


# ------------------------------------------------------------------ the command line


@pytest.fixture
def cli_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TEKSER_DATABASE_URL", url)
    monkeypatch.setenv("TEKSER_SEMANTIC", "false")
    monkeypatch.chdir(tmp_path)
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_apikey_commands(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "apikey", "list") == (
        0,
        "No API keys yet: create one with `tekser apikey create NAME`.\n",
        "",
    )
    code, out, err = run(capsys, "apikey", "create", "newsroom-kz")
    assert code == 0
    key = out.strip()  # the key alone on stdout, for scripts
    assert key.startswith("tk_") and "shown only this once" in err

    code, out, _ = run(capsys, "apikey", "list")
    assert code == 0 and out.startswith("newsroom-kz\tcreated ") and out.rstrip().endswith("active")
    assert key not in out and hashlib.sha256(key.encode()).hexdigest() not in out

    code, out, _ = run(capsys, "apikey", "revoke", "newsroom-kz")
    assert code == 0 and "revoked" in out
    assert "\trevoked " in run(capsys, "apikey", "list")[1]

    engine = create_engine_for(cli_database)
    migrate(engine)
    with KnowledgeBase(engine, Matcher()).session() as session:
        assert api_keys.active_key(session, key=key) is None
    engine.dispose()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("apikey", "revoke", "ghost"), "tekser: no API key is named 'ghost'\n"),
        (("apikey", "create", "bad name"), "tekser: 'bad name' is not a usable name"),
    ],
)
def test_apikey_mistakes_get_one_line(
    cli_database: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_creating_a_name_twice_is_refused(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "apikey", "create", "paper")
    code, out, err = run(capsys, "apikey", "create", "paper")
    assert code == 2 and out == "" and "exists already" in err


def test_the_migration_goes_down_and_up_again(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from knowledge.db.engines import alembic_config

    engine = create_engine_for(database_url)
    migrate(engine)
    assert {"apikey", "apikeyusage"} <= set(inspect(engine).get_table_names())
    command.downgrade(alembic_config(engine), "0002")
    assert not {"apikey", "apikeyusage"} & set(inspect(engine).get_table_names())
    migrate(engine)
    assert {"apikey", "apikeyusage"} <= set(inspect(engine).get_table_names())
    engine.dispose()
