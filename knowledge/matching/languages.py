"""Which of Tekser's languages (ru, kk, en) a text is written in, told from its letters: Kazakh by
its own letters and words, English from Latin letters unless they spell Russian or Kazakh."""

from __future__ import annotations

import re

from knowledge.matching.lexical import is_kazakh
from knowledge.matching.normalise import latin_script_language

_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")


def text_language(text: str) -> str | None:
    """kk, ru or en by the letters most of the text is written in; None without letters."""
    cyrillic = len(_CYRILLIC_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    if not cyrillic and not latin:
        return None
    if cyrillic >= latin:
        return "kk" if is_kazakh(text.casefold()) else "ru"
    return "en"


def claim_language(text: str) -> str:
    """The language a claim's wording is filed under: as `text_language` says, except that
    Russian or Kazakh typed in Latin letters is filed as ru, as is a text without letters."""
    lang = text_language(text)
    if lang == "en" and latin_script_language(text) == "translit":
        return "ru"
    return lang or "ru"
