"""A ru/kk/en glossary of the domain's terms that bridges languages in the lexical channels.

``glossary.json`` (beside this module) lists groups of equivalent words: "НАТО" / "NATO",
"биолаборатория" / "биозертхана" / "biolab", ...  A message's word also searches the base for its
equivalents, so a Kazakh or English message shares words with a debunk stored only in Russian.
Words are stemmed as messages are, so any form of a word may be written; moderators add groups
with `/term` (knowledge.debunks.terms), which every worker's matcher joins to these
(:meth:`Glossary.extended`).
The glossary also renders a message word for word into another language (:meth:`Glossary.render`)
for the sentence encoder, which reads the domain's terms better in the base's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from knowledge.matching.lexical import is_kazakh, stems

__all__ = ["GLOSSARY_PATH", "Glossary", "default_glossary"]

GLOSSARY_PATH = Path(__file__).with_name("glossary.json")
_WORD = re.compile(r"[^\W_]+")


class Glossary:
    """Stemmed term -> the stemmed terms of its equivalents in the other languages."""

    def __init__(
        self, groups: Iterable[Mapping[str, Iterable[str]]], places: Iterable[str] = ()
    ) -> None:
        self._equivalents: dict[str, set[str]] = {}
        # stemmed term -> language -> how its group is written there (the group's first word)
        self._written: dict[str, dict[str, str]] = {}
        # terms of groups that name what a claim is about (written with a capital: НАТО,
        # Pentagon), places apart (Алматы: where a claim is set, and much else happens)
        self._names: set[str] = set()
        self._groups = tuple(groups)
        self._places = tuple(places)
        place_words = set(self._places)
        for group in self._groups:
            members: set[str] = set()
            written: dict[str, str] = {}
            for lang, words in group.items():
                for word in words:
                    members |= stems(word, kazakh=lang == "kk")
                    written.setdefault(lang, word)
            words_of_group = {word for words in group.values() for word in words}
            if any(w[:1].isupper() for w in words_of_group) and not words_of_group & place_words:
                self._names |= members
            for term in members:
                self._equivalents.setdefault(term, set()).update(members - {term})
                self._written.setdefault(term, written)  # a term in two groups: the first

    @classmethod
    def from_file(cls, path: Path) -> Glossary:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data.get("terms", ()), data.get("places", ()))

    def extended(self, groups: Iterable[Mapping[str, Iterable[str]]]) -> Glossary:
        """This glossary with more groups (the moderators', `/term`); a word in one of these and in
        one of its own joins both, and is rendered as its own group writes it."""
        return Glossary([*self._groups, *groups], self._places)

    def __len__(self) -> int:
        return len(self._equivalents)

    def __contains__(self, term: object) -> bool:
        """Whether a stemmed term is one of the glossary's."""
        return term in self._written

    def is_name(self, term: str) -> bool:
        """Whether a stemmed term names what a claim is about (an alliance, a country, an agency,
        a person), which a message repeating the claim names too, in some language."""
        return term in self._names

    def equivalents(self, term: str) -> frozenset[str]:
        """The stemmed terms equivalent to ``term`` (none when it is not in the glossary)."""
        return frozenset(self._equivalents.get(term, ()))

    def render(self, text: str, language: str) -> str:
        """``text`` with each of its glossary terms written as its group's word in ``language``
        ("Алматыда НАТО орталығын ашты" -> "Алматыда НАТО центр ашты" for ru).

        A word-for-word rendering, not a translation: e5-small places a Kazakh sentence far from
        its Russian or English meaning, and this one moves it closer through the words that carry
        the domain's claims (see bench/README.md, "How the matcher works")."""
        kazakh = is_kazakh(text)

        def written(m: re.Match[str]) -> str:
            for term in stems(m.group(0), kazakh=kazakh):
                word = self._written.get(term, {}).get(language)
                if word is not None:
                    return word
            return m.group(0)

        return _WORD.sub(written, text)

    def expand(self, terms: Iterable[str]) -> list[str]:
        """``terms`` followed by the equivalents they do not already hold."""
        out = list(terms)
        present = set(out)
        for term in list(present):
            for other in sorted(self._equivalents.get(term, ())):
                if other not in present:
                    present.add(other)
                    out.append(other)
        return out


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The glossary shipped with Tekser."""
    return Glossary.from_file(GLOSSARY_PATH)
