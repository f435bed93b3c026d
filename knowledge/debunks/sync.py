"""Keeping every worker's matching index in step with the shared PostgreSQL base.

A change to a debunk made in one process (moderator edit, import, retire) is announced with
`notify_change(session_or_engine, slug)`: a PostgreSQL NOTIFY on the channel ``tekser_debunks``
carrying the slug, sent when the writing transaction commits.  In every process a `DebunkSync`
thread LISTENs on its own connection and calls ``kb.refresh(slug)`` (or ``kb.reload()`` for a
burst) as notifications arrive, well within 2 seconds.

Notifications are not stored: those sent while a listener was disconnected are lost.  So the
listener remembers the base's *version* (counts, version numbers and newest timestamps of the
debunk tables) as of the last notification it handled; after reconnecting, and every
`check_interval` seconds as a fallback, it compares it with the base and reloads everything when
it moved without a notification explaining it.

The moderators' glossary terms (`/term`) travel the same way, as the payload
``GLOSSARY_CHANGED``: each worker re-reads them (`kb.reload_glossary`), no index is rebuilt.

On SQLite (one process) all of this is a no-op.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

if TYPE_CHECKING:
    import psycopg

    from knowledge.debunks.knowledge_base import KnowledgeBase

log = logging.getLogger(__name__)

CHANNEL = "tekser_debunks"
RELOAD_ALL = "*"  # payload asking every worker for a full reload (bulk changes)
GLOSSARY_CHANGED = "#glossary"  # payload: the moderators' glossary terms changed (no slug has #)
BULK_REFRESH = 50  # more slugs than this in one burst: reload instead of refreshing one by one
DRAIN_SECONDS = 0.05  # after the first notification, how long to gather the rest of a burst

VERSION_SQL = """
SELECT
  (SELECT count(*) FROM debunk),
  (SELECT count(*) FROM debunk WHERE status = 'published'),
  (SELECT coalesce(sum(version), 0) FROM debunk),
  (SELECT max(updated_at) FROM debunk),
  (SELECT count(*) FROM claimphrasing),
  (SELECT coalesce(max(id), 0) FROM claimphrasing),
  (SELECT count(*) FROM appearance),
  (SELECT coalesce(max(id), 0) FROM appearance),
  (SELECT count(*) FROM termgroup),
  (SELECT coalesce(max(id), 0) FROM termgroup)
"""

BaseVersion = tuple[str, ...]
GLOSSARY_PART = slice(8, 10)  # the moderators' glossary terms in a BaseVersion (the rest: debunks)


def _dialect(target: Session | Engine | Connection) -> str:
    bind = target.get_bind() if isinstance(target, Session) else target
    return bind.dialect.name


def notify_change(target: Session | Engine | Connection, slug: str) -> None:
    """Announce that debunk `slug` changed (RELOAD_ALL: everything did). No-op on SQLite.

    With a Session or Connection inside a transaction the notification is sent when it commits
    (never for a rolled-back change); with an Engine it is sent at once.
    """
    if _dialect(target) != "postgresql":
        return
    statement = text("SELECT pg_notify(:channel, :slug)")
    params = {"channel": CHANNEL, "slug": slug}
    if isinstance(target, Engine):
        with target.begin() as connection:
            connection.execute(statement, params)
    else:
        target.execute(statement, params)


def notify_reload(target: Session | Engine | Connection) -> None:
    """Ask every worker to reload the whole index (after a bulk change)."""
    notify_change(target, RELOAD_ALL)


def base_version(engine: Engine) -> BaseVersion:
    """A fingerprint of the debunk tables that changes with any debunk change."""
    with engine.connect() as connection:
        row = connection.execute(text(VERSION_SQL)).one()
    return tuple(str(value) for value in row)


def _psycopg_dsn(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class DebunkSync:
    """Background listener that applies other processes' changes to this process's index.

    Create it right after the base is loaded, `start()` it, and `stop()` it at shutdown.
    """

    def __init__(
        self, kb: KnowledgeBase, *, check_interval: float = 15.0, poll: float = 0.5
    ) -> None:
        self.kb = kb
        self.check_interval = check_interval
        self.poll = poll
        self.enabled = kb.engine.dialect.name == "postgresql"
        self.connected = threading.Event()
        self.refreshes = 0
        self.reloads = 0
        self.glossary_reloads = 0
        self.reconnects = 0
        self.backend_pid: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._baseline: BaseVersion | None = None
        if self.enabled:  # what the index was built from: anything newer is caught up on
            self._baseline = kb.loaded_version if kb.loaded else base_version(kb.engine)

    def start(self) -> DebunkSync:
        if not self.enabled or self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="tekser-debunk-sync", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.connected.clear()

    def __enter__(self) -> DebunkSync:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        import psycopg  # PostgreSQL only: a SQLite bot (and `tekser check`) does not load it

        backoff = 0.5
        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(_psycopg_dsn(self.kb.engine), autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    if not first:
                        self.reconnects += 1
                    first = False
                    self._catch_up(conn, set())
                    self.connected.set()
                    backoff = 0.5
                    self._listen(conn)
            except (psycopg.Error, OSError) as exc:
                self.connected.clear()
                if self._stop.is_set():
                    break
                log.warning("debunk sync: connection lost (%s); reconnecting", type(exc).__name__)
            except Exception:
                self.connected.clear()
                log.exception("debunk sync failed; restarting")
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)
        self.connected.clear()

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        last_check = time.monotonic()
        while not self._stop.is_set():
            slugs = {n.payload for n in conn.notifies(timeout=self.poll, stop_after=1)}
            if slugs:
                slugs |= self._drain(conn)
                self._catch_up(conn, slugs)
                last_check = time.monotonic()
            elif time.monotonic() - last_check >= self.check_interval:
                self._catch_up(conn, set())
                last_check = time.monotonic()

    @staticmethod
    def _drain(conn: psycopg.Connection[Any]) -> set[str]:
        return {n.payload for n in conn.notifies(timeout=DRAIN_SECONDS)}

    def _catch_up(self, conn: psycopg.Connection[Any], slugs: set[str]) -> None:
        """Apply notified changes; reload when the base moved without notifications."""
        row = conn.execute(VERSION_SQL).fetchone()
        version = tuple(str(value) for value in row) if row is not None else ()
        slugs |= self._drain(conn)  # notifications of commits the version already includes
        baseline = self._baseline or ()
        # the glossary's part of the version moves apart: its change needs no index reload
        glossary_moved = version[GLOSSARY_PART] != baseline[GLOSSARY_PART]
        glossary_changed = GLOSSARY_CHANGED in slugs or glossary_moved
        slugs.discard(GLOSSARY_CHANGED)
        if RELOAD_ALL in slugs or len(slugs) > BULK_REFRESH:
            self._reload("bulk change")  # reads the glossary too
        elif not slugs and version[: GLOSSARY_PART.start] != baseline[: GLOSSARY_PART.start]:
            self._reload("the base changed without a notification")
        else:
            if glossary_changed:
                self.kb.reload_glossary(announce=False)
                self.glossary_reloads += 1
            for slug in sorted(slugs):
                self.kb.refresh(slug, announce=False)
                self.refreshes += 1
        self._baseline = version

    def _reload(self, why: str) -> None:
        log.info("debunk sync: reloading the index (%s)", why)
        self.kb.reload()
        self.reloads += 1
