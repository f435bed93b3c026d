"""Splitting long messages (articles, long posts) into passages matched one by one."""

from __future__ import annotations

from knowledge.matching.normalise import split_sentences

__all__ = ["LONG_TEXT_WORDS", "split_passages"]

LONG_TEXT_WORDS = 80  # a message up to this many words is matched as one passage
PASSAGE_WORDS = 40  # target size of a passage of a long text
MAX_PASSAGES = 48  # a very long text is cut after this many passages


def split_passages(text: str) -> list[str]:
    """Passages of clean text: the text itself when short, else sentence groups of ~40 words.

    Consecutive sentences are grouped up to ``PASSAGE_WORDS`` words; a longer sentence is cut into
    overlapping word windows.  Each passage is matched on its own, so a long post can answer with
    several debunks, each with the passage that triggered it.
    """
    words = text.split()
    if not words:
        return []
    if len(words) <= LONG_TEXT_WORDS:
        return [text]
    passages: list[str] = []
    group: list[str] = []
    group_words = 0
    for sentence in split_sentences(text):
        n = len(sentence.split())
        if n > PASSAGE_WORDS:
            if group:
                passages.append(" ".join(group))
                group, group_words = [], 0
            passages.extend(_windows(sentence.split()))
            continue
        if group and group_words + n > PASSAGE_WORDS:
            passages.append(" ".join(group))
            group, group_words = [], 0
        group.append(sentence)
        group_words += n
    if group:
        passages.append(" ".join(group))
    return passages[:MAX_PASSAGES]


def _windows(words: list[str]) -> list[str]:
    step = PASSAGE_WORDS // 2
    return [
        " ".join(words[start : start + PASSAGE_WORDS])
        for start in range(0, max(len(words) - step, 1), step)
    ]
