"""Lexical retrieval: analyzers (stemmed words, character n-grams) and a live BM25 index.

:class:`SparseIndex` keeps term postings in a compressed sparse column matrix (scipy) built in
bulk, plus a small delta segment for rows added since; removed rows are masked.  Adding or
removing one row therefore costs microseconds, and the delta is merged into the column matrix
from the stored term vectors (no re-analysis) once it grows.  Document frequencies and the average
length are kept live, so BM25 weights follow every change.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import chain

import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_RUSSIAN
from rapidfuzz import fuzz, process
from scipy import sparse

from knowledge.matching.normalise import (
    fold,
    is_latin_word,
    latin_script_language,
    latin_to_cyrillic,
    word_set,
)

__all__ = [
    "SparseIndex",
    "char_ngrams",
    "is_kazakh",
    "kazakh_stem",
    "stems",
    "word_terms",
]

# --------------------------------------------------------------------------------------------
# Analyzers

_CYRILLIC_RE = re.compile(r"[а-яёА-ЯЁ]")
_KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_KAZAKH_WORDS = word_set(
    "және жане мен бұл бул деп туралы бойынша емес осы үшін ушин рас па ма ме ба бе пе шын"
    " болды болып еді екен дейді деген керек барлық қазір казир тағы тагы"
)
_KK_STOPWORDS = frozenset(
    fold(w)
    for w in word_set(
        "және мен бұл осы сол ол олар біз сіз мен деп туралы бойынша үшін емес бар жоқ да де"
        " та те ма ме ба бе па пе ғой қой тағы әлі енді қазір барлық кейін бірақ немесе не"
        " еді екен болды болып болған рас шын ба"
    )
)
_RU_EXTRA_STOPWORDS = word_set(
    "это этот эта эти также который которая которое которые которых очень весь вся всё свой"
    " своя свои наш наша наши ваш ваша ваши их её"
)
_STOPWORDS = (
    frozenset(fold(w) for w in STOPWORDS_EN_PLUS)
    | frozenset(fold(w) for w in (*STOPWORDS_RUSSIAN, *_RU_EXTRA_STOPWORDS))
    | _KK_STOPWORDS
    | frozenset(("http", "https", "www", "com", "amp", "rt", "via"))
)

# Kazakh inflectional suffixes, folded (ә→а, і→и, ғ→г, қ→к, ң→н, ө→о, ұ/ү→у), longest first.
_KK_SUFFIXES = tuple(
    sorted(
        {
            fold(s)
            for s in word_set(
                "лар лер дар дер тар тер"
                " ның нің дың дің тың тің"
                " ға ге қа ке на не"
                " ны ні ды ді ты ті"
                " да де та те нда нде"
                " дан ден тан тен нан нен"
                " мен бен пен"
                " ым ім ың ің сы сі ымыз іміз ыңыз іңіз"
                " ған ген қан кен атын етін йтын йтін ады еді йды йді уда уде мақ мек"
                " ғы гі қы кі дағы дегі тағы тегі"
            )
        },
        key=len,
        reverse=True,
    )
)


def is_kazakh(text: str) -> bool:
    """True when Cyrillic ``text`` reads as Kazakh (Kazakh letters or function words)."""
    if not _CYRILLIC_RE.search(text):
        return False
    if any(c in _KAZAKH_LETTERS for c in text):
        return True
    words = re.findall(r"[а-яё]+", text.casefold())
    return sum(w in _KAZAKH_WORDS for w in words) >= max(1, len(words) // 12)


KAZAKH_STEM_LENGTH = 6


@lru_cache(maxsize=65536)
def kazakh_stem(word: str) -> str:
    """Light Kazakh stemmer for a folded word.

    Strips the last inflectional suffix, then keeps the first six letters: prefix truncation is
    a robust stemmer for agglutinative languages and absorbs the suffix chains and consonant
    alternations (орталық / орталығы) that suffix stripping alone misses.
    """
    for suffix in _KK_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if not _kazakh_suffix_fits(word[: -len(suffix)], suffix):
                continue
            word = word[: -len(suffix)]
            break
    return word[:KAZAKH_STEM_LENGTH]


# Kazakh suffixes assimilate to the sound before them: т-/қ- forms follow a voiceless consonant
# (орталық-ты, мектеп-ке), д-/ғ- forms never do, the verbal noun -у-да follows a consonant
# (жеткіз-уде).  So "Алматы" ends in no suffix "-ты", nor "Мәскеуде" in "-уде" (Мәскеу-де).
_VOICELESS = frozenset("кпстфхцчшщ")  # folded: қ→к
_VOWELS = frozenset("аеиоуыэюяё")  # folded: ә→а, і→и, ө→о, ұ/ү→у


def _kazakh_suffix_fits(stem: str, suffix: str) -> bool:
    last = stem[-1]
    if suffix[0] in "тк":
        return last in _VOICELESS
    if suffix[0] in "дг":
        return last not in _VOICELESS
    if suffix in ("уда", "уде"):
        return last not in _VOWELS
    return True


_stemmers = threading.local()  # PyStemmer objects are not thread-safe


def _stemmer(language: str) -> Stemmer.Stemmer:
    stemmer = getattr(_stemmers, language, None)
    if stemmer is None:
        stemmer = Stemmer.Stemmer(language)
        setattr(_stemmers, language, stemmer)
    return stemmer


_TOKEN_RE = re.compile(r"[^\W_]+")


RUSSIAN_STEM_LENGTH = 8  # Snowball leaves some endings on names: Казахстан → казахста(н)


def _stem_cyrillic(word: str, kazakh: bool) -> str:
    if kazakh:
        return kazakh_stem(word)
    return _stemmer("russian").stemWord(word)[:RUSSIAN_STEM_LENGTH]


def word_terms(text: str) -> list[str]:
    """Stemmed content words of clean text (one entry per occurrence).

    Latin words get the English Snowball stem and, unless the text reads as English, also the
    stem of their Cyrillic transliteration (``centr`` → ``центр``), so a short Latin-script
    message meets a Cyrillic claim.  Cyrillic words get the Russian Snowball stem, or the light
    Kazakh stemmer when the text is Kazakh.
    """
    kazakh = is_kazakh(text)
    alternates = latin_script_language(text) != "en"
    terms: list[str] = []
    for token in _TOKEN_RE.findall(fold(text)):
        terms.extend(_token_terms(token, kazakh, alternates))
    return terms


@lru_cache(maxsize=262144)
def _token_terms(token: str, kazakh: bool, alternates: bool) -> tuple[str, ...]:
    if token in _STOPWORDS or (len(token) < 2 and not token.isdigit()):
        return ()
    if token.isdigit():
        return (token,)
    if not is_latin_word(token):
        return (_stem_cyrillic(token, kazakh),)
    english = _stemmer("english").stemWord(token)
    if alternates and len(token) > 3 and not any(c.isdigit() for c in token):
        cyr = fold(latin_to_cyrillic(token))
        if cyr not in _STOPWORDS:
            return (english, _stem_cyrillic(cyr, kazakh))
    return (english,)


def stems(words: str, *, kazakh: bool) -> set[str]:
    """The terms of a few words of a known language (Kazakh or not), as word_terms makes them."""
    out: set[str] = set()
    for token in _TOKEN_RE.findall(fold(words)):
        out.update(_token_terms(token, kazakh, False))
    return out


def char_ngrams(text: str) -> list[str]:
    """Character trigrams of the folded content words, each word padded with ``#``."""
    grams: list[str] = []
    for token in _TOKEN_RE.findall(fold(text)):
        grams.extend(_token_trigrams(token))
    return grams


