"""Stance: does a message repeat the claim it matched, or deny it?

"В Алматы НЕ открывали центр НАТО" matches the debunked claim "В Алматы открылся центр НАТО" as
closely as the claim itself, yet it agrees with the fact-check: telling its author "false" does
harm.  The detector is rule-based and reads the message's sentence aligned with the matched claim
(with a short neighbour, where "Фейк." or "— это ложь" often stands): a denial is a negation or a
refuting word ("фейк", "неправда", "жоқ", "емес", "did not", "debunked", …) that the claim itself
does not carry.  A message whose negations the claim carries too repeats it; one that drops a
negation of the claim is "unclear".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from knowledge.matching.lexical import word_terms
from knowledge.matching.normalise import fold, split_sentences, word_set

__all__ = ["Stance", "claim_readings", "denial_cues", "stance", "without_denial"]

Stance = Literal["repeats", "refutes", "unclear"]

# Negations: the claim may carry them too (they are counted on both sides).
_NEGATION_WORDS = frozenset(
    fold(w)
    for w in word_set(
        # ru
        "не ни нет никакого никакой никакие никаких никаким никто ничего нигде никогда"
        " никого ничем нельзя непричастна непричастен непричастны"
        # kk
        " жоқ емес ешкім ешқандай ешбір ешқашан еш"
        # en
        " not no never nobody nothing none neither nor cannot without zero"
    )
)
# Kazakh verbs are negated inside the word: аш-па-ды, жеткіз-бей-ді, ұйымдастыр-ма-ған (matched
# on the folded word: і→и, ғ→г, ң→н).
_KK_VERB_NEGATION = re.compile(
    r"\w{2,}(?:ма|ме|ба|бе|па|пе)(?:ды|ди|йды|йди|ган|ген|йтын|йтин|ймыз|йсыз|ныз|низ)$"
)
# Refuting words: what one writes to deny a claim, seldom inside the claim itself.
_REFUTING_WORDS = frozenset(
    fold(w)
    for w in word_set(
        # ru
        "фейк фейком фейки неправда ложь ложью враньё вранье вброс вбросом миф мифом"
        " опроверг опровергли опровергло опровергает опровергают опровержение дезинформация"
        " слухи выдумка выдумки беспочвенно беспочвенны необоснованно необоснованы"
        # kk
        " жалған өтірік фейк расталмады жоққа негізсіз"
        # en
        " fake false untrue hoax myth lie lies debunked denied denies deny refuted unfounded"
        " groundless"
        " disinformation misinformation baseless bogus nonsense reality"
    )
)
# Negations that do not deny anything ("совпадение? не думаю", "not only"): dropped before
# counting.
_IDIOMS = re.compile(
    "|".join(
        (
            r"\bне (?:думаю|знаю|секрет|только|зря|случайно|удивлюсь|сомневаюсь)\b",
            r"\bк бабке не ходи\b",
            r"\bничего нового\b",
            r"\bнет сомнени[йя]\b",
            r"\bникто (?:не )?(?:говорит|пишет|расскажет|скажет|знает)\b",
            r"\bno (?:doubt|wonder)\b",
            r"\bnot only\b",
            # "Никто так не заинтересован в этом, как США", "No country is more interested than
            # the US": a comparative that asserts, not a negation
            r"\bникто так не\b",
            r"\bни(?:кто|одна страна|одно государство) (?:не )?(?:больше|сильнее)\b",
            r"\b(?:no one|nobody|no country|none) (?:is|are|was|were) more\b",
            r"\bnobody (?:talks|tells|says|knows|reports)\b",
        )
    )
)
# "Claim: …", "Утверждение: …": the fact-checkers' label of a claim they go on to refute.
_CLAIM_LABELS = "claim|утверждение|мәлімдеме"
_CLAIM_LABEL = re.compile(rf"^\W*(?:{_CLAIM_LABELS})\s*:")
_CONTRACTED_NOT = re.compile(r"\w+n['’]t\b")
_WORD = re.compile(r"[^\W_]+(?:['’]t)?")
NEIGHBOUR_WORDS = 8  # a sentence this short beside the aligned one is read with it


@lru_cache(maxsize=4096)  # the stored wordings, and one message's sentences for each match
def _cues(text: str) -> tuple[int, int]:
    """(negations, refuting words) in ``text``."""
    folded = _IDIOMS.sub(" ", fold(text))
    words = _WORD.findall(folded)
    negated = [w in _NEGATION_WORDS or bool(_KK_VERB_NEGATION.match(w)) for w in words]
    negations = len(_CONTRACTED_NOT.findall(folded)) + sum(negated)
    refuting = 1 if _CLAIM_LABEL.match(folded) else 0
    for i, word in enumerate(words):
        if word not in _REFUTING_WORDS:
            continue
        # "не фейк", "not fake", "жалған емес": a denied denial asserts the claim
        if (i and negated[i - 1]) or (i + 1 < len(words) and words[i + 1] == "емес"):
            negations -= 1
        else:
            refuting += 1
    return negations, refuting


def denial_cues(text: str) -> int:
    """How many negations and refuting words ``text`` carries."""
    return sum(_cues(text))


def _aligned_cues(message: str, claim: str) -> tuple[int, int]:
    """Cues of the message's sentence closest to the claim; a short sentence beside it ("Фейк.",
    "Это ложь.") adds its refuting words (not its negations: "Я не люблю холод" denies nothing)."""
    sentences = _sentences(message)
    if len(sentences) == 1:
        return _cues(message)
    claim_terms, folded_claim = _read(claim)
    scores = []
    for sentence in sentences:
        terms, folded = _read(sentence)
        scores.append((len(claim_terms & terms), fuzz.token_sort_ratio(folded, folded_claim)))
    at = max(range(len(sentences)), key=scores.__getitem__)
    negations, refuting = _cues(sentences[at])
    for near in (at - 1, at + 1):
        if 0 <= near < len(sentences) and len(sentences[near].split()) <= NEIGHBOUR_WORDS:
            refuting += _cues(sentences[near])[1]
    return negations, refuting


@lru_cache(maxsize=64)  # split once per message, not once for each of its matches
def _sentences(message: str) -> tuple[str, ...]:
    return tuple(split_sentences(message) or [message])


@lru_cache(maxsize=4096)  # stored wordings, and a message's sentences for each of its matches
def _read(text: str) -> tuple[frozenset[str], str]:
    """The word terms and the folded form of `text`."""
    return frozenset(word_terms(text)), fold(text)


def stance(message: str, claim: str) -> Stance:
    """Whether ``message`` repeats ``claim`` (the wording it matched) or refutes it."""
    negations, refuting = _aligned_cues(message, claim)
    claim_negations, claim_refuting = _cues(claim)
    if negations + refuting > claim_negations + claim_refuting:
        return "refutes"
    if negations + refuting < claim_negations + claim_refuting:
        return "unclear"
    return "repeats"


_DENIAL_WORDS = _NEGATION_WORDS | _REFUTING_WORDS
# A longer passage (a post's paragraph) keeps its words: its negations are seldom the claim's.
DENIAL_VIEW_WORDS = 30


@lru_cache(maxsize=256)
def without_denial(text: str) -> str:
    """``text`` without its negations and refuting words: the claim it speaks of, whether it
    repeats or denies it ("Фейк: в Алматы не открывали центр НАТО" → "в Алматы открывали центр
    НАТО").  A denial is matched by this (it shares the claim's words and meaning), its stance
    read on the text as written.  Unchanged when it has no such word or too little else."""
    if len(text.split()) > DENIAL_VIEW_WORDS:
        return text
    folded = fold(text)
    if _DENIAL_WORDS.isdisjoint(_WORD.findall(folded)) and not _CONTRACTED_NOT.search(folded):
        return text  # most messages: one pass over the folded text
    kept: list[str] = []
    dropped = False
    at = 0
    for found in _WORD.finditer(text):
        word = fold(found.group())
        if word in _DENIAL_WORDS:
            kept.append(text[at : found.start()])
            dropped = True
        elif _CONTRACTED_NOT.fullmatch(word):  # doesn't → does
            kept.append(text[at : found.end() - 3])
            dropped = True
        else:
            kept.append(text[at : found.end()])
        at = found.end()
    if not dropped:
        return text
    kept.append(text[at:])
    view = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s{2,}", " ", "".join(kept)))
    view = view.strip().lstrip(",.;:!?—–- ")
    return view if len(_WORD.findall(view)) >= 2 else text


# How a denial frames the claim it denies: the claim quoted («…» — ложь), reported ("X деген
# ақпарат жалған", "Неправда, что X", "no evidence that X", "Rumours that X are false"), labelled
# ("Claim: X. Reality: …") or followed by its verdict after a dash ("X — это ложь, …").
_QUOTED = re.compile(r"[«“\"„]([^«»“”\"„]+)[»”\"“]")
_REPORTED_KK = re.compile(r"\s(?:деген|деу|дегені|дейді|дегенге)\b", re.IGNORECASE)
_REPORTED_AFTER = re.compile(r"(?:^|[\s,:—–-])(?:что|будто|якобы|that)\s+", re.IGNORECASE)
# "Слухи, что …", "Rumours that … are false": what is reported, whatever denies it after.
REPORTING_WINDOW = 3  # words before "что" / "that" that may deny or report it
_REPORTING_WORDS = frozenset(
    fold(w)
    for w in word_set(
        "слухи версия информация сообщения утверждение утверждения заявление заявления мнение"
        " rumour rumours rumor rumors claim claims report reports story idea notion allegation"
        " allegations evidence proof доказательств доказательства подтверждений"
    )
)
_LABELLED = re.compile(
    rf"\b(?:{_CLAIM_LABELS}|миф|myth|фейк|fake)\s*:\s*([^.!?\n]+)", re.IGNORECASE
)
_VERDICT_AFTER_DASH = re.compile(
    r"^(.+?)\s+[—–-]+\s+(?:это\s+|бұл\s+|this\s+is\s+|is\s+)?(?:a\s+)?"
    r"(?:ложь|фейк|неправда|вран[ьеё]+|миф|выдумка|өтірік|жалған|false|lie|fake|myth|hoax)\b",
    re.IGNORECASE,
)
CLAIM_WORDS = 3  # a framed part shorter than this is not a claim ("Фейк: нет"), nor a quote of
# this length (a name: «Пояс и путь»)


@lru_cache(maxsize=256)
def claim_readings(text: str) -> tuple[str, ...]:
    """Readings of the claim a denial speaks of, each different from ``text``: the text without
    its negations and refuting words (:func:`without_denial`), and the part the denial frames as
    the claim ("«Беспорядки устроил Госдеп» — это ложь, протесты начались из-за цен на газ" →
    "Беспорядки устроил Госдеп"; "Неправда, что русских избивают" → "русских избивают"),
    itself without its denial words.  Empty for a text with no negation or refuting word:
    a message that denies nothing frames no claim."""
    if not denial_cues(text) or len(text.split()) > DENIAL_VIEW_WORDS:
        return ()
    framed = [q for q in _QUOTED.findall(text) if len(_WORD.findall(q)) > CLAIM_WORDS]
    if (quotative := _REPORTED_KK.search(text)) is not None:  # "X деген ақпарат жалған"
        framed.append(text[: quotative.start()])
    if (reported := _reported(text)) is not None:
        framed.append(reported)
    framed += _LABELLED.findall(text)
    if (dash := _VERDICT_AFTER_DASH.search(text)) is not None:
        framed.append(dash.group(1))
    readings = [without_denial(text)]
    for part in framed:
        part = part.strip(' ,.;:!?—–-«»"“”„')
        if len(_WORD.findall(part)) >= CLAIM_WORDS:
            readings.append(without_denial(part))
    return tuple(r for r in dict.fromkeys(readings) if r != text)


def _reported(text: str) -> str | None:
    """The clause a denial reports ("Неправда, что X", "no evidence that X", "Rumours that X are
    false"): after a "что" / "that" right after a denial word or a reporting noun ("that" alone
    is as often a pronoun: "No clue who is inside that costume")."""
    for found in _REPORTED_AFTER.finditer(text):
        before = split_sentences(text[: found.start()])
        sentence = before[-1] if before else ""
        words = _WORD.findall(fold(sentence))[-REPORTING_WINDOW:]
        if denial_cues(" ".join(words)) or (words and words[-1] in _REPORTING_WORDS):
            clause = split_sentences(text[found.end() :])
            return clause[0] if clause else None
    return None
