"""The moderators' interface language: a gettext domain of its own, "moderation", next to the
public bot's "messages" in handlers/locales/<lang>/LC_MESSAGES/.

Strings are marked `m_("...")` (`mn_` for plurals, `MN_` where defined before a language is
known) rather than `_`, so the public catalog's extraction never picks them up. To update:

    pybabel extract -F handlers/locales/moderation.cfg -k m_ -k mn_:1,2 -k MN_ \
        --no-default-keywords \
        --no-location --sort-output -w 100 -o handlers/locales/moderation.pot .
    pybabel update -D moderation -i handlers/locales/moderation.pot -d handlers/locales -w 100
    pybabel compile -D moderation -d handlers/locales
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cache

from babel.support import Translations

from handlers.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALES_DIR

DOMAIN = "moderation"


def MN_(message: str) -> str:
    """Marks a string for extraction; it is translated later, where the language is known."""
    return message


@dataclass(frozen=True)
class ModerationTranslator:
    """One language of the moderation catalog."""

    lang: str
    catalog: gettext.NullTranslations

    def m_(self, message: str) -> str:
        return self.catalog.gettext(message)

    def mn_(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)


@cache
def moderation_translator(lang: str) -> ModerationTranslator:
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    return ModerationTranslator(lang, Translations.load(str(LOCALES_DIR), [lang], DOMAIN))
