"""The claim matcher: finds the debunks that answer a message.

Pure: it is fed :class:`DebunkEntry` objects and returns ranked :class:`Match` objects with their
evidence; no Telegram, no database session.  Evidence channels
(:mod:`knowledge.matching.channels`) over every claim wording and title — BM25 over stemmed
words, the same over their ru/kk/en glossary equivalents, BM25 over character trigrams (typos,
inflection, Kazakh/Russian spelling), and, when an
:class:`~knowledge.matching.embedding.Embedder` is given, cosine similarity of multilingual
sentence embeddings — are fused per query;
:mod:`knowledge.matching.decision` turns each candidate's features into ``match`` /
``possible`` / ``none``; :mod:`knowledge.matching.stance` tells whether the message repeats
each shown claim or refutes it (a short passage with negations or refuting words is also matched
without them, so that a denial finds the claim it denies).  URLs recorded as appearances of a
debunk match it directly.  Long texts are split into passages, each matched on its own; only the
lexically strongest passages are embedded; a post written in paragraphs is also read sentence by
sentence.  In a large base the semantic channel finds its nearest
wordings in an HNSW graph (usearch) rather than by scanning every vector.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, utils

from knowledge.debunks.cards import ClaimText
from knowledge.matching.channels import (
    BaseSample,
    EvidenceChannel,
    Groups,
    LexicalChannel,
    PassageQuery,
    SemanticChannel,
    TextRows,
    runner_up,
)
from knowledge.matching.decision import (
    LEXICAL_CALIBRATION,
    RANKING_THRESHOLDS,
    SEMANTIC_CALIBRATION,
    SEMANTIC_RANKING,
    Calibration,
    Thresholds,
    decide,
    fitted_thresholds,
    names_its_claim,
)
from knowledge.matching.embedding import (
    Embedder,
    Progress,
    VectorCache,
    embed_passages_cached,
    query_windows,
    stored_vectors,
)
from knowledge.matching.glossary import Glossary, default_glossary
from knowledge.matching.language_offsets import LanguageOffsets, fitted_offsets
from knowledge.matching.languages import text_language
from knowledge.matching.lexical import SparseIndex, char_ngrams, top_rows, word_terms
from knowledge.matching.normalise import (
    extract_urls,
    fold,
    normalise,
    normalise_url,
    split_sentences,
)
from knowledge.matching.passages import split_passages
from knowledge.matching.stance import Stance, claim_readings, stance

_DECISION_RANK = {"none": 0, "possible": 1, "match": 2}

__all__ = [
    "ClaimText",
    "DebunkEntry",
    "IndexState",
    "Match",
    "MatchResult",
    "Matcher",
    "Thresholds",
]

# Retrieval fusion (see bench/README.md).
CANDIDATES_PER_CHANNEL = 30
WORD_SHARE = 0.6  # share of the word channel in the lexical score (the rest: character trigrams)
MAX_MATCHED_PASSAGES = 6  # of a long text, only the lexically strongest passages are matched
SEMANTIC_PASSAGES = 2  # ... and only the strongest of those are embedded (the rest: lexical only)
SAME_CLAIM_SIMILARITY = 70  # rapidfuzz token_set_ratio from which two wordings say the same
# Passage cosine from which two stored wordings restate one claim (a base holding it twice: "US
# plans to use nuclear weapon in Europe" / "The US are planning to use nuclear weapons in
# Europe", 0.989).  Read off pairs of the EUvsDisinfo titles: from 0.985 they restate each other;
# below, different claims appear ("Ukraine is a part of Russia" / "… of the Russian world",
# 0.982; "Ukraine is about to use chemical weapons in Donbas" / "… used …", 0.975).
RESTATEMENT_COSINE = 0.985
RECHECKED_SENTENCES = 3  # sentences of a short post looked at when two debunks compete
READ_SENTENCES = 6  # sentences of a post of over RENDERED_WORDS words (one passage) read alone
# The standing's share of the rank (fused + NEAR_TIE × standing): fused scores this close say
# nothing about which debunk is meant, the calibrated features do.
NEAR_TIE = 0.02
# A passage of up to this many words is also embedded as the glossary renders it into the base's
# other languages (a claim is a sentence; a post's filler, rendered, reaches other debunks).
RENDERED_WORDS = 30
# A piece of a passage too long for the query vector counts this share of its cosine: a tweet's
# aside alone must not outrank the claim the whole tweet makes (Matcher._readings; measured in
# bench/README.md, "Realistic bases").
WINDOW_WEIGHT = 0.97
FEATURED_CANDIDATES = 10  # candidates per passage that get features and a confidence
# From this many wordings the semantic channel finds its nearest rows in an HNSW graph (usearch,
# in the semantic extra) instead of scanning every vector; cosines are then computed exactly for
# the rows of the candidates.  Below it a scan costs a few ms at most.
GRAPH_MIN_ROWS = 50_000
GRAPH_EXPANSION = 128  # HNSW search breadth (usearch expansion_search)
# A passage whose lexical evidence alone is this confident (and unrivalled) is answered without
# embedding it: a cascade, the costly channel only where the cheap one is unsure.
LEXICAL_GATE = 0.99
# Semantic fusion: a debunk's cosine plus LEXICAL_WEIGHT * strength ** LEXICAL_POWER, where the
# strength is its BM25 over the passage's BM25 against itself (absolute: one shared frequent word
# adds next to nothing, a wording saying all the message says adds the whole weight).  Scaling each
# channel to the passage's best candidate instead gave a same-language debunk sharing one word the
# whole lexical share, and it beat the right debunk in another language.
LEXICAL_WEIGHT = 0.5
LEXICAL_POWER = 2.0
# A passage of fewer distinct content terms states no claim ("НАТО", "MH17", "январские
# события"): its candidates are ranked but never offered.
MIN_CLAIM_TERMS = 3
# Rows a passage's cosines are standardised against (sem_z): a larger base is sampled evenly.
BASE_SAMPLE = 8192


@dataclass(frozen=True)
class DebunkEntry:
    """What the matcher is fed: one published debunk."""

    slug: str
    verdict: str  # debunk verdict: false | misleading | unproven | missing-context
    titles: Mapping[str, str]  # lang -> title (the false claim, short)
    claims: tuple[ClaimText, ...]
    appearances: tuple[str, ...] = ()  # URLs where the claim circulated


@dataclass(frozen=True)
class Match:
    slug: str
    score: float  # 0..1, higher = closer (calibrated confidence)
    decision: str  # "match" | "possible" | "none" for this candidate
    matched: str  # the claim wording / title that matched best
    passage: str  # the part of the message that triggered it
    evidence: Mapping[str, float] = field(default_factory=dict)
    # what the message does with the claim: repeats it, refutes it (agrees with the debunk), or
    # unclear; a refuting message is never told it is false
    stance: Stance = "repeats"
    # the slug of a more confident candidate that states the same claim (a base holding it
    # twice): shown once, a reader is not asked to choose between two wordings of one claim
    restates: str | None = None


@dataclass(frozen=True)
class MatchResult:
    query: str
    verdict: str  # "match" | "possible" | "none": the reply decision for the best candidate
    matches: tuple[Match, ...]  # up to `top` best candidates, ranked, even below thresholds


@dataclass(frozen=True)
class _Prepared:
    wordings: list[tuple[str, str]]  # (as written, normalised)
    documents: list[bool]  # which of them are title + claims documents (see Matcher._documents)
    vectors: np.ndarray | None
    words: list[list[str]]
    grams: list[list[str]]
    pending: int = 0  # wordings without a stored vector (left unembedded: vectors is None)


@dataclass(frozen=True)
class IndexState:
    """A freshly built index as plain data: what :mod:`knowledge.matching.index_store` keeps on
    disk, so that a start on an unchanged base reads it instead of analysing every wording."""

    slugs: list[str]  # the entries it was built from, in order
    row_text: list[str]  # as written
    row_clean: list[str]  # normalised (what the vectors are made of)
    row_folded: list[str]
    row_slot: np.ndarray
    row_document: np.ndarray
    words: tuple[dict[str, np.ndarray], dict[str, float], list[str]]  # SparseIndex.state()
    grams: tuple[dict[str, np.ndarray], dict[str, float], list[str]]


@dataclass(frozen=True)
class _Lexical:
    """A passage's lexical retrieval: its terms and both channels' scores over every row, as of
    index ``version`` (reusable while the index has not changed)."""

    version: int
    terms: list[str]
    word_scores: np.ndarray
    gram_scores: np.ndarray
    bridge_scores: np.ndarray | None  # over the glossary's equivalents of its words (if any)
    word_self: float  # the passage's BM25 against itself: a row saying all it says
    gram_self: float


@dataclass
class _Candidate:
    slot: int
    row: int
    features: dict[str, float]
    confidence: float = 0.0  # that this debunk answers the passage, if ranked first (decision)
    standing: float = 0.0  # how it stands against the passage's other debunks (ranking)
    standing_rival: float = 0.0  # the best standing of another debunk for the same passage
    restates: int | None = None  # slot of a more confident debunk of the passage, same claim


def _languages_of(entry: DebunkEntry) -> set[str]:
    """The languages a debunk is written in (its titles' and its claims')."""
    return {*entry.titles, *(claim.lang for claim in entry.claims)}


class Matcher:
    """In-memory hybrid index of debunks with live updates."""

    def __init__(
        self,
        *,
        thresholds: Thresholds | None = None,
        embedder: Embedder | None = None,
        vectors: VectorCache | None = None,
        lexical_gate: float | None = LEXICAL_GATE,
        glossary: Glossary | None = None,
        language_offsets: LanguageOffsets | Literal["fitted"] | None = "fitted",
    ) -> None:
        self.thresholds = thresholds or fitted_thresholds(embedder is not None)
        self.embedder = embedder
        # taken off every vector (see language_offsets.py); "fitted": the shipped ones for this
        # embedder's model, if any
        if language_offsets == "fitted":
            language_offsets = fitted_offsets(embedder.model_id) if embedder is not None else None
        self.language_offsets = language_offsets
        self.lexical_gate = lexical_gate  # None: every passage is embedded
        # equivalent terms across ru/kk/en (Glossary([]): none)
        self.glossary = glossary if glossary is not None else default_glossary()
        self.vector_cache = vectors
        self.calibration: Calibration = (
            SEMANTIC_CALIBRATION if embedder is not None else LEXICAL_CALIBRATION
        )
        # the ranking's calibration and cut-offs (fitted, not settings: see decision.py)
        self.ranking: Calibration = (
            SEMANTIC_RANKING if embedder is not None else LEXICAL_CALIBRATION
        )
        self.ranking_thresholds = RANKING_THRESHOLDS
        self._lock = threading.RLock()
        self._version = 0  # bumped by every change to the index (see _Lexical)
        # wordings whose vectors were not stored when the index was loaded: until a load finds
        # them all, the semantic channel is off and messages are matched lexically
        self.semantic_pending = 0
        self._reset()

    # ------------------------------------------------------------------ state
    def _reset(self) -> None:
        self._version += 1
        self._words = SparseIndex()
        self._grams = SparseIndex()
        self._slot_of: dict[str, int] = {}
        self._entries: list[DebunkEntry | None] = []
        self._slot_rows: list[list[int]] = []
        self._row_slot = np.zeros(0, dtype=np.int32)
        self._row_text: list[str] = []  # wording as written (shown as Match.matched)
        self._row_clean: list[str] = []  # normalised wording (what its vector is made of)
        self._row_folded: list[str] = []  # lexical form of the normalised wording
        self._matrix = np.zeros((0, 0), dtype=np.float32)  # passage vectors by row id
        self._graph: _Graph | None = None  # nearest-neighbour graph over them (large bases)
        self._row_alive = np.zeros(0, dtype=bool)
        self._row_document = np.zeros(0, dtype=bool)  # title + claims rows: ranking only
        self._appearances: dict[str, set[str]] = {}
        self._languages: Counter[str] = Counter()  # debunks with a title or claim in each
        self._base_sample: tuple[int, BaseSample] | None = None

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, slug: object) -> bool:
        return slug in self._slot_of

    def entry(self, slug: str) -> DebunkEntry | None:
        """The indexed entry of ``slug``, if any."""
        slot = self._slot_of.get(slug)
        return None if slot is None else self._entries[slot]

    # ------------------------------------------------------------------ building
    @staticmethod
    def _wordings(entry: DebunkEntry, clean_of: Mapping[str, str]) -> list[tuple[str, str]]:
        """(original, normalised) texts of the entry's titles and claims, without duplicates."""
        seen: set[str] = set()
        out: list[tuple[str, str]] = []
        for text in [*entry.titles.values(), *(c.text for c in entry.claims)]:
            clean = clean_of[text]
            key = fold(clean)
            if clean and key not in seen:
                seen.add(key)
                out.append((text, clean))
        return out

    def _rows_of(self, entry: DebunkEntry) -> list[tuple[tuple[str, str], bool]]:
        """The entry's rows: its wordings, then its documents (flagged True)."""
        texts = [*entry.titles.values(), *(c.text for c in entry.claims)]
        clean_of = {text: normalise(text) for text in dict.fromkeys(texts)}
        wordings = self._wordings(entry, clean_of)
        return [(w, False) for w in wordings] + [
            (d, True) for d in self._documents(entry, wordings, clean_of)
        ]

    @staticmethod
    def _documents(
        entry: DebunkEntry, wordings: list[tuple[str, str]], clean_of: Mapping[str, str]
    ) -> list[tuple[str, str]]:
        """Per language, the title and the claims as one text: searched and embedded as a whole
        (a claim reads better with its title: CLEF MAP@5 +0.05), never shown or calibrated."""
        seen = {fold(clean) for _, clean in wordings}
        out: list[tuple[str, str]] = []
        for lang, title in entry.titles.items():
            parts: dict[str, tuple[str, str]] = {}  # folded -> (as written, normalised)
            for text in [title, *(c.text for c in entry.claims if c.lang == lang)]:
                if clean_of[text]:
                    parts.setdefault(fold(clean_of[text]), (text, clean_of[text]))
            if len(parts) < 2:  # no claim that says more than the title
                continue
            text = " ".join(written for written, _ in parts.values())
            clean = " ".join(normalised for _, normalised in parts.values())
            if fold(clean) not in seen:
                seen.add(fold(clean))
                out.append((text, clean))
        return out

    def _new_slot(self, entry: DebunkEntry) -> int:
        slot = len(self._entries)
        self._entries.append(entry)
        self._slot_rows.append([])
        self._slot_of[entry.slug] = slot
        self._languages.update(_languages_of(entry))
        for url in entry.appearances:
            self._appearances.setdefault(normalise_url(url), set()).add(entry.slug)
        return slot

    def _grow_rows(self, extra: int, dim: int) -> None:
        need = len(self._row_text) + extra
        if need > len(self._row_slot):
            cap = max(need, 2 * len(self._row_slot), 64)
            self._row_slot = np.resize(self._row_slot, cap)
            self._row_alive = np.concatenate(
                [self._row_alive, np.zeros(cap - len(self._row_alive), dtype=bool)]
            )
            self._row_document = np.concatenate(
                [self._row_document, np.zeros(cap - len(self._row_document), dtype=bool)]
            )
        if dim and (self._matrix.shape[1] != dim or need > self._matrix.shape[0]):
            cap = max(need, 2 * self._matrix.shape[0], 64)
            grown = np.zeros((cap, dim), dtype=np.float32)
            if self._matrix.shape[1] == dim:
                grown[: self._matrix.shape[0]] = self._matrix
            self._matrix = grown

    def vectors_of(
        self, texts: Sequence[str], *, embed_missing: bool = True, progress: Progress | None = None
    ) -> tuple[np.ndarray | None, int]:
        """Vectors of normalised wordings (None without an embedder) and how many have none
        stored: those are embedded (and stored) when ``embed_missing``, else the vectors are
        None and the count says what is pending."""
        if self.embedder is None or not texts:
            return None, 0
        if not embed_missing:
            vectors, pending = stored_vectors(self.embedder, self.vector_cache, texts)
        else:
            vectors = embed_passages_cached(
                self.embedder, self.vector_cache, texts, progress=progress
            )
            pending = 0
        if vectors is not None and self.language_offsets is not None:
            vectors = self.language_offsets.passages(vectors, texts)
        return vectors, pending

    @property
    def vector_space(self) -> str | None:
        """Names the space the rows' vectors are in (the model, and the offsets taken off);
        None without an embedder."""
        if self.embedder is None:
            return None
        offsets = self.language_offsets
        return self.embedder.model_id + ("" if offsets is None else f"-{offsets.id}")

    def _prepare(
        self,
        wordings: list[tuple[str, str]],
        documents: list[bool],
        *,
        embed: bool = True,
        embed_missing: bool = True,
        progress: Progress | None = None,
    ) -> _Prepared:
        """Analyse and embed wordings (pure and slow: done outside the lock)."""
        cleans = [clean for _, clean in wordings]
        vectors, pending = (
            self.vectors_of(cleans, embed_missing=embed_missing, progress=progress)
            if embed
            else (None, 0)
        )
        return _Prepared(
            wordings=wordings,
            documents=documents,
            vectors=vectors,
            words=[word_terms(c) for c in cleans],
            grams=[char_ngrams(c) for c in cleans],
            pending=pending,
        )

    def _add_rows(self, slots: Sequence[int], prepared: _Prepared, *, bulk: bool) -> None:
        vectors = prepared.vectors
        self._grow_rows(len(slots), 0 if vectors is None else vectors.shape[1])
        if bulk:
            rows = self._words.add_many(prepared.words)
            gram_rows = self._grams.add_many(prepared.grams)
        else:
            rows = [self._words.add(w) for w in prepared.words]
            gram_rows = [self._grams.add(g) for g in prepared.grams]
        assert rows == gram_rows, "word and trigram indexes must share row ids"
        for row, slot, (text, clean), document in zip(
            rows, slots, prepared.wordings, prepared.documents, strict=True
        ):
            assert row == len(self._row_text)
            self._row_text.append(text)
            self._row_clean.append(clean)
            self._row_folded.append(fold(clean))
            self._row_slot[row] = slot
            self._row_alive[row] = True
            self._row_document[row] = document
            self._slot_rows[slot].append(row)
        if vectors is not None and len(rows):
            self._matrix[rows[0] : rows[-1] + 1] = vectors
            if not bulk:  # load() builds the graph itself, outside the lock
                self._graph_add(rows, vectors)

    def _graph_add(self, rows: list[int], vectors: np.ndarray) -> None:
        """Put new rows in the nearest-neighbour graph; build it when the base grows large."""
        if self._graph is not None:
            self._graph.add(np.asarray(rows), vectors)
        elif int(self._row_alive.sum()) >= GRAPH_MIN_ROWS:
            alive = np.flatnonzero(self._row_alive[: len(self._row_text)])
            self._graph = _Graph.build(alive, self._matrix[alive])

    def load(
        self,
        entries: Iterable[DebunkEntry],
        *,
        embed_missing: bool = True,
        progress: Progress | None = None,
    ) -> None:
        """Replace the whole index with ``entries`` (built in bulk; a repeated slug: last wins).

        Wordings without a stored vector are embedded (``progress`` follows it); with
        ``embed_missing=False`` they are not, and the index is lexical until a load finds every
        vector stored (``semantic_pending`` counts them meanwhile)."""
        unique = list({entry.slug: entry for entry in entries}.values())
        per_entry = [self._rows_of(entry) for entry in unique]
        prepared = self._prepare(
            [w for rows in per_entry for w, _ in rows],
            [d for rows in per_entry for _, d in rows],
            embed_missing=embed_missing,
            progress=progress,
        )
        graph = None
        if prepared.vectors is not None and len(prepared.vectors) >= GRAPH_MIN_ROWS:
            # rows are numbered from 0 after the reset: the graph is built outside the lock
            graph = _Graph.build(np.arange(len(prepared.vectors)), prepared.vectors)
        with self._lock:
            self._reset()
            slots: list[int] = []
            for entry, rows in zip(unique, per_entry, strict=True):
                slots += [self._new_slot(entry)] * len(rows)
            self._add_rows(slots, prepared, bulk=True)
            self._graph = graph
            self.semantic_pending = prepared.pending

    def state(self) -> IndexState:
        """The index as plain data; only of an index as :meth:`load` built it (ValueError after
        a removal or a replaced debunk: those leave rows that are masked out)."""
        with self._lock:
            n = len(self._row_text)
            if len(self._slot_of) != len(self._entries) or not self._row_alive[:n].all():
                raise ValueError("the index has changed since it was built")
            return IndexState(
                slugs=[entry.slug for entry in self._entries if entry is not None],
                row_text=list(self._row_text),
                row_clean=list(self._row_clean),
                row_folded=list(self._row_folded),
                row_slot=self._row_slot[:n].copy(),
                row_document=self._row_document[:n].copy(),
                words=self._words.state(),
                grams=self._grams.state(),
            )

    def restore(
        self,
        entries: Sequence[DebunkEntry],
        state: IndexState,
        vectors: np.ndarray | None,
        *,
        graph: _Graph | None = None,
        pending: int = 0,
    ) -> None:
        """Replace the whole index with one :meth:`state` described for the same ``entries``
        (ValueError when it does not fit them), with the rows' ``vectors`` (None: lexical, with
        ``pending`` wordings awaiting theirs). ``vectors`` may be a read-only memory map: a
        row added later grows the matrix into memory first."""
        n = len(state.row_text)
        slots = np.asarray(state.row_slot, dtype=np.int32)
        if (
            [entry.slug for entry in entries] != state.slugs
            or (n and bool((np.diff(slots) < 0).any()))  # rows follow their entries
            or not len(state.row_clean) == len(state.row_folded) == len(slots) == n
            or len(state.row_document) != n
            or (n and (slots.min() < 0 or slots.max() >= len(entries)))
            or (vectors is not None and vectors.shape[0] != n)
        ):
            raise ValueError("the stored index does not fit the entries")
        words = SparseIndex.from_state(*state.words)
        grams = SparseIndex.from_state(*state.grams)
        if words.n_rows != n or grams.n_rows != n:
            raise ValueError("the stored index does not fit the entries")
        if vectors is not None and graph is None and n >= GRAPH_MIN_ROWS:
            graph = _Graph.build(np.arange(n), vectors)
        bounds = np.searchsorted(slots, np.arange(len(entries) + 1)).tolist()
        with self._lock:
            self._reset()
            for entry in entries:
                self._new_slot(entry)
            self._slot_rows = [list(range(a, b)) for a, b in pairwise(bounds)]
            self._words, self._grams = words, grams
            self._row_text = list(state.row_text)
            self._row_clean = list(state.row_clean)
            self._row_folded = list(state.row_folded)
            self._row_slot = slots.copy()
            self._row_alive = np.ones(n, dtype=bool)
            self._row_document = np.asarray(state.row_document, dtype=bool).copy()
            if vectors is not None:
                self._matrix = vectors
            self._graph = graph
            self.semantic_pending = pending

    def row_vectors(self) -> np.ndarray | None:
        """Every row's vector (None while the index is lexical)."""
        n = len(self._row_text)
        if self.semantic_pending or self._matrix.shape[0] < n or not n:
            return None
        return self._matrix[:n]

    def row_texts(self) -> list[str]:
        """The normalised wordings of the rows matched now (what their vectors are made of)."""
        with self._lock:
            alive = self._row_alive
            return [text for row, text in enumerate(self._row_clean) if alive[row]]

    def save_graph(self, path: str) -> bool:
        """Write the nearest-neighbour graph (False: there is none)."""
        if self._graph is None:
            return False
        self._graph.save(path)
        return True

    def upsert(self, entry: DebunkEntry) -> None:
        """Add or replace one debunk without rebuilding the index."""
        rows = self._rows_of(entry)
        # while the base's vectors are pending the index stays lexical: one debunk's vectors
        # beside none of the others' would be a semantic channel over a part of the base
        prepared = self._prepare(
            [w for w, _ in rows], [d for _, d in rows], embed=not self.semantic_pending
        )
        with self._lock:
            self._version += 1
            self._drop(entry.slug)
            slot = self._new_slot(entry)
            self._add_rows([slot] * len(prepared.wordings), prepared, bulk=False)

    def remove(self, slug: str) -> None:
        """Stop matching one debunk (no-op when unknown)."""
        with self._lock:
            self._version += 1
            self._drop(slug)

    def _drop(self, slug: str) -> None:
        slot = self._slot_of.pop(slug, None)
        if slot is None:
            return
        entry = self._entries[slot]
        if entry is not None:
            self._languages -= Counter(_languages_of(entry))  # keeps only languages still held
        for row in self._slot_rows[slot]:
            self._words.remove(row)
            self._grams.remove(row)
            self._row_alive[row] = False
            if self._graph is not None:
                self._graph.remove(row)
        self._slot_rows[slot] = []
        self._entries[slot] = None
        if entry is not None:
            for url in entry.appearances:
                key = normalise_url(url)
                slugs = self._appearances.get(key)
                if slugs is not None:
                    slugs.discard(slug)
                    if not slugs:
                        del self._appearances[key]

    # ------------------------------------------------------------------ matching
    def match_message(self, text: str, *, top: int = 3) -> MatchResult:
        """Rank the debunks that answer ``text``; decide match / possible / none."""
        top = max(1, top)
        clean = normalise(text)
        best: dict[int, tuple[_Candidate, str]] = {}
        passages = split_passages(clean)
        sentences = self._claim_sentences(clean) if len(passages) == 1 else []
        in_paragraphs = bool(sentences) and "\n" in clean and len(clean.split()) > RENDERED_WORDS
        self._collect(passages, best, windows=not in_paragraphs)
        if in_paragraphs:
            # a post written in paragraphs carries its claim in one sentence, between a greeting
            # and the weather: each sentence is also read as a message of its own, so the filler
            # does not dilute the claim's features.  Not a tweet's run-on sentences: CLEF-2020's
            # tweets, read so, met other claims of its base in their asides (bench/README.md)
            self._collect(sentences, best, limit=READ_SENTENCES, semantic_limit=READ_SENTENCES)
        elif sentences and self._several_claims(best):
            # a short post may repeat several claims: look at its sentences one by one
            self._collect(sentences, best, limit=RECHECKED_SENTENCES)
        with self._lock:
            appearances = self._appearance_matches(text)
            seen = {m.slug for m in appearances}
            matches = appearances[:top]
            for cand, passage in sorted(best.values(), key=lambda held: self._rank_key(held[0])):
                if len(matches) >= top:
                    break
                entry = self._entries[cand.slot]
                if entry is not None and entry.slug not in seen:  # not removed meanwhile
                    matches.append(self._to_match(cand, passage))
        matches = [_with_stance(m) for m in matches]
        verdict = _verdict(matches)
        return MatchResult(query=text, verdict=verdict, matches=tuple(matches))

    def _collect(
        self,
        passages: list[str],
        best: dict[int, tuple[_Candidate, str]],
        *,
        limit: int = MAX_MATCHED_PASSAGES,
        semantic_limit: int = SEMANTIC_PASSAGES,
        windows: bool = True,
    ) -> None:
        """Match passages; keep in ``best`` each debunk's strongest candidate and its passage.

        Of more than ``limit`` passages only the lexically strongest are matched, and of those
        only the ``semantic_limit`` strongest are embedded (the others are matched lexically);
        a passage the lexical channels already match with ``lexical_gate`` confidence is not
        embedded at all.  ``windows``: a passage too long for the query vector is also embedded
        in the pieces it can read whole (not when its sentences are read on their own).
        """
        if len(passages) > limit:
            with self._lock:
                passages = [passages[i] for i in self._promising(passages, limit)]
        # a passage with negations or refuting words is also matched as the claim a denial speaks
        # of (without them, and the part it frames as the claim: "«…» — ложь"); each debunk
        # keeps the strongest reading, and the passage as written goes with it, for its stance
        # and for the reader. All readings: a claim may itself carry a negation ("Казахстан
        # никогда не был государством").
        views = [(view, p) for p in passages for view in claim_readings(p)]
        written = [*passages, *(p for _, p in views)]
        passages = [*passages, *(view for view, _ in views)]
        vectors: dict[int, np.ndarray] = {}
        settled: dict[int, list[_Candidate]] = {}  # passages the lexical channels decided alone
        retrieved: dict[int, _Lexical | None] = {}  # their lexical retrieval, reused below
        if self.embedder is not None and not self.semantic_pending and passages:
            chosen = list(range(len(passages)))
            with self._lock:
                if len(passages) > semantic_limit:
                    chosen = self._promising(passages, semantic_limit)
                if self.lexical_gate is not None:
                    for i in chosen:
                        retrieved[i] = self._lexical(passages[i])
                        lexical = self._match_passage(passages[i], None, retrieved[i])
                        if self._lexically_decided(lexical):
                            settled[i] = lexical
            chosen = [i for i in chosen if i not in settled]
            if chosen:
                pieces = [
                    query_windows(self.embedder, passages[i]) if windows else [] for i in chosen
                ]  # unlocked
                with self._lock:
                    readings = [
                        self._readings(passages[i], cut)
                        for i, cut in zip(chosen, pieces, strict=True)
                    ]
                texts = [t for r in readings for t, _ in r]
                embedded = self.embedder.embed_queries(texts)  # unlocked
                if self.language_offsets is not None:
                    embedded = self.language_offsets.queries(embedded, texts)
                weights = np.array([w for r in readings for _, w in r], dtype=embedded.dtype)
                embedded = embedded * weights[:, None]
                ends = np.cumsum([len(r) for r in readings]).tolist()
                vectors = {
                    i: embedded[end - len(r) : end]
                    for i, r, end in zip(chosen, readings, ends, strict=True)
                }
        with self._lock:
            for i, passage in enumerate(passages):
                if i in settled:
                    found = settled[i]
                else:
                    found = self._match_passage(passage, vectors.get(i), retrieved.get(i))
                for cand in found:
                    held = best.get(cand.slot)
                    if held is None or self._speaks_for(cand) > self._speaks_for(held[0]):
                        best[cand.slot] = (cand, written[i])

    def _readings(self, passage: str, windows: Sequence[str] = ()) -> list[tuple[str, float]]:
        """What the semantic channel embeds of a passage, each with its weight: the passage, and
        its glossary rendering into each other language the base's debunks are written in (when
        the glossary changes a word).  A row's cosine is the best of theirs: e5-small reads a
        Kazakh message poorly, and the same message with its domain terms in Russian or English
        reaches the debunk that a moderator entered in that language.  A longer passage is
        embedded as written (rendered, its filler's terms reach debunks the post does not speak
        of) and, when the query vector cannot see it whole, also in the pieces it can
        (``windows``: a post's claim often comes after its greeting), each rendered as a short
        passage is.  A piece's cosine counts ``WINDOW_WEIGHT`` of itself: a tweet's aside alone
        would otherwise outrank the claim the whole tweet makes."""
        own = text_language(passage)

        def rendered(text: str, weight: float) -> list[tuple[str, float]]:
            out = [(text, weight)]
            for language in self._languages:
                if language != own:
                    out.append((self.glossary.render(text, language), weight))
            return out

        if len(passage.split()) > RENDERED_WORDS:
            readings = [(passage, 1.0)]
        else:
            readings = rendered(passage, 1.0)
        for window in windows:
            readings += rendered(window, WINDOW_WEIGHT)
        unique: dict[str, float] = {}
        for text, weight in readings:
            unique.setdefault(text, weight)
        return list(unique.items())

    def _lexically_decided(self, candidates: list[_Candidate]) -> bool:
        """True when the lexical channels alone make one debunk a confident, unrivalled match."""
        if not candidates or self.lexical_gate is None:
            return False
        top = max(candidates, key=lambda c: c.standing)
        return top.standing >= self.lexical_gate and self._ranked(top) == "match"

    def _rank_key(self, cand: _Candidate) -> tuple[bool, float, float, int]:
        """Retrieval rank: a debunk the ranking takes for a match first (each passage and
        reading scales its fused scores its own way, so the fused scores of two readings do not
        compare: a claim read from a denial and matched with 0.998 was ranked below a debunk
        the message as written topped with 0.001), then the fused score with a small share of
        the standing (near-ties), the standing, the load order.  "possible" is not lifted:
        ordinary messages' best candidates would be, and offered more often."""
        fused = round(cand.features["fused"] + NEAR_TIE * cand.standing, 6)
        return (self._ranked(cand) != "match", -fused, -cand.standing, cand.slot)

    def _speaks_for(self, cand: _Candidate) -> tuple[int, float, float]:
        """Which of a debunk's candidates (from different passages) speaks for it."""
        return _DECISION_RANK[self._ranked(cand)], cand.standing, cand.features["fused"]

    def _decision(self, cand: _Candidate) -> str:
        """What the reader is answered about this candidate: one judged lexically while the
        matcher has vectors (a passage not embedded) is cut where the ranking cuts it, as in
        lexical-only mode, whose one calibration ranks and decides; a message that names
        none of its wording's names is neither answered nor offered it (names_its_claim)."""
        if self.embedder is not None and "semantic" not in cand.features:
            decision = self._ranked(cand)
        else:
            decision = decide(cand.confidence, self.thresholds, rival=cand.features["rival"])
        return decision if names_its_claim(cand.features) else "none"

    def _ranked(self, cand: _Candidate) -> str:
        """The same question asked of its standing, for the ranking (see decision.py)."""
        return decide(cand.standing, self.ranking_thresholds, rival=cand.standing_rival)

    @staticmethod
    def _claim_sentences(clean: str) -> list[str]:
        """A post's sentences that could state a claim (three words or more); none when it is
        one sentence."""
        sentences = [s for s in split_sentences(clean) if len(s.split()) >= 3]
        return sentences if len(sentences) >= 2 else []

    def _several_claims(self, best: dict[int, tuple[_Candidate, str]]) -> bool:
        """True when two debunks with different claims both stand half-way to a match."""
        top = sorted((cand for cand, _ in best.values()), key=lambda c: -c.standing)[:2]
        if len(top) < 2 or top[1].standing < self.ranking_thresholds.match / 2:
            return False
        first, second = (self._row_folded[c.row] for c in top)
        return fuzz.token_set_ratio(first, second) < SAME_CLAIM_SIMILARITY

    def _restatements(self, rows: list[int]) -> np.ndarray:
        """Which of these rows (one per debunk) state the same claim: the same words once
        normalised, or passage vectors at least RESTATEMENT_COSINE apart."""
        words = np.array(
            [utils.default_process(self._row_folded[row]) for row in rows], dtype=object
        )
        same: np.ndarray = words[:, None] == words[None, :]
        vectors = self.row_vectors()
        if vectors is not None and rows:
            chosen = vectors[rows]
            same |= chosen @ chosen.T >= RESTATEMENT_COSINE
        return same

    def _promising(self, passages: list[str], limit: int) -> list[int]:
        """Indexes of the ``limit`` passages with the strongest lexical evidence, in order."""
        strength = []
        for passage in passages:
            ids = self._words.query_ids(word_terms(passage))
            scores = self._words.scores(ids)
            strength.append(float(scores.max()) if len(scores) else 0.0)
        return sorted(np.argsort(strength, kind="stable")[::-1][:limit].tolist())

    def _to_match(self, cand: _Candidate, passage: str) -> Match:
        entry = self._entries[cand.slot]
        assert entry is not None
        stronger = self._entries[cand.restates] if cand.restates is not None else None
        return Match(
            slug=entry.slug,
            score=round(cand.confidence, 4),
            decision=self._decision(cand),
            matched=self._row_text[cand.row],
            passage=passage,
            evidence={k: round(v, 4) for k, v in cand.features.items()},
            restates=stronger.slug if stronger is not None else None,
        )

    def _appearance_matches(self, text: str) -> list[Match]:
        out: list[Match] = []
        for url in extract_urls(text):
            for slug in sorted(self._appearances.get(normalise_url(url), ())):
                if any(m.slug == slug for m in out):
                    continue
                out.append(
                    Match(
                        slug=slug,
                        score=1.0,
                        decision="match",
                        matched=url,
                        passage=url,
                        evidence={"appearance": 1.0},
                    )
                )
        return out

    def _nearest(
        self, qvec: np.ndarray, n: int, k: int
    ) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
        """The ``k`` rows closest to ``qvec`` and a function giving the cosines of any rows.
        ``qvec`` may hold several vectors of one passage (its readings, one per row): a row's
        cosine is then the best of theirs, and each nominates its ``k`` closest rows."""
        queries = np.atleast_2d(qvec)
        if self._graph is not None:
            matrix, graph = self._matrix, self._graph

            def cosines(rows: np.ndarray) -> np.ndarray:
                return np.asarray((matrix[rows] @ queries.T).max(axis=1), dtype=np.float64)

            return np.unique(np.concatenate([graph.search(q, k) for q in queries])), cosines
        scores = (self._matrix[:n] @ queries.T).max(axis=1)
        scores[~self._row_alive[:n]] = -1.0
        return top_rows(scores + 1.0, k), scores.__getitem__

    def _lexical(self, passage: str) -> _Lexical | None:
        """Both lexical channels' scores of every row for ``passage`` (None: nothing to match)."""
        terms = word_terms(passage)
        if not terms or not self._words.n_rows:
            return None
        grams = char_ngrams(passage)
        word_scores = self._words.scores(self._words.query_ids(terms))
        gram_scores = self._grams.scores(self._grams.query_ids(grams))
        # the glossary's equivalents of its words search apart (a Kazakh word finds the Russian
        # wording): they rank a debunk, the passage's own words choose its wording and features
        equivalents = self.glossary.expand(terms)[len(terms) :]
        bridge_scores = (
            self._words.scores(self._words.query_ids(equivalents)) if equivalents else None
        )
        return _Lexical(
            self._version,
            terms,
            word_scores,
            gram_scores,
            bridge_scores,
            self._words.self_score(terms),
            self._grams.self_score(grams),
        )

    def _base(self) -> BaseSample:
        """The live rows a passage's cosines are standardised against (an even sample of a
        large base), kept until the index changes."""
        held = self._base_sample
        if held is not None and held[0] == self._version:
            return held[1]
        n = len(self._row_text)
        alive = np.flatnonzero(self._row_alive[:n])
        if len(alive) > BASE_SAMPLE:
            alive = alive[np.linspace(0, len(alive) - 1, BASE_SAMPLE).astype(np.int64)]
        member = np.zeros(len(self._row_alive), dtype=bool)
        member[alive] = True
        sample = BaseSample(alive, member)
        self._base_sample = (self._version, sample)
        return sample

    def _channels(self) -> list[EvidenceChannel]:
        """The evidence channels over the index as it is now (cheap views, built per passage)."""
        n = self._words.n_rows
        rows = TextRows(slot=self._row_slot, document=self._row_document)
        channels: list[EvidenceChannel] = [
            LexicalChannel("words", rows, lambda q: q.word_scores),
            LexicalChannel("grams", rows, lambda q: q.gram_scores),
            LexicalChannel("bridge", rows, lambda q: q.bridge_scores),
        ]
        if self._matrix.shape[0] > 0:
            channels.append(
                SemanticChannel(rows, lambda qvec, k: self._nearest(qvec, n, k), self._base())
            )
        return channels

    def _match_passage(
        self, passage: str, qvec: np.ndarray | None, retrieval: _Lexical | None = None
    ) -> list[_Candidate]:
        """Candidates for one passage with their features and confidence (``retrieval``: its
        lexical retrieval when already done against the index as it is now)."""
        if retrieval is None or retrieval.version != self._version:
            retrieval = self._lexical(passage)
        if retrieval is None:
            return []
        terms = retrieval.terms
        query = PassageQuery(
            passage,
            terms,
            retrieval.word_scores,
            retrieval.gram_scores,
            retrieval.bridge_scores,
            qvec,
        )
        retrieved = {
            channel.name: found
            for channel in self._channels()
            if (found := channel.retrieve(query, CANDIDATES_PER_CHANNEL)) is not None
        }
        nominated = [found.slots for found in retrieved.values()]
        slots = np.unique(np.concatenate(nominated)) if nominated else np.zeros(0, np.int32)
        if not len(slots):
            return []

        # every channel weighs all the candidate debunks' rows at once: documents (title +
        # claims) help rank the debunk; its wordings give the features, so the calibration
        # reads what it was fitted on
        groups = Groups([self._slot_rows[slot] for slot in slots.tolist()])
        evidence = {name: found.weigh(groups) for name, found in retrieved.items()}
        words, grams = evidence["words"], evidence["grams"]
        bridge = evidence.get("bridge")
        # a debunk's word evidence: its own words, or their glossary equivalents if stronger
        word_support = words.support
        if bridge is not None:
            word_support = np.maximum(word_support, bridge.support)
        semantic = evidence.get("semantic")
        word_row = groups.rows[words.best_at]
        if bridge is not None:  # no word of its own in common: the wording its equivalents find
            word_row = np.where(words.best > 0, word_row, groups.rows[bridge.best_at])
        if semantic is not None:
            best_row = groups.rows[semantic.best_at]
        else:
            best_row = np.where(words.best > 0, word_row, groups.rows[grams.best_at])

        if semantic is not None:
            # a debunk's cosine plus its lexical strength: BM25 over the passage's own BM25
            strength = WORD_SHARE * np.minimum(word_support / max(retrieval.word_self, 1e-9), 1)
            strength += (1 - WORD_SHARE) * np.minimum(
                grams.support / max(retrieval.gram_self, 1e-9), 1
            )
            fused = semantic.support + LEXICAL_WEIGHT * strength**LEXICAL_POWER
        else:  # lexical only: the ranking is the same on any scale, the channels are mixed
            fused = WORD_SHARE * _scaled(word_support) + (1 - WORD_SHARE) * _scaled(grams.support)

        # a passage matched without its vector is judged as in lexical-only mode, whose one
        # calibration ranks and decides (see decision.py)
        calibration, ranking = (
            (self.calibration, self.ranking)
            if semantic is not None
            else (LEXICAL_CALIBRATION, LEXICAL_CALIBRATION)
        )
        folded = fold(passage)
        qlen = math.log1p(len(terms))
        kazakh = 1.0 if text_language(passage) == "kk" else 0.0
        second_fused = runner_up(fused)
        channel_features = [ev.features for ev in evidence.values()]
        candidates: list[_Candidate] = []
        claim_sized = len(set(terms)) >= MIN_CLAIM_TERMS
        featured = np.argsort(-fused, kind="stable")[:FEATURED_CANDIDATES].tolist()
        rows = [int(word_row[i]) for i in featured]
        coverages = self._words.coverages(terms, rows, self.glossary.equivalents)
        # of the wording the decision reads and the one sharing most words, the better covered
        read = [int(best_row[i]) for i in featured] + rows
        names, glossary_terms = self._words.key_coverages(
            terms,
            read,
            (self.glossary.is_name, self.glossary.__contains__),
            self.glossary.equivalents,
        )
        n = len(featured)
        key_coverages = np.maximum(names[:n], names[n:]).tolist()
        term_coverages = np.maximum(glossary_terms[:n], glossary_terms[n:]).tolist()
        for i, (word_cov, query_cov), key_cov, term_cov in zip(
            featured, coverages, key_coverages, term_coverages, strict=True
        ):
            row = int(best_row[i])
            features = {
                "fused": float(fused[i]),
                "margin": float(fused[i] - second_fused[i]),
                "word_cov": word_cov,
                "query_cov": query_cov,
                "key_cov": key_cov,
                "term_cov": term_cov,
                "fuzzy": fuzz.token_set_ratio(folded, self._row_folded[row]) / 100.0,
                "qlen": qlen,
                "kazakh": kazakh,
            }
            for extra in channel_features:
                features.update((name, float(values[i])) for name, values in extra.items())
            cand = _Candidate(slot=int(slots[i]), row=row, features=features)
            if claim_sized:
                cand.confidence = calibration.confidence(features)
                cand.standing = (
                    cand.confidence if ranking is calibration else ranking.confidence(features)
                )
            candidates.append(cand)
        # a debunk restating another's claim less confidently is no rival of it in the
        # decision: asking which of the two the reader means would offer the same claim twice.
        # The other way round it is, so one card answers the claim, the restatement is only
        # offered.  The ranking's rivals stay all the others: counted apart there,
        # restatements took CLEF-2020 dev tweets' first places from the claims they answer
        confidences = np.array([c.confidence for c in candidates])
        order = np.arange(len(candidates))  # of equal confidence, the earlier ranks first
        weaker = (confidences[None, :] < confidences[:, None]) | (
            (confidences[None, :] == confidences[:, None]) & (order[None, :] > order[:, None])
        )
        ignored = self._restatements([c.row for c in candidates]) & weaker
        rivals = runner_up(confidences, ignored).tolist()
        standing_rivals = runner_up(np.array([c.standing for c in candidates])).tolist()
        for cand, rival, standing_rival in zip(candidates, rivals, standing_rivals, strict=True):
            cand.features["rival"] = rival
            cand.standing_rival = standing_rival
        for cand, stronger in zip(candidates, ignored.T, strict=True):
            if stronger.any():
                restated = np.flatnonzero(stronger)
                cand.restates = candidates[int(restated[np.argmax(confidences[restated])])].slot
        return candidates


