"""Two workers on one PostgreSQL base: a change through one is matched by the other within 2 s."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from knowledge.debunks import storage, terms
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.sync import DebunkSync, base_version, notify_change, notify_reload
from knowledge.formats.pack import PackDebunk
from knowledge.matching.matcher import Matcher
from tests.conftest import POSTGRES_ADMIN_URL

CLAIM = "Kazakhstan secretly sold the Baikonur cosmodrome to China"
ENTRY = PackDebunk.model_validate(
    {
        "slug": "baikonur-sold-to-china",
        "verdict": "false",
        "title": {"en": "Kazakhstan sold Baikonur to China"},
        "disproof": {"en": "Baikonur is leased to Russia until 2050; nothing was sold."},
        "claims": [{"lang": "en", "text": CLAIM}],
    }
)
OTHER = PackDebunk.model_validate(
    {
        "slug": "astana-renamed-again",
        "verdict": "false",
        "title": {"en": "Astana will be renamed to Nur-Sultan again next month"},
        "disproof": {"en": "No such decree exists."},
        "claims": [{"lang": "en", "text": "Astana will be renamed to Nur-Sultan again next month"}],
    }
)


def open_worker(url: str) -> KnowledgeBase:
    return KnowledgeBase.open(url, matcher=Matcher())


def wait_for(condition: Callable[[], bool], seconds: float) -> float:
    """Seconds until `condition` held; fails the test after `seconds`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            pytest.fail(f"not within {seconds} s")
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def writer(postgres_url: str) -> Iterator[KnowledgeBase]:
    """The worker the tests change the base through (holding one debunk to start with)."""
    kb = open_worker(postgres_url)
    kb.import_entries([OTHER])
    yield kb
    kb.close()


@pytest.fixture
def reader(postgres_url: str, writer: KnowledgeBase) -> Iterator[KnowledgeBase]:
    """Another worker on the same base, which should see the writer's changes."""
    kb = open_worker(postgres_url)
    yield kb
    kb.close()


@contextmanager
def listening(kb: KnowledgeBase, check_interval: float = 3600) -> Iterator[DebunkSync]:
    """`kb`'s sync, running and connected to the base's notifications."""
    with DebunkSync(kb, check_interval=check_interval) as sync:
        assert sync.connected.wait(5)
        yield sync


def retire(session: Session, slug: str) -> None:
    debunk = storage.get_debunk(session, slug=slug)
    assert debunk is not None
    debunk.status = "retired"
    session.add(debunk)


def title_of(kb: KnowledgeBase, slug: str) -> str | None:
    entry = kb.matcher.entry(slug)
    return None if entry is None else entry.titles.get("en")


def matched(kb: KnowledgeBase, slug: str = ENTRY.slug) -> bool:
    result = kb.check(CLAIM)
    return result.verdict == "match" and result.matches[0].slug == slug


@pytest.mark.postgres
def test_an_import_through_one_worker_is_matched_by_the_other_within_two_seconds(
    writer: KnowledgeBase, reader: KnowledgeBase
) -> None:
    with listening(reader) as sync:
        assert not matched(reader)
        writer.import_entries([ENTRY])
        notify_change(writer.engine, ENTRY.slug)
        assert wait_for(lambda: matched(reader), 2.0) < 2.0
    assert sync.refreshes >= 1 and sync.reloads == 0  # the notification did it, not a reload


@pytest.mark.postgres
def test_a_retirement_stops_matching_in_the_other_worker(
    writer: KnowledgeBase, reader: KnowledgeBase
) -> None:
    writer.import_entries([ENTRY])
    reader.reload()
    assert matched(reader)
    with listening(reader):
        with writer.session() as session:
            retire(session, ENTRY.slug)
            notify_change(session, ENTRY.slug)  # sent when the transaction commits
            session.commit()
        wait_for(lambda: not matched(reader), 2.0)


@pytest.mark.postgres
def test_a_rolled_back_change_notifies_nobody(writer: KnowledgeBase, reader: KnowledgeBase) -> None:
    with listening(reader) as sync:
        with writer.session() as session:
            notify_change(session, OTHER.slug)
            session.rollback()
        time.sleep(1.0)
    assert sync.refreshes == 0 and sync.reloads == 0


