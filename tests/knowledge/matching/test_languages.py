"""The language of a text (knowledge/matching/languages.py): the interface language an automatic
answer is written in, and the language a claim's wording is filed under."""

from __future__ import annotations

import pytest

from knowledge.matching.languages import claim_language, text_language

TEXTS = [  # text, its interface language, the language its wording is filed under
    ("В Казахстане запретят русский язык", "ru", "ru"),
    ("Вышки 5G распространяют коронавирус", "ru", "ru"),
    ("Қазақстанда орыс тіліне тыйым салынады", "kk", "kk"),
    ("Kazakhstan will ban Russian", "en", "en"),
    ("Pentagon runs secret labs in Kazakhstan", "en", "en"),
    ("Amerikanskie biolaboratorii v Kazakhstane rasprostranyayut bolezni", "en", "ru"),
    ("🔥🔥 !!!", None, "ru"),
    ("2024 !!!", None, "ru"),
]


@pytest.mark.parametrize(("text", "interface", "wording"), TEXTS)
def test_the_language_of_a_text(text: str, interface: str | None, wording: str) -> None:
    assert text_language(text) == interface
    assert claim_language(text) == wording
