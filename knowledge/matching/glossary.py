"""A ru/kk/en glossary of the domain's terms that bridges languages in the lexical channels.

``glossary.json`` (beside this module) lists groups of equivalent words: "НАТО" / "NATO",
"биолаборатория" / "биозертхана" / "biolab", ...  A message's word also searches the base for its
equivalents, so a Kazakh or English message shares words with a debunk stored only in Russian.
Words are stemmed as messages are, so any form of a word may be written; moderators may add groups.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from knowledge.matching.lexical import stems

__all__ = ["GLOSSARY_PATH", "Glossary", "default_glossary"]

GLOSSARY_PATH = Path(__file__).with_name("glossary.json")


class Glossary:
    """Stemmed term -> the stemmed terms of its equivalents in the other languages."""

    def __init__(self, groups: Iterable[Mapping[str, Iterable[str]]]) -> None:
        self._equivalents: dict[str, set[str]] = {}
        for group in groups:
            members: set[str] = set()
            for lang, words in group.items():
                for word in words:
                    members |= stems(word, kazakh=lang == "kk")
            for term in members:
                self._equivalents.setdefault(term, set()).update(members - {term})

    @classmethod
    def from_file(cls, path: Path) -> Glossary:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data.get("terms", ()))

    def __len__(self) -> int:
        return len(self._equivalents)

    def equivalents(self, term: str) -> frozenset[str]:
        """The stemmed terms equivalent to ``term`` (none when it is not in the glossary)."""
        return frozenset(self._equivalents.get(term, ()))

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