@pytest.mark.postgres
def test_after_a_lost_connection_the_listener_reconnects_and_reloads_what_it_missed(
    writer: KnowledgeBase, reader: KnowledgeBase
) -> None:
    with listening(reader) as sync:
        writer.import_entries([ENTRY])  # its notification is lost: none is sent
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": sync.backend_pid})
        admin.dispose()
        wait_for(lambda: sync.reconnects >= 1, 5.0)
        wait_for(lambda: matched(reader), 2.0)
        assert sync.reloads == 1
        assert sync.connected.is_set()
        # and notifications work again on the new connection
        writer.import_entries([OTHER.model_copy(update={"title": {"en": "Renamed title"}})])
        notify_change(writer.engine, OTHER.slug)
        wait_for(lambda: title_of(reader, OTHER.slug) == "Renamed title", 2.0)


@pytest.mark.postgres
def test_the_periodic_version_check_catches_a_change_nobody_announced(
    writer: KnowledgeBase, reader: KnowledgeBase
) -> None:
    with listening(reader, check_interval=0.3) as sync:
        time.sleep(0.5)
        assert sync.reloads == 0  # nothing changed: no reload
        with writer.session() as session:  # written past the KnowledgeBase: nobody announces it
            storage.apply_import(session, entries=[ENTRY])
            session.commit()
        wait_for(lambda: matched(reader), 2.0)
    assert sync.reloads == 1


@pytest.mark.postgres
def test_a_bulk_notification_reloads_everything(
    writer: KnowledgeBase, reader: KnowledgeBase
) -> None:
    with listening(reader) as sync:
        writer.import_entries([ENTRY])
        notify_reload(writer.engine)
        wait_for(lambda: matched(reader), 2.0)
    assert sync.reloads == 1


@pytest.mark.postgres
def test_the_version_moves_with_every_kind_of_change(postgres_url: str) -> None:
    kb = open_worker(postgres_url)
    seen = {base_version(kb.engine)}
    kb.import_entries([ENTRY])
    seen.add(base_version(kb.engine))
    kb.import_entries([ENTRY.model_copy(update={"claims": [*ENTRY.claims, *OTHER.claims]})])
    seen.add(base_version(kb.engine))
    with kb.session() as session:
        retire(session, ENTRY.slug)
        session.commit()
    seen.add(base_version(kb.engine))
    kb.close()
    assert len(seen) == 4


@pytest.mark.postgres
def test_a_glossary_term_added_through_one_worker_reaches_the_other_without_a_reload(
    writer: KnowledgeBase, reader: KnowledgeBase
) -> None:
    def bridged(kb: KnowledgeBase) -> bool:  # "Байқоңыр" is Kazakh for Baikonur
        return bool(kb.matcher.glossary.equivalents("baikonur"))

    writer.import_entries([ENTRY])
    reader.reload()
    with listening(reader) as sync:
        with writer.session() as session:
            terms.add_term_group(
                session, words={"kk": ["Байқоңыр"], "en": ["Baikonur"]}, added_by=1
            )
            session.commit()
        writer.reload_glossary()
        assert wait_for(lambda: bridged(reader), 2.0) < 2.0
        assert sync.reloads == 0
    with listening(reader, check_interval=0.3) as sync:  # a change nobody announced
        with writer.session() as session:
            row = terms.term_groups(session)[0]
            assert row.id is not None and terms.remove_term_group(session, group_id=row.id)
            session.commit()
        wait_for(lambda: not bridged(reader), 2.0)
        assert sync.reloads == 0 and sync.glossary_reloads >= 1


def test_on_sqlite_sync_is_a_no_op(tmp_path: Path) -> None:
    kb = open_worker(f"sqlite:///{tmp_path / 'one.db'}")
    sync = DebunkSync(kb).start()
    assert not sync.enabled and sync._thread is None
    with kb.session() as session:
        notify_change(session, ENTRY.slug)
    notify_change(kb.engine, ENTRY.slug)
    sync.stop()
    kb.close()