@lru_cache(maxsize=262144)
def _token_trigrams(token: str) -> tuple[str, ...]:
    if token in _STOPWORDS or len(token) < 2:
        return ()
    padded = f"#{token}#"
    return tuple(padded[i : i + 3] for i in range(len(padded) - 2))


# --------------------------------------------------------------------------------------------
# Index


class _PackedRows:
    """Rows of ints as a stored index keeps them (offsets into one array), each unpacked when
    read: a start reads a row's terms for the few rows a message is compared with, not 100k
    tuples. Rows changed or added afterwards are held apart."""

    def __init__(self, offsets: np.ndarray, values: np.ndarray) -> None:
        self._offsets = offsets
        self._values = values
        self._stored = len(offsets) - 1
        self._changed: dict[int, tuple[int, ...]] = {}
        self._added: list[tuple[int, ...]] = []

    def __len__(self) -> int:
        return self._stored + len(self._added)

    def __getitem__(self, row: int) -> tuple[int, ...]:
        if row >= self._stored:
            return self._added[row - self._stored]
        held = self._changed.get(row)
        if held is not None:
            return held
        return tuple(self._values[self._offsets[row] : self._offsets[row + 1]].tolist())

    def __setitem__(self, row: int, value: tuple[int, ...]) -> None:
        if row >= self._stored:
            self._added[row - self._stored] = value
        else:
            self._changed[row] = value

    def __iter__(self) -> Iterator[tuple[int, ...]]:
        return (self[row] for row in range(len(self)))

    def append(self, value: tuple[int, ...]) -> None:
        self._added.append(value)


