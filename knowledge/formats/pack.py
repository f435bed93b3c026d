"""The `debunk-pack/1` exchange format: validation that reports every problem at once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationError,
    model_validator,
)

from knowledge.debunks.cards import ClaimText, DebunkCard, PictureRef, SourceRef

PACK_FORMAT = "debunk-pack/1"
SLUG_RE = re.compile(r"^[a-z0-9-]{3,80}$")
LANG_RE = re.compile(r"^[a-z]{2}$")

Verdict = Literal["false", "misleading", "unproven", "missing-context"]
Status = Literal["published", "draft", "retired"]


def check_http_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError("not an http(s) URL")
    if "…" in value or "..." in parts.netloc:  # `https://…`, as examples write an elided link
        raise ValueError("a placeholder, not a real URL")
    return value


HttpUrlText = Annotated[str, AfterValidator(check_http_url)]


def check_lang(value: str) -> str:
    if not LANG_RE.match(value):
        raise ValueError(f"{value!r} is not an ISO 639-1 language code")
    return value


def _check_claim_text(value: str) -> str:
    if not value.strip():
        raise ValueError("empty claim text")
    return value.strip()


def _check_slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError("must be 3-80 characters of a-z, 0-9 and -")
    return value


def _clean_tags(value: list[str]) -> list[str]:
    return [tag.strip() for tag in value if tag.strip()]


def check_languages(value: Mapping[str, str]) -> dict[str, str]:
    cleaned = {}
    for lang, text in value.items():
        check_lang(lang)
        if not text.strip():
            raise ValueError(f"the {lang} text is empty")
        cleaned[lang] = text.strip()
    if not cleaned:
        raise ValueError("needs at least one language")
    return cleaned


def check_citation_url(value: str) -> str:
    """An http(s) URL, or "" for a source cited without a link (no URL known to be right)."""
    return check_http_url(value) if value.strip() else ""


class PackSource(BaseModel):
    """A source of the disproof: a link, or a citation (publisher, title, date) without one."""

    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, AfterValidator(check_citation_url)] = ""
    title: str = ""
    publisher: str = ""
    published: date | None = None

    @model_validator(mode="after")
    def _cited(self) -> PackSource:
        if not (self.url or self.title.strip() or self.publisher.strip()):
            raise ValueError("a source needs a url, or a title or publisher to cite")
        return self


class PackClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lang: Annotated[str, AfterValidator(check_lang)]
    text: Annotated[str, AfterValidator(_check_claim_text)]


HASH_RE = re.compile(r"^[0-9a-f]{64}$")
PictureKind = Literal["pdq", "phash"]


def check_picture_hash(value: str) -> str:
    value = value.strip().lower()
    if not HASH_RE.match(value):
        raise ValueError("not a 256-bit hash in hex (64 digits)")
    return value


PictureHashText = Annotated[str, AfterValidator(check_picture_hash)]


class PackPicture(BaseModel):
    """A picture the claim travels with, by its perceptual hash (never the picture itself)."""

    model_config = ConfigDict(extra="forbid")

    kind: PictureKind = "pdq"
    hash: PictureHashText
    crops: list[PictureHashText] = []  # hashes of a few centre crops: cropped copies match too
    name: str = ""
    url: HttpUrlText | None = None


def _needs_one_claim(claims: list[PackClaim]) -> list[PackClaim]:
    if not claims:
        raise ValueError("needs at least one claim wording")
    return claims


class PackDebunk(BaseModel):
    """One entry of a pack, exactly as the file states it."""

    model_config = ConfigDict(extra="forbid")

    slug: Annotated[str, AfterValidator(_check_slug)]
    verdict: Verdict
    title: Annotated[dict[str, str], AfterValidator(check_languages)]
    disproof: Annotated[dict[str, str], AfterValidator(check_languages)]
    claims: Annotated[list[PackClaim], AfterValidator(_needs_one_claim)]
    sources: list[PackSource] = []
    appearances: list[HttpUrlText] = []
    pictures: list[PackPicture] = []
    tags: Annotated[list[str], AfterValidator(_clean_tags)] = []
    published: date | None = None
    status: Status = "published"

    def canonical(self) -> dict[str, Any]:
        """The entry as a pack dict, lists in a stable order: equal dicts mean equal debunks
        (the same dict `pack_entry` makes of the stored debunk)."""
        return pack_entry(self.card())

    def card(self) -> DebunkCard:
        """The entry as the debunk it describes."""
        return DebunkCard(
            slug=self.slug,
            verdict=self.verdict,
            status=self.status,
            titles=self.title,
            disproofs=self.disproof,
            sources=tuple(
                SourceRef(s.url, s.title, s.publisher, s.published) for s in self.sources
            ),
            claims=tuple(ClaimText(c.lang, c.text) for c in self.claims),
            appearances=tuple(self.appearances),
            pictures=tuple(
                PictureRef(p.kind, p.hash, tuple(p.crops), p.name, p.url or "")
                for p in self.pictures
            ),
            tags=tuple(self.tags),
            published=self.published,
        )


def picture_entry(picture: PackPicture | PictureRef) -> dict[str, Any]:
    """A picture as a pack entry lists it (the URL only when there is one)."""
    entry: dict[str, Any] = {"kind": picture.kind, "hash": picture.hash}
    if picture.crops:
        entry["crops"] = list(picture.crops)
    if picture.name:
        entry["name"] = picture.name
    if picture.url:
        entry["url"] = picture.url
    return entry


@dataclass
class ParsedPack:
    """The valid entries of a file and every problem found in it."""

    debunks: list[PackDebunk] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # slugs or indexes of invalid entries


def _where(prefix: str, loc: Iterable[int | str]) -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _message(error: Mapping[str, Any]) -> str:
    msg = str(error["msg"])
    for noise in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(noise)
    if error["type"] == "missing":
        return "required"
    if error["type"] == "extra_forbidden":
        return "unknown field"
    return msg


def _unstorable_text(raw: Any) -> list[tuple[str, str]]:
    """(where, why) for every string in the entry no database can store: a NUL character
    (PostgreSQL refuses it) or a lone surrogate (not UTF-8). Walked without recursion: a file
    may nest as deep as the JSON parser allows."""
    found: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [("", raw)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, inner in value.items():
                stack.append((f"{where}.{key}", inner))
                stack.append((f"{where}.{key} (the field's name)", str(key)))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", inner) for i, inner in enumerate(value))
        elif isinstance(value, str):
            if "\x00" in value:
                found.append((where, "contains a NUL character (\\u0000), which cannot be stored"))
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                found.append((where, "contains text that is not valid Unicode"))
    return sorted(found)


def validate_entries(entries: list[Any]) -> ParsedPack:
    """Validate pack entries one by one, collecting `debunks[3].sources[0].url: ...` problems."""
    parsed = ParsedPack()
    seen: dict[str, int] = {}
    for index, raw in enumerate(entries):
        label = f"debunks[{index}]"
        if isinstance(raw, dict) and isinstance(raw.get("slug"), str):
            label = f"debunks[{index}] ({raw['slug']})"
        if unstorable := _unstorable_text(raw):
            parsed.problems += [f"{label}{where}: {why}" for where, why in unstorable]
            parsed.rejected.append(label)
            continue
        try:
            entry = PackDebunk.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                where = _where(f"debunks[{index}]", error["loc"])
                if label != f"debunks[{index}]":
                    where = where.replace(f"debunks[{index}]", label, 1)
                parsed.problems.append(f"{where}: {_message(error)}")
            parsed.rejected.append(label)
            continue
        if entry.slug in seen:
            parsed.problems.append(
                f"{label}.slug: duplicate of debunks[{seen[entry.slug]}] in the same file"
            )
            parsed.rejected.append(label)
            continue
        seen[entry.slug] = index
        parsed.debunks.append(entry)
    return parsed


def parse_pack(data: Any) -> ParsedPack:
    """Check a decoded `debunk-pack/1` document."""
    if not isinstance(data, dict):
        return ParsedPack(problems=["the file is not a debunk pack (expected a JSON object)"])
    if data.get("format") != PACK_FORMAT:
        found = data.get("format")
        return ParsedPack(problems=[f"format: expected {PACK_FORMAT!r}, found {found!r}"])
    entries = data.get("debunks")
    if not isinstance(entries, list):
        return ParsedPack(problems=["debunks: expected a list of debunks"])
    return validate_entries(entries)


def source_entry(source: SourceRef) -> dict[str, Any]:
    """A source as a pack writes it (its date only when it has one)."""
    entry: dict[str, Any] = {
        "url": source.url,
        "title": source.title,
        "publisher": source.publisher,
    }
    if source.published is not None:
        entry["published"] = source.published.isoformat()
    return entry


def pack_entry(card: DebunkCard) -> dict[str, Any]:
    """A stored debunk as a `debunk-pack/1` entry, languages in a stable order: what export
    writes, what an import compares against, and what the audit log keeps before and after."""
    entry: dict[str, Any] = {
        "slug": card.slug,
        "verdict": card.verdict,
        "title": dict(sorted(card.titles.items())),
        "disproof": dict(sorted(card.disproofs.items())),
        "claims": [{"lang": c.lang, "text": c.text} for c in card.claims],
        "sources": [source_entry(s) for s in card.sources],
        "appearances": list(card.appearances),
        "tags": list(card.tags),
        "published": card.published.isoformat() if card.published else None,
        "status": card.status,
    }
    if card.pictures:
        entry["pictures"] = [picture_entry(p) for p in card.pictures]
    return entry


def build_pack(entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {"format": PACK_FORMAT, "debunks": list(entries)}
