"""Glossary terms moderators add (`/term`): groups of ru/kk/en equivalents stored beside the
debunks, joining the shipped glossary (knowledge/matching/glossary.json) in every worker's matcher.

A group is written as moderators type it: ``ru: прививка, вакцина; kk: екпе; en: vaccine`` (one
language per part, its words separated by commas; parts by semicolons or new lines).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, Session, SQLModel, col, func, select

from knowledge.debunks.tables import utcnow
from knowledge.matching.lexical import stems

LANGUAGES = ("ru", "kk", "en")
MAX_WORDS = 8  # per language: a group names one thing, not a topic
MAX_WORD_LENGTH = 40
MAX_GROUPS = 2000
_PART_SPLIT = re.compile(r"[;\n]+")
_WORD = re.compile(r"^[^\W_](?:[\w'’-]*[^\W_])?$")


class TermError(ValueError):
    """A group that cannot be stored as written: `code` names the reason (language, twice,
    empty, too-many, not-a-word, common, format, single, full) and `details` what it is about;
    the moderators' views (handlers.moderation.terms_views) say it in their language."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


class TermGroup(SQLModel, table=True):
    """One group of equivalent words, by language, and who added it."""

    id: int | None = Field(default=None, primary_key=True)
    words: dict[str, list[str]] = Field(sa_column=Column(JSON, nullable=False))
    added_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    added_at: datetime = Field(default_factory=utcnow)


def parse_group(text: str) -> dict[str, list[str]]:
    """The group written in ``text`` (``ru: a, b; kk: c; en: d``), checked; TermError says what
    is wrong with it in one line."""
    group: dict[str, list[str]] = {}
    for part in _PART_SPLIT.split(text.strip()):
        if not part.strip():
            continue
        lang, colon, listed = part.partition(":")
        lang = lang.strip().lower()
        if not colon or lang not in LANGUAGES:
            raise TermError("language", part=part.strip()[:MAX_WORD_LENGTH])
        if lang in group:
            raise TermError("twice", lang=lang)
        words = [w.strip() for w in listed.split(",") if w.strip()]
        if not words:
            raise TermError("empty", lang=lang)
        if len(words) > MAX_WORDS:
            raise TermError("too-many", lang=lang, n=len(words), most=MAX_WORDS)
        for word in words:
            if len(word) > MAX_WORD_LENGTH or not _WORD.match(word):
                raise TermError("not-a-word", word=word[:MAX_WORD_LENGTH])
            if not stems(word, kazakh=lang == "kk"):
                raise TermError("common", word=word)
        group[lang] = list(dict.fromkeys(words))
    if not group:
        raise TermError("format")
    if sum(len(words) for words in group.values()) < 2:
        raise TermError("single")
    return group


def written(words: dict[str, list[str]], separator: str = "; ") -> str:
    """A group as moderators write it (``ru: a, b; kk: c; en: d``), its languages in order."""
    return separator.join(
        f"{lang}: {', '.join(words[lang])}" for lang in LANGUAGES if lang in words
    )


def term_groups(session: Session) -> Sequence[TermGroup]:
    """Every stored group, oldest first (the order the glossary reads them in)."""
    return session.exec(select(TermGroup).order_by(col(TermGroup.id))).all()


def add_term_group(session: Session, *, words: dict[str, list[str]], added_by: int) -> TermGroup:
    """Store a group (checked by parse_group); the caller commits."""
    count = session.exec(select(func.count()).select_from(TermGroup)).one()
    if count >= MAX_GROUPS:
        raise TermError("full", n=count)
    row = TermGroup(words=words, added_by=added_by)
    session.add(row)
    session.flush()
    return row


def remove_term_group(session: Session, *, group_id: int) -> TermGroup | None:
    """Delete a stored group; the row as it was, or None when there is no such group."""
    row = session.get(TermGroup, group_id)
    if row is not None:
        session.delete(row)
        session.flush()
    return row
