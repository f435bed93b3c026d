"""Changing one debunk: version-checked, validated by the pack's own rules, and audited.

Every function takes a session and keyword arguments and leaves committing to the caller; a
refused change raises `EditError` (or `StaleEdit`) before anything is committed. An edit made
against an older version than the stored one is refused with who changed it meanwhile.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlmodel import Session, col, select

from knowledge.debunks import storage
from knowledge.debunks.tables import (
    STATUSES,
    VERDICTS,
    Appearance,
    ClaimPhrasing,
    Debunk,
    Source,
    utcnow,
)
from knowledge.formats.pack import SLUG_RE, PackDebunk, check_http_url, pack_entry
from knowledge.images.tables import DebunkPicture
from knowledge.matching.languages import claim_language
from knowledge.moderation import audit
from knowledge.moderation.audit import Actor
from knowledge.moderation.drafts import DraftDebunk

LANGUAGE_CHOICES = ("ru", "kk", "en")
TITLE_MAX = 300
DISPROOF_MAX = 2500
WORDING_MAX = 1000
SOURCE_TITLE_MAX = 200
TAGS_MAX = 10
EDITABLE_TEXTS = ("title", "disproof")


class EditError(Exception):
    """A change that cannot be made; `code` names the reason for the moderator's message."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


class StaleEdit(EditError):
    """The debunk changed since the moderator looked at it."""

    def __init__(self, *, slug: str, expected: int, current: int, by: str, at: datetime | None):
        super().__init__("stale", slug=slug, expected=expected, current=current, by=by, at=at)
        self.slug, self.expected, self.current, self.by, self.at = slug, expected, current, by, at


@dataclass(frozen=True)
class Change:
    """What a change did: the debunk's slug, new version and status, and what differed."""

    slug: str
    version: int
    status: str
    action: str
    changed: tuple[str, ...] = ()  # top-level fields that differ: verdict, disproof, ...

    @property
    def corrects_card(self) -> bool:
        """A published card whose verdict or disproof changed: readers may want the correction."""
        return self.status == "published" and bool({"verdict", "disproof"} & set(self.changed))


# ---------------------------------------------------------------- pure helpers

_TRANSLIT = str.maketrans(
    {
        "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
        "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i", "і": "i", "к": "k", "қ": "q",
        "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h",
        "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
        "ю": "yu", "я": "ya",
    }
)  # fmt: skip
SLUG_WORDS = 8
SLUG_LENGTH = 60


