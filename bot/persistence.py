"""PTB persistence in Tekser's own database, so that a moderator's conversation (/add halfway
through) survives a restart and continues on whichever worker takes the next update.

PTB reads persisted data once, at start, and hands changes over every `update_interval` seconds;
with several `tekser run` workers behind one load balancer that is not enough: a step written by
worker 1 must be what worker 2 sees for the very next message. So `WorkerPersistence`, the one
`bot.app` uses, adds two handlers around all the others (see `handlers()`):

- **before** (group `PRE_GROUP`): one SELECT of primary-key lookups
  (`knowledge.db.bot_state.load_snapshot`) gives, for this update, the sender's /language
  choice, the chat's /settings auto and the stored step of every persistent conversation for
  this chat and sender. They are put where the handlers look: `user_data["lang"]`,
  `chat_data["auto"]` and the ConversationHandler's own table of steps (a step older than the
  conversation's timeout counts as ended, whichever worker last saw it);
- **after** (group `POST_GROUP`): when this update moved a conversation to another step, the
  change is written at once (not a second later), and the per-update `user_data`/`chat_data`
  are dropped, so no worker keeps them (nor grows with every reader it ever served).

Nothing else lives in those dicts: every other piece of reader, chat or moderator state is in
its own table (drafts and tasks on the moderator's desk, votes, submissions, chat settings,
quotas). `user_data`/`chat_data` are therefore *caches* here: PTB hands them to `update_*`,
which keeps nothing.

Conversation steps are `botstate` rows (kind ``conversation:<name>``, key the JSON of PTB's
key). Ending a conversation deletes only the row version this process last read or wrote, so a
stale worker (say, its in-memory timeout firing two hours after it last saw the conversation)
never ends a conversation another worker has moved on since.

`DatabasePersistence` alone (no handlers) stores conversations, and per-user, per-chat and bot
data when `store_data` asks for them; it is what one process needs to survive a restart.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    BasePersistence,
    CallbackContext,
    ConversationHandler,
    PersistenceInput,
    TypeHandler,
)
from telegram.ext._handlers.conversationhandler import PendingState
from telegram.ext._utils.trackingdict import TrackingDict

from handlers.context import AUTO_KEY, LANGUAGE_KEY
from knowledge.audience.pseudonyms import keyed_hash
from knowledge.db import bot_state
from knowledge.db.batching import Batched
from knowledge.debunks.tables import utcnow

UPDATE_INTERVAL = 1.0  # seconds: what a crash can lose of a step not written by `after_update`
CONVERSATIONS_ONLY = PersistenceInput(
    bot_data=False, chat_data=False, user_data=False, callback_data=False
)
# user_data and chat_data are handed over (so PTB forgets which ids it must write) but not kept
PER_UPDATE_CACHES = PersistenceInput(
    bot_data=False, chat_data=True, user_data=True, callback_data=False
)
PRE_GROUP = -100  # before every handler group of bot.app
POST_GROUP = 100  # after all of them
SEEDED_LIMIT = 10_000  # updates whose "after" never ran (stopped early) are forgotten beyond this

Data = dict[Any, Any]
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
AnyContext = CallbackContext[Any, Any, Any, Any]


def conversation_kind(name: str) -> str:
    return f"{bot_state.CONVERSATION_PREFIX}{name}"


def key_text(key: ConversationKey) -> str:
    return json.dumps(list(key))


def key_tuple(text: str) -> ConversationKey:
    return tuple(json.loads(text))


@dataclass(frozen=True)
class Known:
    """A conversation step as this process last read or wrote it: `state` (None: no step) was
    in the database at `as_of`, in the row written at `version` (None: no row)."""

    state: object | None
    as_of: datetime
    version: datetime | None


class DatabasePersistence(BasePersistence[Data, Data, Data]):
    """Stores PTB's state as JSON rows of the `botstate` table."""

    def __init__(
        self,
        engine: Engine,
        *,
        store_data: PersistenceInput = CONVERSATIONS_ONLY,
        update_interval: float = UPDATE_INTERVAL,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self.engine = engine
        # (kind, key) -> the conversation step as this process last read or wrote it
        self._known: dict[tuple[str, str], Known] = {}

    # ---------------------------------------------------------------- blocking helpers

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def _load_kind(self, kind: str) -> dict[str, Any]:
        with self._session() as session:
            return bot_state.load_kind(session, kind=kind)

    def _store(self, kind: str, key: str, data: Any) -> None:
        with self._session() as session:
            if data is None:
                bot_state.drop(session, kind=kind, key=key)
            else:
                bot_state.store(session, kind=kind, key=key, data=data)
            session.commit()

    def _load_steps(self, kind: str) -> dict[str, bot_state.StoredStep]:
        as_of = utcnow()
        with self._session() as session:
            steps = bot_state.load_steps(session, kind=kind)
        for key, step in steps.items():
            self._known[(kind, key)] = Known(step.state, as_of, step.updated_at)
        return steps

    def _store_step(self, kind: str, key: str, state: object | None) -> None:
        now = utcnow()
        with self._session() as session:
            if state is None:
                known = self._known.get((kind, key))
                seen = known.version if known is not None else None
                bot_state.end_conversation(session, kind=kind, key=key, seen=seen)
            else:
                bot_state.store_step(session, kind=kind, key=key, state=state, now=now)
            session.commit()
        self._known[(kind, key)] = Known(state, utcnow(), now if state is not None else None)

    async def _ids(self, kind: str) -> dict[int, Data]:
        rows = await asyncio.to_thread(self._load_kind, kind)
        return {int(key): dict(value or {}) for key, value in rows.items()}

    # ---------------------------------------------------------------- reading

    async def get_user_data(self) -> dict[int, Data]:
        return await self._ids("user")

    async def get_chat_data(self) -> dict[int, Data]:
        return await self._ids("chat")

    async def get_bot_data(self) -> Data:
        data = await asyncio.to_thread(self._load_kind, "bot")
        return dict(data.get("", None) or {})

    async def get_callback_data(self) -> CDCData | None:
        return None  # arbitrary callback data is not used

    async def get_conversations(self, name: str) -> ConversationDict:
        steps = await asyncio.to_thread(self._load_steps, conversation_kind(name))
        return {key_tuple(key): step.state for key, step in steps.items()}

    # ---------------------------------------------------------------- writing

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await asyncio.to_thread(self._store_step, conversation_kind(name), key_text(key), new_state)

    async def update_user_data(self, user_id: int, data: Data) -> None:
        await asyncio.to_thread(self._store, "user", str(user_id), deepcopy(data))

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        await asyncio.to_thread(self._store, "chat", str(chat_id), deepcopy(data))

    async def update_bot_data(self, data: Data) -> None:
        await asyncio.to_thread(self._store, "bot", "", deepcopy(data))

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        await asyncio.to_thread(self._store, "chat", str(chat_id), None)

    async def drop_user_data(self, user_id: int) -> None:
        await asyncio.to_thread(self._store, "user", str(user_id), None)

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        return None

    async def refresh_bot_data(self, bot_data: Data) -> None:
        return None

    async def flush(self) -> None:
        return None  # every update is written when it is handed over


@dataclass(frozen=True)
class _Seeded:
    """A conversation step put in place for one update, to see afterwards whether it moved."""

    handler: ConversationHandler[Any]
    key: ConversationKey
    state: object | None


def _timeout(handler: ConversationHandler[Any]) -> timedelta | None:
    timeout = handler.conversation_timeout
    if timeout is None:
        return None
    return timeout if isinstance(timeout, timedelta) else timedelta(seconds=timeout)


def conversation_key(handler: ConversationHandler[Any], update: Update) -> ConversationKey | None:
    """The key `handler` files this update's conversation under (as PTB builds it), or None when
    the handler would not look at the update at all."""
    if update.channel_post or update.edited_channel_post or handler.per_message:
        return None
    chat, user = update.effective_chat, update.effective_user
    key: list[int | str] = []
    if handler.per_chat:
        if chat is None or (update.callback_query and not update.callback_query.message):
            return None
        key.append(chat.id)
    if handler.per_user:
        if user is None:
            return None
        key.append(user.id)
    return tuple(key)


# whose snapshot: the sender, the chat, and the (conversation kind, key) steps wanted
SnapshotAsked = tuple[int | None, int | None, list[tuple[str, str]]]


class WorkerPersistence(DatabasePersistence):
    """The persistence of one worker among several on one database (see the module docstring).
    Register `handlers()` on the application."""

    def __init__(
        self, engine: Engine, *, secret: str, update_interval: float = UPDATE_INTERVAL
    ) -> None:
        super().__init__(engine, store_data=PER_UPDATE_CACHES, update_interval=update_interval)
        self._secret = secret
        self._conversation_handlers: list[ConversationHandler[Any]] | None = None
        self._seeded: dict[int, list[_Seeded]] = {}  # update_id -> steps put in place for it
        self._snapshot: Batched[SnapshotAsked, bot_state.Snapshot] = Batched(self._snapshots)

    def handlers(self) -> dict[int, Sequence[BaseHandler[Any, Any, Any]]]:
        return {
            PRE_GROUP: [TypeHandler(Update, self.before_update)],
            POST_GROUP: [TypeHandler(Update, self.after_update)],
        }

    # ---------------------------------------------------------------- caches, not stored

    async def get_user_data(self) -> dict[int, Data]:
        return {}

    async def get_chat_data(self) -> dict[int, Data]:
        return {}

    async def update_user_data(self, user_id: int, data: Data) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    # ---------------------------------------------------------------- around every update

    def conversations(self, application: AnyApplication) -> list[ConversationHandler[Any]]:
        """The application's persistent conversations (found once: handlers are fixed)."""
        if self._conversation_handlers is None:
            self._conversation_handlers = [
                handler
                for group in application.handlers.values()
                for handler in group
                if isinstance(handler, ConversationHandler) and handler.persistent and handler.name
            ]
        return self._conversation_handlers

    def _snapshots(self, asked: list[SnapshotAsked]) -> list[bot_state.Snapshot]:
        """The snapshots of the updates starting at one moment, read in one session."""
        with self._session() as session:
            return [
                bot_state.load_snapshot(
                    session,
                    user_hash=keyed_hash(self._secret, user_id) if user_id is not None else None,
                    chat_id=chat_id,
                    conversations=steps,
                )
                for user_id, chat_id, steps in asked
            ]

    async def before_update(self, update: Update, context: AnyContext) -> None:
        """Load what the database says about this update's sender and chat (one statement)."""
        user, chat = update.effective_user, update.effective_chat
        if user is None and chat is None:
            return
        # one chat's updates come here one after another, in order (bot/ordering.py)
        keyed = [
            (handler, key)
            for handler in self.conversations(context.application)
            if (key := conversation_key(handler, update)) is not None
        ]
        wanted = [(conversation_kind(str(h.name)), key_text(k)) for h, k in keyed]
        started = utcnow()
        snapshot = await self._snapshot(
            (user.id if user else None, chat.id if chat else None, wanted)
        )
        if user is not None and context.user_data is not None:
            context.user_data[LANGUAGE_KEY] = snapshot.language
        if chat is not None and context.chat_data is not None:
            context.chat_data[AUTO_KEY] = snapshot.auto_check
        seeded = [
            self._seed(handler, key, stored, snapshot.steps.get(stored), started)
            for (handler, key), stored in zip(keyed, wanted, strict=True)
        ]
        if seeded:
            if len(self._seeded) >= SEEDED_LIMIT:
                self._seeded.clear()
            self._seeded[update.update_id] = seeded

    def _seed(
        self,
        handler: ConversationHandler[Any],
        key: ConversationKey,
        stored: tuple[str, str],
        step: bot_state.StoredStep | None,
        started: datetime,
    ) -> _Seeded:
        """Put the stored step (or its absence) into the handler's own table, untracked (PTB
        must not write back what it just read) — unless this worker holds a newer step: one not
        written yet, or written after the snapshot was taken."""
        table = handler._conversations  # a TrackingDict once the application is initialised
        current = table.get(key)
        known = self._known.get(stored)
        if isinstance(current, PendingState) or (
            known is not None and (current != known.state or known.as_of > started)
        ):
            return _Seeded(handler, key, current)
        timeout = _timeout(handler)
        if (
            step is None
            or step.state == ConversationHandler.END
            or (timeout is not None and utcnow() - step.updated_at >= timeout)  # abandoned
        ):
            if isinstance(table, TrackingDict):
                table.data.pop(key, None)
            else:
                table.pop(key, None)
            self._known[stored] = Known(None, started, step.updated_at if step else None)
            return _Seeded(handler, key, None)
        if isinstance(table, TrackingDict):
            table.update_no_track({key: step.state})
        else:
            table[key] = step.state
        self._known[stored] = Known(step.state, started, step.updated_at)
        return _Seeded(handler, key, step.state)

    async def after_update(self, update: Update, context: AnyContext) -> None:
        """Write a conversation's new step now; drop the per-update caches."""
        application = context.application
        seeded = self._seeded.pop(update.update_id, [])
        if any(s.handler._conversations.get(s.key) != s.state for s in seeded):
            await application.update_persistence()
        if update.effective_user is not None:
            application.drop_user_data(update.effective_user.id)
        if update.effective_chat is not None:
            application.drop_chat_data(update.effective_chat.id)
