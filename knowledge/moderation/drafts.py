"""A debunk being written in Telegram (/add), and each moderator's desk: the unfinished draft and
the task a conversation is in the middle of (which debunk is being edited, which file imported).

The desk is written at every step, so an abandoned or interrupted conversation keeps its draft.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, Session, SQLModel

from knowledge.db.transactions import Transactions
from knowledge.debunks.cards import ClaimText, DebunkCard, SourceRef
from knowledge.debunks.tables import utcnow


@dataclass
class DraftDebunk:
    """What /add has collected so far; `pack_entry` turns it into a `debunk-pack/1` entry."""

    claim: str = ""
    lang: str = ""  # language of the claim wording, confirmed by the moderator
    verdict: str = ""
    titles: dict[str, str] = field(default_factory=dict)
    disproofs: dict[str, str] = field(default_factory=dict)
    sources: list[dict[str, str]] = field(default_factory=list)  # url, title
    wordings: list[dict[str, str]] = field(default_factory=list)  # lang, text (besides claim)
    slug: str = ""
    submission_ids: list[int] = field(default_factory=list)  # queue items it answers
    editing: str = ""  # the language whose title/disproof is being written
    stage: str = ""  # the step the conversation reached (to continue an abandoned draft)
    pending_url: str = ""  # a source address waiting for its title
    pictures: list[dict[str, Any]] = field(default_factory=list)  # photos sent: pack pictures

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DraftDebunk:
        if not data:
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def languages(self) -> list[str]:
        """Languages with both a title and a disproof."""
        return [lang for lang in self.titles if self.disproofs.get(lang)]

    def claims(self) -> list[dict[str, str]]:
        first = [{"lang": self.lang, "text": self.claim}] if self.claim else []
        return first + [w for w in self.wordings if w.get("text")]

    def pack_entry(self, *, status: str) -> dict[str, Any]:
        """The draft as a pack entry (validated by the caller with the pack's own rules)."""
        entry: dict[str, Any] = {
            "slug": self.slug,
            "verdict": self.verdict,
            "title": {k: v for k, v in self.titles.items() if k in self.languages},
            "disproof": {k: v for k, v in self.disproofs.items() if k in self.languages},
            "claims": self.claims(),
            "sources": [
                {"url": s["url"], "title": s.get("title", ""), "publisher": ""}
                for s in self.sources
            ],
            "status": status,
        }
        if self.pictures:
            entry["pictures"] = list(self.pictures)
        return entry

    def card(self) -> DebunkCard:
        """The draft as the public card would show it (for the preview)."""
        return DebunkCard(
            slug=self.slug,
            verdict=self.verdict or "false",
            status="draft",
            titles=dict(self.titles),
            disproofs=dict(self.disproofs),
            sources=tuple(SourceRef(s["url"], s.get("title", "")) for s in self.sources),
            claims=tuple(ClaimText(c["lang"], c["text"]) for c in self.claims()),
        )


class ModeratorDesk(SQLModel, table=True):
    """Per moderator: the unfinished /add draft and the current conversation's task."""

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    draft: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    task: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)


def _desk(session: Session, user_id: int) -> ModeratorDesk:
    return session.get(ModeratorDesk, user_id) or ModeratorDesk(user_id=user_id)


def load_draft(session: Session, *, user_id: int) -> DraftDebunk | None:
    desk = session.get(ModeratorDesk, user_id)
    return DraftDebunk.from_json(desk.draft) if desk is not None and desk.draft else None


def save_draft(session: Session, *, user_id: int, draft: DraftDebunk | None) -> None:
    """Store (or with None, discard) the moderator's unfinished draft."""
    desk = _desk(session, user_id)
    desk.draft = draft.to_json() if draft is not None else None
    desk.updated_at = utcnow()
    session.add(desk)


def load_task(session: Session, *, user_id: int) -> dict[str, Any]:
    desk = session.get(ModeratorDesk, user_id)
    return dict(desk.task) if desk is not None and desk.task else {}


def save_task(session: Session, *, user_id: int, task: dict[str, Any] | None) -> None:
    desk = _desk(session, user_id)
    desk.task = dict(task) if task else None
    desk.updated_at = utcnow()
    session.add(desk)


class Desks:
    """Each moderator's desk, one transaction per call."""

    def __init__(self, tx: Transactions) -> None:
        self.tx = tx

    def draft(self, user_id: int) -> DraftDebunk | None:
        return self.tx.read(lambda s: load_draft(s, user_id=user_id))

    def save_draft(self, user_id: int, draft: DraftDebunk | None) -> None:
        self.tx.write(lambda s: save_draft(s, user_id=user_id, draft=draft))

    def task(self, user_id: int) -> dict[str, Any]:
        return self.tx.read(lambda s: load_task(s, user_id=user_id))

    def save_task(self, user_id: int, task: dict[str, Any] | None) -> None:
        self.tx.write(lambda s: save_task(s, user_id=user_id, task=task))