_RowLists = list[tuple[int, ...]] | _PackedRows

FUZZY_MIN_LENGTH = 5  # shorter terms must match exactly in coverage
FUZZY_MIN_SIMILARITY = 0.8
SAME_WORD_PREFIX = 4  # a key term found as another cut of the same word shares this many letters
WEIGHTS_HELD = 4_000_000  # postings whose BM25 weights a SparseIndex keeps (float64: 32 MB)


class SparseIndex:
    """BM25 over rows of terms with cheap live add/remove.

    Row ids are stable: a removed row keeps its id (masked out), new rows get new ids.
    """

    def __init__(self, *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._vocab: dict[str, int] = {}
        self._terms: list[str] = []  # term by id
        self._row_terms: _RowLists = []  # term ids per row (unique)
        self._row_tf: _RowLists = []  # their frequencies in the row
        self._length = np.zeros(0, dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        self._df = np.zeros(0, dtype=np.int32)
        self._n_rows = 0
        self._n_alive = 0
        self._total_length = 0.0
        # column-compressed postings for rows < _main_rows
        self._indptr = np.zeros(1, dtype=np.int64)
        self._indices = np.zeros(0, dtype=np.int32)
        self._data = np.zeros(0, dtype=np.float32)
        self._main_rows = 0
        self._delta: dict[int, list[tuple[int, float]]] = {}
        self._delta_rows = 0
        # a term's rows and BM25 weights, kept until the index changes (its IDF and the average
        # length change with every row): the arithmetic is done once per term, not per query
        self._weights: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._weights_held = 0  # postings in _weights

    # ---- sizes
    @property
    def n_rows(self) -> int:
        """Number of row ids handed out (alive or removed)."""
        return self._n_rows

    # ---- building
    def _term_counts(self, terms: Iterable[str]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        counts = Counter(terms)
        vocab = self._vocab
        for term in counts:
            if term not in vocab:
                vocab[term] = len(vocab)
                self._terms.append(term)
        return tuple(vocab[t] for t in counts), tuple(counts.values())

    def _append(self, rows: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> range:
        """Store new rows (term ids, frequencies); update lengths and document frequencies."""
        self._forget_weights()
        start, count = self._n_rows, len(rows)
        need = start + count
        if need > len(self._alive):
            cap = max(need, 2 * len(self._alive), 64)
            self._alive = np.concatenate([self._alive, np.zeros(cap - len(self._alive), bool)])
            self._length = np.resize(self._length, cap)
        if len(self._vocab) > len(self._df):
            cap = max(len(self._vocab), 2 * len(self._df), 256)
            self._df = np.concatenate([self._df, np.zeros(cap - len(self._df), np.int32)])
        lengths = np.fromiter((sum(tfs) for _, tfs in rows), dtype=np.float32, count=count)
        ids = np.fromiter(chain.from_iterable(t for t, _ in rows), dtype=np.int64)
        self._df[: len(self._vocab)] += np.bincount(ids, minlength=len(self._vocab)).astype(
            np.int32
        )
        self._length[start:need] = lengths
        self._alive[start:need] = True
        for term_ids, tfs in rows:
            self._row_terms.append(term_ids)
            self._row_tf.append(tfs)
        self._n_rows = need
        self._n_alive += count
        self._total_length += float(lengths.sum())
        return range(start, need)

    def add_many(self, rows_terms: Iterable[Sequence[str]]) -> list[int]:
        """Add rows in bulk and rebuild the column matrix once; returns their row ids."""
        rows = self._append([self._term_counts(terms) for terms in rows_terms])
        self._compact()
        return list(rows)

    def add(self, terms: Sequence[str]) -> int:
        """Add one row (delta segment, merged later); returns its row id."""
        term_ids, tfs = self._term_counts(terms)
        row = self._append([(term_ids, tfs)])[0]
        for tid, tf in zip(term_ids, tfs, strict=True):
            self._delta.setdefault(tid, []).append((row, tf))
        self._delta_rows += 1
        if self._delta_rows > max(512, self._main_rows // 8):
            self._compact()
        return row

    def remove(self, row: int) -> None:
        """Mask a row out of every later search."""
        if not self._alive[row]:
            return
        self._alive[row] = False
        self._forget_weights()
        np.subtract.at(self._df, np.asarray(self._row_terms[row], dtype=np.int64), 1)
        self._n_alive -= 1
        self._total_length -= float(self._length[row])
        self._row_terms[row] = ()
        self._row_tf[row] = ()

    def _compact(self) -> None:
        """Rebuild the column matrix from the stored term vectors of all rows."""
        n = self._n_rows
        cols = np.fromiter(chain.from_iterable(self._row_terms), dtype=np.int32)
        data = np.fromiter(chain.from_iterable(self._row_tf), dtype=np.float32)
        lengths = np.fromiter(map(len, self._row_terms), dtype=np.int64, count=n)
        rows = np.repeat(np.arange(n, dtype=np.int32), lengths)
        matrix = sparse.csc_array(
            (data, (rows, cols)), shape=(max(n, 1), max(len(self._vocab), 1)), dtype=np.float32
        )
        self._indptr = matrix.indptr.astype(np.int64, copy=False)
        self._indices = matrix.indices.astype(np.int32, copy=False)
        self._data = matrix.data
        self._main_rows = n
        self._delta = {}
        self._delta_rows = 0

    # ---- persisted copies
    def state(self) -> tuple[dict[str, np.ndarray], dict[str, float], list[str]]:
        """The index as arrays, scalars and its terms, as :meth:`from_state` takes them back."""
        if self._delta:
            self._compact()
        n = self._n_rows
        row_lengths = np.fromiter(map(len, self._row_terms), dtype=np.int64, count=n)
        row_indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(row_lengths, out=row_indptr[1:])
        arrays: dict[str, np.ndarray] = {
            "indptr": self._indptr,
            "indices": self._indices,
            "data": self._data,
            "row_indptr": row_indptr,
            "row_terms": np.fromiter(chain.from_iterable(self._row_terms), dtype=np.int32),
            "row_tf": np.fromiter(chain.from_iterable(self._row_tf), dtype=np.int32),
            "length": self._length[:n],
            "alive": self._alive[:n],
            "df": self._df[: len(self._vocab)],
        }
        scalars: dict[str, float] = {
            "k1": self.k1,
            "b": self.b,
            "n_rows": n,
            "n_alive": self._n_alive,
            "total_length": self._total_length,
            "main_rows": self._main_rows,
        }
        return arrays, scalars, list(self._terms)

    @classmethod
    def from_state(
        cls, arrays: Mapping[str, np.ndarray], scalars: Mapping[str, float], terms: list[str]
    ) -> SparseIndex:
        """The index :meth:`state` described (the column matrix may be memory-mapped: it is
        only ever replaced, never written to). Raises ValueError when the parts disagree."""
        n = int(scalars["n_rows"])
        indptr, row_indptr = arrays["indptr"], arrays["row_indptr"]
        row_terms, row_tf = arrays["row_terms"], arrays["row_tf"]
        if (
            len(row_indptr) != n + 1
            or {len(row_terms), len(row_tf)} != {int(row_indptr[-1])}
            or {len(arrays["indices"]), len(arrays["data"])} != {int(indptr[-1])}
            or len(arrays["length"]) != n
            or len(arrays["alive"]) != n
            or len(arrays["df"]) != len(terms)
            or len(indptr) - 1 > max(len(terms), 1)
        ):
            raise ValueError("inconsistent lexical index")
        index = cls(k1=float(scalars["k1"]), b=float(scalars["b"]))
        index._terms = terms
        index._vocab = dict(zip(terms, range(len(terms)), strict=True))
        index._row_terms = _PackedRows(row_indptr, row_terms)
        index._row_tf = _PackedRows(row_indptr, row_tf)
        index._length = np.array(arrays["length"], dtype=np.float32)
        index._alive = np.array(arrays["alive"], dtype=bool)
        index._df = np.array(arrays["df"], dtype=np.int32)
        index._n_rows = n
        index._n_alive = int(scalars["n_alive"])
        index._total_length = float(scalars["total_length"])
        index._indptr = indptr
        index._indices = arrays["indices"]
        index._data = arrays["data"]
        index._main_rows = int(scalars["main_rows"])
        return index

    # ---- scoring
    def query_ids(self, terms: Iterable[str]) -> np.ndarray:
        """Known term ids of a query (unique); unknown terms are dropped."""
        vocab = self._vocab
        ids = {vocab[t] for t in terms if t in vocab}
        return np.fromiter(ids, dtype=np.int32, count=len(ids))

    def idf(self, term_ids: np.ndarray) -> np.ndarray:
        df = self._df[term_ids].astype(np.float64)
        n = float(self._n_alive)
        return np.log1p((n - df + 0.5) / (df + 0.5))

    def _postings(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        """Row ids and term frequencies of one term (column matrix + delta segment)."""
        rows = np.zeros(0, dtype=np.int32)
        tfs = np.zeros(0, dtype=np.float32)
        if tid < len(self._indptr) - 1:
            lo, hi = self._indptr[tid], self._indptr[tid + 1]
            rows, tfs = self._indices[lo:hi], self._data[lo:hi]
        extra = self._delta.get(tid)
        if extra:
            extra_rows, extra_tfs = zip(*extra, strict=True)
            rows = np.concatenate([rows, np.asarray(extra_rows, dtype=np.int32)])
            tfs = np.concatenate([tfs, np.asarray(extra_tfs, dtype=np.float32)])
        return rows, tfs

    def scores(self, term_ids: np.ndarray) -> np.ndarray:
        """BM25 score of every row id (0 for removed rows) for a query's term ids."""
        n = self._n_rows
        if not len(term_ids) or not self._n_alive:
            return np.zeros(n, dtype=np.float64)
        avgdl = self._total_length / self._n_alive or 1.0
        idf = self.idf(term_ids)
        if self._delta:
            rows, tf, idf = self._gathered(term_ids, idf)
            weights = self._bm25(idf, tf, self._length[rows], avgdl)
        else:  # every posting in the column matrix: each term's weights, computed once
            rows_parts: list[np.ndarray] = [np.zeros(0, dtype=np.int32)]
            weight_parts: list[np.ndarray] = [np.zeros(0)]
            for tid, term_idf in zip(term_ids.tolist(), idf.tolist(), strict=True):
                held = self._weights.get(tid)
                if held is None:
                    held = self._term_weights(tid, term_idf, avgdl)
                rows_parts.append(held[0])
                weight_parts.append(held[1])
            rows, weights = np.concatenate(rows_parts), np.concatenate(weight_parts)
        if not len(rows):
            return np.zeros(n, dtype=np.float64)
        out = np.bincount(rows, weights=weights, minlength=n)
        if self._n_alive < n:
            out[~self._alive[:n]] = 0.0
        return out

    def self_score(self, terms: Sequence[str]) -> float:
        """The BM25 score ``terms`` would get against a row made of themselves: what a row that
        says all the message says scores (terms absent from the index weigh as the rarest)."""
        if not terms or not self._n_alive:
            return 0.0
        counts = Counter(terms)
        vocab = self._vocab
        known = [vocab.get(t, -1) for t in counts]
        idf = np.full(len(counts), math.log1p((self._n_alive + 0.5) / 0.5))
        found = [i for i, tid in enumerate(known) if tid >= 0]
        if found:
            idf[found] = self.idf(np.array([known[i] for i in found], dtype=np.int64))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        avgdl = self._total_length / self._n_alive or 1.0
        return float(self._bm25(idf, tf, np.full(len(tf), float(len(terms))), avgdl).sum())

    def _bm25(
        self, idf: np.ndarray | float, tf: np.ndarray, dl: np.ndarray, avgdl: float
    ) -> np.ndarray:
        k1, b = self.k1, self.b
        return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))

    def _term_weights(self, tid: int, idf: float, avgdl: float) -> tuple[np.ndarray, np.ndarray]:
        """Rows and BM25 weights of one term of the column matrix (kept for the next query)."""
        rows, tfs = self._postings(tid)
        held = rows, self._bm25(idf, tfs.astype(np.float64), self._length[rows], avgdl)
        if self._weights_held + len(rows) > WEIGHTS_HELD:
            self._forget_weights()
        self._weights[tid] = held
        self._weights_held += len(rows)
        return held

    def _forget_weights(self) -> None:
        self._weights = {}
        self._weights_held = 0

    def _gathered(
        self, term_ids: np.ndarray, idf: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row ids, term frequencies and IDFs of every posting of `term_ids`, term by term (the
        column matrix and the segment added since it was built)."""
        row_parts: list[np.ndarray] = [np.zeros(0, dtype=np.int32)]
        tf_parts: list[np.ndarray] = [np.zeros(0, dtype=np.float32)]
        idf_parts: list[np.ndarray] = [np.zeros(0)]
        for tid, term_idf in zip(term_ids.tolist(), idf.tolist(), strict=True):
            rows, tfs = self._postings(tid)
            if len(rows):
                row_parts.append(rows)
                tf_parts.append(tfs)
                idf_parts.append(np.full(len(rows), term_idf))
        tf = np.concatenate(tf_parts).astype(np.float64)
        return np.concatenate(row_parts), tf, np.concatenate(idf_parts)

    def coverages(
        self,
        query_terms: Sequence[str],
        rows: Sequence[int],
        equivalents: Callable[[str], Iterable[str]] | None = None,
    ) -> list[tuple[float, float]]:
        """For each of `rows`, IDF-weighted shares: of the row's terms found in the query, of the
        query's in the row.

        A term counts as found when spelt alike (rapidfuzz ratio >= 80, same first letter, five
        letters or more), credited by its similarity, so a misspelt message still covers its claim.
        Query terms absent from the index weigh as the rarest terms; ``equivalents`` (the
        glossary) names other terms that count as a query term found. The rows' terms are compared
        with the query in one rapidfuzz pass.
        """
        query = list(dict.fromkeys(query_terms))
        row_ids = [self._row_terms[row] for row in rows]
        columns: dict[int, int] = {}  # term id -> column of the similarity matrix
        for ids in row_ids:
            for tid in ids:
                columns.setdefault(tid, len(columns))
        if not query or not columns:
            return [(0.0, 0.0)] * len(rows)
        sim = self._found(query, columns, equivalents)
        column_idf = self.idf(np.fromiter(columns, dtype=np.int64, count=len(columns)))
        vocab = self._vocab
        known = [vocab.get(t, -1) for t in query]
        query_idf = np.full(len(query), math.log1p((self._n_alive + 0.5) / 0.5))  # the rarest
        found = [i for i, tid in enumerate(known) if tid >= 0]
        if found:
            query_idf[found] = self.idf(np.array([known[i] for i in found], dtype=np.int64))
        query_weight = float(query_idf.sum())
        # all rows at once: how often each row holds each column's term
        counts = np.zeros((len(row_ids), len(columns)))
        for r, ids in enumerate(row_ids):
            for tid in ids:
                counts[r, columns[tid]] += 1
        row_weight = counts @ column_idf
        row_found = counts @ (column_idf * sim.max(axis=0))  # each row term: its best query match
        # each query term: its best match among the row's terms
        best_in_row = np.where(counts[:, None, :] > 0, sim[None, :, :], 0.0).max(axis=2)
        query_found = best_in_row @ query_idf
        row_cov = np.divide(row_found, row_weight, out=np.zeros(len(rows)), where=row_weight > 0)
        return list(zip(row_cov.tolist(), (query_found / query_weight).tolist(), strict=True))

    def key_coverages(
        self,
        query_terms: Sequence[str],
        rows: Sequence[int],
        kinds: Sequence[Callable[[str], bool]],
        equivalents: Callable[[str], Iterable[str]] | None = None,
    ) -> list[list[float]]:
        """For each kind of key term (a predicate) and each of `rows`, the IDF-weighted share of
        the row's terms of that kind found in the query, as :meth:`coverages` finds them; 1.0 for
        a row without such terms.  The query is compared with every kind's terms in one pass."""
        query = list(dict.fromkeys(query_terms))
        columns: dict[int, int] = {}
        for row in rows:
            for tid in self._row_terms[row]:
                if any(is_key(self._terms[tid]) for is_key in kinds):
                    columns.setdefault(tid, len(columns))
        found = np.zeros(len(columns))
        if columns and query:
            found = self._found(query, columns, equivalents).max(axis=0)
            for tid, column in columns.items():  # or written with another ending than the
                # stemmer left ("Ресейді" -> "ресе", "Ресей" -> "ресей"), in any of its languages
                if found[column] < 1.0:
                    term = self._terms[tid]
                    forms = {term, *(equivalents(term) if equivalents else ())}
                    if any(_same_word(q, form) for q in query for form in forms):
                        found[column] = 1.0
        column_idf = self.idf(np.fromiter(columns, dtype=np.int64, count=len(columns)))
        shares = []
        for is_key in kinds:
            kind = []
            for row in rows:
                at = [columns[t] for t in self._row_terms[row] if is_key(self._terms[t])]
                weight = float(column_idf[at].sum())
                kind.append(float((column_idf[at] * found[at]).sum()) / weight if at else 1.0)
            shares.append(kind)
        return shares

    def _found(
        self,
        query: Sequence[str],
        columns: Mapping[int, int],
        equivalents: Callable[[str], Iterable[str]] | None,
    ) -> np.ndarray:
        """How far each query term (rows) finds each column's term: 1 spelt alike or an
        equivalent, a typo's similarity, else 0."""
        strs = [self._terms[tid] for tid in columns]
        sim = process.cdist(query, strs, scorer=fuzz.ratio, dtype=np.float32) / 100.0
        short = (
            np.array([len(t) < FUZZY_MIN_LENGTH for t in query])[:, None]
            | np.array([len(t) < FUZZY_MIN_LENGTH for t in strs])[None, :]
        )
        # typos seldom hit the first letter: "hello" is not a misspelt "shell"
        other_start = (
            np.array([t[0] for t in query])[:, None] != np.array([t[0] for t in strs])[None, :]
        )
        sim[(sim < FUZZY_MIN_SIMILARITY) | ((short | other_start) & (sim < 1.0))] = 0.0
        if equivalents is not None:  # a word's equivalent in another language counts as found
            vocab = self._vocab
            for i, term in enumerate(query):
                for other in equivalents(term):
                    column = columns.get(vocab.get(other, -1))
                    if column is not None:
                        sim[i, column] = 1.0
        return sim


def _same_word(a: str, b: str) -> bool:
    """Whether two stems are one word cut at two places: one begins the other, and they share at
    least :data:`SAME_WORD_PREFIX` letters."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= SAME_WORD_PREFIX and long.startswith(short)


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Row ids of the ``k`` best positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        part = np.argpartition(-scores[positive], k - 1)[:k]
        positive = positive[part]
    return positive[np.argsort(-scores[positive], kind="stable")]