class _Graph:
    """An HNSW graph (usearch) over row vectors, searched by inner product (= cosine)."""

    def __init__(self, dim: int) -> None:
        from usearch.index import Index

        self._index = Index(
            ndim=dim,
            metric="ip",
            dtype="i8",
            connectivity=16,
            expansion_add=128,
            expansion_search=GRAPH_EXPANSION,
        )

    @classmethod
    def build(cls, rows: np.ndarray, vectors: np.ndarray) -> _Graph | None:
        """A graph over ``vectors`` keyed by ``rows``; None without usearch (rows get scanned)."""
        try:
            graph = cls(vectors.shape[1])
        except ImportError:
            return None
        graph.add(rows, vectors)
        return graph

    def add(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        self._index.add(rows.astype(np.uint64), np.ascontiguousarray(vectors, dtype=np.float32))

    def remove(self, row: int) -> None:
        self._index.remove(row)

    def search(self, qvec: np.ndarray, k: int) -> np.ndarray:
        found = self._index.search(np.asarray(qvec, dtype=np.float32), k, threads=1)
        return np.asarray(found.keys, dtype=np.int64)

    def save(self, path: str) -> None:
        self._index.save(path)

    @classmethod
    def read(cls, path: str, dim: int, rows: int) -> _Graph | None:
        """The graph saved at ``path`` (None without usearch); ValueError unless it holds
        ``rows`` vectors of ``dim``."""
        try:
            graph = cls(dim)
        except ImportError:
            return None
        try:
            graph._index.load(path)
        except Exception as error:  # usearch raises plain RuntimeErrors on a damaged file
            raise ValueError(f"unreadable graph: {error}") from error
        if graph._index.ndim != dim or len(graph._index) != rows:
            raise ValueError("the stored graph does not fit the vectors")
        return graph


def _verdict(matches: list[Match]) -> str:
    """The reply decision: the first candidate's, or "match" when the first restates a candidate
    answered "match".  The ranking may put the less confident of two wordings of one claim
    first; the reader then gets the other's card instead of being asked which claim they meant.
    The ranked order stays (moving the answered one up cost CLEF-2020 dev MAP@5 0.883 -> 0.875:
    its restatements are not always the claim a tweet is about)."""
    if not matches:
        return "none"
    first = matches[0]
    if first.restates is not None and any(
        m.slug == first.restates and m.decision == "match" for m in matches
    ):
        return "match"
    return first.decision


def _with_stance(match: Match) -> Match:
    """What the message does with the claim of a candidate it may carry. A candidate decided
    "none" is not taken for its claim: its stance is not read ("unclear")."""
    if match.decision == "none":
        return replace(match, stance="unclear")
    if "appearance" in match.evidence:  # the post itself is a recorded appearance of the claim
        return match
    return replace(match, stance=stance(match.passage, match.matched))


def _scaled(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else np.zeros_like(values)
