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

LANGUAGES = ("en", "ru", "kk")
DEFAULT_LANGUAGE = "ru"
DOMAIN = "messages"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, where the language is known."""
    return message


@dataclass(frozen=True)
class Translator:
    """One interface language of one gettext domain: "messages" (the public bot) or
    "moderation" (handlers/moderation/i18n.py), whose strings are marked `m_`/`mn_` instead."""

    lang: str
    catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)

    m_ = gettext
    mn_ = ngettext


@cache
def translator(lang: str, domain: str = DOMAIN) -> Translator:
    """The translator for a supported language (others get the default language's)."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    return Translator(lang, Translations.load(str(LOCALES_DIR), [lang], domain))


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
