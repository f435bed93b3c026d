"""The `debunk-pack/1` exchange format: validation that reports every problem at once."""

from __future__ import annotations

import json
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
    field_validator,
)

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
    return value


HttpUrlText = Annotated[str, AfterValidator(check_http_url)]


def check_languages(value: Mapping[str, str]) -> dict[str, str]:
    cleaned = {}
    for lang, text in value.items():
        if not LANG_RE.match(lang):
            raise ValueError(f"{lang!r} is not an ISO 639-1 language code")
        if not text.strip():
            raise ValueError(f"the {lang} text is empty")
        cleaned[lang] = text.strip()
    if not cleaned:
        raise ValueError("needs at least one language")
    return cleaned


class PackSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrlText
    title: str = ""
    publisher: str = ""


class PackClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lang: str
    text: str

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        if not LANG_RE.match(value):
            raise ValueError(f"{value!r} is not an ISO 639-1 language code")
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty claim text")
        return value.strip()


def _needs_one_claim(claims: list[PackClaim]) -> list[PackClaim]:
    if not claims:
        raise ValueError("needs at least one claim wording")
    return claims


class PackDebunk(BaseModel):
    """One entry of a pack, exactly as the file states it."""

    model_config = ConfigDict(extra="forbid")

    slug: str
    verdict: Verdict
    title: Annotated[dict[str, str], AfterValidator(check_languages)]
    disproof: Annotated[dict[str, str], AfterValidator(check_languages)]
    claims: Annotated[list[PackClaim], AfterValidator(_needs_one_claim)]
    sources: list[PackSource] = []
    appearances: list[HttpUrlText] = []
    tags: list[str] = []
    published: date | None = None
    status: Status = "published"

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError("must be 3-80 characters of a-z, 0-9 and -")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return [tag.strip() for tag in value if tag.strip()]

    def canonical(self) -> dict[str, Any]:
        """The entry as a pack dict, lists in a stable order: equal dicts mean equal debunks."""
        return {
            "slug": self.slug,
            "verdict": self.verdict,
            "title": dict(sorted(self.title.items())),
            "disproof": dict(sorted(self.disproof.items())),
            "claims": [c.model_dump() for c in self.claims],
            "sources": [s.model_dump() for s in self.sources],
            "appearances": list(self.appearances),
            "tags": list(self.tags),
            "published": self.published.isoformat() if self.published else None,
            "status": self.status,
        }


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


def _is_valid_unicode(raw: Any) -> bool:
    """False when a string in the entry holds lone surrogates (they cannot be stored)."""
    try:
        json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError):
        return False
    return True


def validate_entries(entries: list[Any]) -> ParsedPack:
    """Validate pack entries one by one, collecting `debunks[3].sources[0].url: ...` problems."""
    parsed = ParsedPack()
    seen: dict[str, int] = {}
    for index, raw in enumerate(entries):
        label = f"debunks[{index}]"
        if isinstance(raw, dict) and isinstance(raw.get("slug"), str):
            label = f"debunks[{index}] ({raw['slug']})"
        if not _is_valid_unicode(raw):
            parsed.problems.append(f"{label}: contains text that is not valid Unicode")
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


def build_pack(entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {"format": PACK_FORMAT, "debunks": list(entries)}
