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

from handlers.i18n import Translator, translator

DOMAIN = "moderation"
ModerationTranslator = Translator  # a translator of the moderation domain


def MN_(message: str) -> str:
    """Marks a string for extraction; it is translated later, where the language is known."""
    return message


def moderation_translator(lang: str) -> Translator:
    return translator(lang, DOMAIN)