def slugify(text: str) -> str:
    """A slug from a title: transliterated, lowercase, a few words joined by dashes."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_TRANSLIT))
    ascii_only = folded.encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_only)[:SLUG_WORDS]
    slug = "-".join(words)[:SLUG_LENGTH].strip("-")
    return slug if len(slug) >= 3 else f"debunk-{date.today():%Y%m%d}"


def unique_slug(session: Session, *, base: str) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever is not taken yet."""
    taken = set(session.exec(select(Debunk.slug).where(col(Debunk.slug).startswith(base))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def check_text(text: str, *, limit: int) -> str:
    """A title, disproof or wording as stored: stripped, not empty, not longer than `limit`."""
    cleaned = text.strip()
    if not cleaned:
        raise EditError("empty")
    if len(cleaned) > limit:
        raise EditError("too-long", length=len(cleaned), limit=limit)
    return cleaned


def check_url(url: str) -> str:
    try:
        return check_http_url(url)
    except ValueError:
        raise EditError("bad-url", url=url) from None


def check_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise EditError("bad-slug", slug=slug)
    return slug


def parse_tags(text: str) -> list[str]:
    tags = list(dict.fromkeys(t.strip().lower() for t in re.split(r"[,\n]", text) if t.strip()))
    if len(tags) > TAGS_MAX:
        raise EditError("too-many-tags", limit=TAGS_MAX)
    return tags


# ---------------------------------------------------------------- reading


def snapshot(session: Session, *, slug: str) -> dict[str, Any] | None:
    """A debunk as a pack entry (what the audit log keeps before and after a change)."""
    card = storage.debunk_card(session, slug=slug)
    return pack_entry(card) if card is not None else None


def require(session: Session, *, slug: str) -> Debunk:
    debunk = storage.get_debunk(session, slug=slug.strip().lower())
    if debunk is None or debunk.id is None:
        raise EditError("not-found", slug=slug)
    return debunk


def _validate(entry: dict[str, Any]) -> None:
    """Refuse a state the pack format would reject, so every debunk can be exported and read."""
    try:
        PackDebunk.model_validate(entry)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise EditError("invalid", where=where, reason=str(first["msg"])) from None


def stale_error(session: Session, *, debunk: Debunk, expected: int) -> StaleEdit:
    last = audit.last_change(session, slug=debunk.slug)
    return StaleEdit(
        slug=debunk.slug,
        expected=expected,
        current=debunk.version,
        by=(last.actor_name or str(last.actor_id)) if last is not None else "",
        at=last.at if last is not None else None,
    )


def _bump(session: Session, debunk: Debunk, expected: int | None) -> int:
    """Raise the version from `expected` (the current one when None), or refuse a stale edit.
    The conditional UPDATE makes two concurrent edits of one version impossible."""
    base = debunk.version if expected is None else expected
    result = session.execute(
        update(Debunk)
        .where(col(Debunk.id) == debunk.id, col(Debunk.version) == base)
        .values(version=base + 1, updated_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(debunk)
        raise stale_error(session, debunk=debunk, expected=base)
    session.refresh(debunk)
    return base + 1


def _edit(
    session: Session,
    slug: str,
    actor: Actor,
    expected_version: int | None,
    action: str,
    mutate: Callable[[Debunk], None],
) -> Change:
    """The common frame of every edit: check the version, change, validate, audit."""
    debunk = require(session, slug=slug)
    before = snapshot(session, slug=debunk.slug)
    assert before is not None
    version = _bump(session, debunk, expected_version)
    mutate(debunk)
    session.add(debunk)
    session.flush()
    after = snapshot(session, slug=debunk.slug)
    assert after is not None
    if after == before:
        raise EditError("no-change", slug=debunk.slug)
    _validate(after)
    audit.record(
        session, actor=actor, action=action, slug=debunk.slug, version=version,
        before=before, after=after,
    )  # fmt: skip
    changed = tuple(k for k in after if after.get(k) != before.get(k))
    return Change(debunk.slug, version, debunk.status, action, changed)


# ---------------------------------------------------------------- changes


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def _refuse_duplicate(
    session: Session,
    debunk: Debunk,
    column: Any,
    value: str,
    *,
    key: Callable[[str], str] = str,
) -> None:
    """Refuse a wording, source, appearance or picture (`column` of its table) that the debunk
    already holds."""
    held = session.exec(select(column).where(column.class_.debunk_id == debunk.id))
    if key(value) in {key(v) for v in held}:
        raise EditError("duplicate", slug=debunk.slug)


def add_wording(
    session: Session,
    *,
    slug: str,
    text: str,
    actor: Actor,
    lang: str | None = None,
    expected_version: int | None = None,
) -> Change:
    """A new wording of the claim (language detected unless given); duplicates are refused."""
    text = check_text(text, limit=WORDING_MAX)
    lang = lang or claim_language(text)

    def mutate(debunk: Debunk) -> None:
        _refuse_duplicate(session, debunk, ClaimPhrasing.text, text, key=_folded)
        session.add(ClaimPhrasing(debunk_id=debunk.id or 0, lang=lang, text=text))

    return _edit(session, slug, actor, expected_version, "add-wording", mutate)


def add_source(
    session: Session,
    *,
    slug: str,
    url: str,
    actor: Actor,
    title: str = "",
    expected_version: int | None = None,
) -> Change:
    url = check_url(url)
    title = check_text(title, limit=SOURCE_TITLE_MAX) if title.strip() else ""

    def mutate(debunk: Debunk) -> None:
        _refuse_duplicate(session, debunk, Source.url, url)
        session.add(Source(debunk_id=debunk.id or 0, url=url, title=title))

    return _edit(session, slug, actor, expected_version, "add-source", mutate)


def add_appearance(
    session: Session, *, slug: str, url: str, actor: Actor, expected_version: int | None = None
) -> Change:
    """A URL where the claim circulated: a message linking it will match the debunk."""
    url = check_url(url)

    def mutate(debunk: Debunk) -> None:
        _refuse_duplicate(session, debunk, Appearance.url, url)
        session.add(Appearance(debunk_id=debunk.id or 0, url=url))

    return _edit(session, slug, actor, expected_version, "add-appearance", mutate)


def add_picture(
    session: Session,
    *,
    slug: str,
    kind: str,
    hashes: list[str],
    name: str,
    actor: Actor,
    file_unique_id: str | None = None,
    expected_version: int | None = None,
) -> Change:
    """A picture the claim travels with, by its perceptual hashes (the whole picture first, then
    its centre crops: knowledge.images.hashing.stored_hashes): copies of it match the debunk."""

    def mutate(debunk: Debunk) -> None:
        _refuse_duplicate(session, debunk, DebunkPicture.hash, hashes[0])
        session.add(
            DebunkPicture(
                debunk_id=debunk.id or 0, kind=kind, hash=hashes[0], crops=hashes[1:],
                name=name[:200], file_unique_id=file_unique_id,
            )
        )  # fmt: skip

    return _edit(session, slug, actor, expected_version, "add-picture", mutate)


def set_status(
    session: Session,
    *,
    slug: str,
    status: str,
    actor: Actor,
    expected_version: int | None = None,
) -> Change:
    """Publish, retire or return to draft; publishing dates a debunk that had no date."""
    if status not in STATUSES:
        raise EditError("bad-status", status=status)
    debunk = require(session, slug=slug)
    if debunk.status == status:
        raise EditError("already", slug=debunk.slug, status=status)

    def mutate(debunk: Debunk) -> None:
        debunk.status = status
        if status == "published" and debunk.published is None:
            debunk.published = date.today()

    action = {"published": "publish", "retired": "retire", "draft": "unpublish"}[status]
    return _edit(session, slug, actor, expected_version, action, mutate)


def set_verdict(
    session: Session, *, slug: str, verdict: str, actor: Actor, expected_version: int | None
) -> Change:
    if verdict not in VERDICTS:
        raise EditError("bad-verdict", verdict=verdict)

    def mutate(debunk: Debunk) -> None:
        debunk.verdict = verdict

    return _edit(session, slug, actor, expected_version, "edit-verdict", mutate)


def set_text(
    session: Session,
    *,
    slug: str,
    field: str,
    lang: str,
    text: str,
    actor: Actor,
    expected_version: int | None,
) -> Change:
    """Replace the title or disproof in one language (adding the language if it is new)."""
    if field not in EDITABLE_TEXTS:
        raise EditError("bad-field", field=field)
    if lang not in LANGUAGE_CHOICES:
        raise EditError("bad-language", lang=lang)
    text = check_text(text, limit=TITLE_MAX if field == "title" else DISPROOF_MAX)

    def mutate(debunk: Debunk) -> None:
        if field == "title":
            debunk.titles = {**debunk.titles, lang: text}
        else:
            debunk.disproofs = {**debunk.disproofs, lang: text}

    return _edit(session, slug, actor, expected_version, f"edit-{field}", mutate)


def set_tags(
    session: Session, *, slug: str, tags: list[str], actor: Actor, expected_version: int | None
) -> Change:
    def mutate(debunk: Debunk) -> None:
        debunk.tags = list(tags)

    return _edit(session, slug, actor, expected_version, "edit-tags", mutate)


def remove_child(
    session: Session,
    *,
    slug: str,
    kind: str,
    child_id: int,
    actor: Actor,
    expected_version: int | None,
) -> Change:
    """Remove one wording ("wording") or source ("source") by its id."""

    def mutate(debunk: Debunk) -> None:
        row: ClaimPhrasing | Source | None = (
            session.get(ClaimPhrasing, child_id)
            if kind == "wording"
            else session.get(Source, child_id)
        )
        if row is None or row.debunk_id != debunk.id:
            raise EditError("not-found", slug=debunk.slug)
        session.delete(row)

    return _edit(session, slug, actor, expected_version, f"remove-{kind}", mutate)


def create_debunk(session: Session, *, draft: DraftDebunk, status: str, actor: Actor) -> Change:
    """A new debunk from a finished draft (published or saved as a draft)."""
    slug = check_slug(draft.slug or slugify(next(iter(draft.titles.values()), draft.claim)))
    if storage.get_debunk(session, slug=slug) is not None:
        raise EditError("slug-taken", slug=slug)
    entry = {**draft.pack_entry(status=status), "slug": slug}
    if status == "published":
        entry["published"] = date.today().isoformat()
    _validate(entry)
    storage.apply_import(session, entries=[PackDebunk.model_validate(entry)])
    after = snapshot(session, slug=slug)
    audit.record(session, actor=actor, action="create", slug=slug, version=1, after=after)
    return Change(slug, 1, status, "create", tuple(after or ()))
