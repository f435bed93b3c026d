"""What a debunk looks like to the code that shows it: plain frozen records, no database rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

FALLBACK_LANGUAGES = ("ru", "en")


@dataclass(frozen=True)
class ClaimText:
    """One wording of a false claim, in a language."""

    lang: str
    text: str


@dataclass(frozen=True)
class SourceRef:
    """A source of the disproof; `url` is "" for a citation without a known-right link."""

    url: str
    title: str = ""
    publisher: str = ""
    published: date | None = None


@dataclass(frozen=True)
class PictureRef:
    """A picture the claim travels with, by its perceptual hashes (knowledge.images.hashing)."""

    kind: str  # pdq | phash
    hash: str  # the whole picture
    crops: tuple[str, ...] = ()  # a few centre crops of it
    name: str = ""
    url: str = ""


@dataclass(frozen=True)
class DebunkCard:
    """Everything the public card of a debunk needs."""

    slug: str
    verdict: str
    status: str
    titles: Mapping[str, str]
    disproofs: Mapping[str, str]
    sources: tuple[SourceRef, ...] = ()
    claims: tuple[ClaimText, ...] = ()
    appearances: tuple[str, ...] = ()
    pictures: tuple[PictureRef, ...] = ()
    tags: tuple[str, ...] = ()
    published: date | None = None
    version: int = 1
    updated: datetime | None = None  # the last change (the public page and feeds show it)
    created: datetime | None = None  # when it entered the base

    def title(self, lang: str) -> str:
        return pick_language(self.titles, lang)

    def disproof(self, lang: str) -> str:
        return pick_language(self.disproofs, lang)


def pick_language(texts: Mapping[str, str], lang: str) -> str:
    """The text in `lang`, else Russian, else English, else any."""
    for candidate in (lang, *FALLBACK_LANGUAGES):
        if texts.get(candidate):
            return texts[candidate]
    return next(iter(texts.values()), "")
