"""Interface languages: the gettext catalogs in handlers/locales and how a reader's language is
chosen.

Strings are marked `_("...")` in render functions (and `N_("...")` where they are defined before a
language is known) and extracted with pybabel; see handlers/locales/README.md.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.support import Translations

from knowledge.matching.lexical import is_kazakh

LANGUAGES = ("en", "ru", "kk")
DEFAULT_LANGUAGE = "ru"
DOMAIN = "messages"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, where the language is known."""
    return message


@dataclass(frozen=True)
class Translator:
    """One interface language: its code and its gettext catalog."""

    lang: str
    catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)


@cache
def translator(lang: str) -> Translator:
    """The translator for a supported language (others get the default language's)."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    catalog = Translations.load(str(LOCALES_DIR), [lang], DOMAIN)
    return Translator(lang, catalog)


def telegram_language(code: str | None) -> str | None:
    """Our language for a Telegram `language_code` such as "ru", "en-US" or "kk" (or None)."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def choose_language(stored: str | None, telegram_code: str | None) -> str:
    """The reader's choice (/language), else Telegram's language, else Russian."""
    if stored in LANGUAGES:
        return stored
    return telegram_language(telegram_code) or DEFAULT_LANGUAGE


def text_language(text: str) -> str | None:
    """The interface language that suits a text by its script: Kazakh, Russian or English."""
    cyrillic = sum("а" <= c.lower() <= "я" or c.lower() in "ёәғқңөұүһі" for c in text)
    latin = sum("a" <= c.lower() <= "z" for c in text)
    if not cyrillic and not latin:
        return None
    if cyrillic >= latin:
        return "kk" if is_kazakh(text.casefold()) else "ru"
    return "en"
