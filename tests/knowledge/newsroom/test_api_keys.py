"""API keys: created once, stored only hashed, revocable, counted per minute in the database."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlmodel import select

from knowledge.db.engines import create_engine_for, migrate
from knowledge.db.transactions import Transactions
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.matching.matcher import Matcher
from knowledge.moderation.audit import Actor, AuditEvent
from knowledge.moderation.roles import NotAllowed, Roles
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


def test_only_owners_and_admins_create_keys_and_every_change_is_audited(kb: KnowledgeBase) -> None:
    tx = Transactions(kb.engine)
    roles = Roles(tx, owner_ids={1})
    keys = api_keys.ApiKeys(tx, roles)
    roles.grant(Actor(1, "Owner"), user_id=2, role="admin")
    roles.grant(Actor(1, "Owner"), user_id=3, role="editor")
    with pytest.raises(NotAllowed):
        keys.create(Actor(3, "Editor"), name="newsroom-kz")
    row, key = keys.create(Actor(2, "Admin"), name="newsroom-kz")
    assert keys.take_request(key, limit=1) is None
    assert keys.take_request(key, limit=1) is not None  # over the limit: seconds to wait
    with pytest.raises(NotAllowed):
        keys.revoke(Actor(3, "Editor"), name="newsroom-kz")
    keys.revoke(Actor(1, "Owner"), name="newsroom-kz")
    with pytest.raises(api_keys.UnknownKey):
        keys.take_request(key, limit=1)
    assert [k.name for k in keys.all_keys()] == [row.name]
    with kb.session() as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action.startswith("apikey"))
        ).all()
    assert [(e.action, e.actor_name) for e in events] == [
        ("apikey-create", "Admin"),
        ("apikey-revoke", "Owner"),
    ]
