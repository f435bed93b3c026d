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
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_RUSSIAN
from scipy import sparse

from knowledge.normalise import (
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
_STOPWORDS = (
    frozenset(fold(w) for w in STOPWORDS_EN_PLUS)
    | frozenset(fold(w) for w in STOPWORDS_RUSSIAN)
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


@lru_cache(maxsize=65536)
def kazakh_stem(word: str) -> str:
    """Light Kazakh stemmer for a folded word: strips up to three inflectional suffixes."""
    for _ in range(3):
        for suffix in _KK_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word


_stemmers = threading.local()  # PyStemmer objects are not thread-safe


def _stemmer(language: str) -> Stemmer.Stemmer:
    stemmer = getattr(_stemmers, language, None)
    if stemmer is None:
        stemmer = Stemmer.Stemmer(language)
        setattr(_stemmers, language, stemmer)
    return stemmer


_TOKEN_RE = re.compile(r"[^\W_]+")


def _stem_cyrillic(word: str, kazakh: bool) -> str:
    return kazakh_stem(word) if kazakh else _stemmer("russian").stemWord(word)


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
    if alternates and not any(c.isdigit() for c in token):
        cyr = fold(latin_to_cyrillic(token))
        if cyr not in _STOPWORDS:
            return (english, _stem_cyrillic(cyr, kazakh))
    return (english,)


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


class SparseIndex:
    """BM25 over rows of terms with cheap live add/remove.

    Row ids are stable: a removed row keeps its id (masked out), new rows get new ids.
    """

    def __init__(self, *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._vocab: dict[str, int] = {}
        self._row_terms: list[np.ndarray] = []  # term ids per row (unique, int32)
        self._row_tf: list[np.ndarray] = []  # term frequencies per row (float32)
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

    # ---- sizes
    @property
    def n_rows(self) -> int:
        """Number of row ids handed out (alive or removed)."""
        return self._n_rows

    @property
    def n_alive(self) -> int:
        return self._n_alive

    # ---- building
    def _term_ids(self, terms: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(terms)
        vocab = self._vocab
        for term in counts:
            if term not in vocab:
                vocab[term] = len(vocab)
        ids = np.fromiter((vocab[t] for t in counts), dtype=np.int32, count=len(counts))
        tfs = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        return ids, tfs

    def _grow(self, rows: int) -> None:
        need = self._n_rows + rows
        if need > len(self._alive):
            cap = max(need, 2 * len(self._alive), 64)
            self._alive = np.concatenate([self._alive, np.zeros(cap - len(self._alive), bool)])
            self._length = np.concatenate(
                [self._length, np.zeros(cap - len(self._length), np.float32)]
            )
        if len(self._vocab) > len(self._df):
            cap = max(len(self._vocab), 2 * len(self._df), 256)
            self._df = np.concatenate([self._df, np.zeros(cap - len(self._df), np.int32)])

    def _append(self, ids: np.ndarray, tfs: np.ndarray) -> int:
        self._grow(1)
        row = self._n_rows
        self._row_terms.append(ids)
        self._row_tf.append(tfs)
        length = float(tfs.sum())
        self._length[row] = length
        self._alive[row] = True
        np.add.at(self._df, ids, 1)
        self._n_rows += 1
        self._n_alive += 1
        self._total_length += length
        return row

    def add_many(self, rows_terms: Iterable[Sequence[str]]) -> list[int]:
        """Add rows in bulk and rebuild the column matrix once; returns their row ids."""
        ids = [self._append(*self._term_ids(terms)) for terms in rows_terms]
        self._compact()
        return ids

    def add(self, terms: Sequence[str]) -> int:
        """Add one row (delta segment, merged later); returns its row id."""
        row = self._append(*self._term_ids(terms))
        tids, tfs = self._row_terms[row], self._row_tf[row]
        for tid, tf in zip(tids.tolist(), tfs.tolist(), strict=True):
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
        np.subtract.at(self._df, self._row_terms[row], 1)
        self._n_alive -= 1
        self._total_length -= float(self._length[row])
        self._row_terms[row] = np.zeros(0, dtype=np.int32)
        self._row_tf[row] = np.zeros(0, dtype=np.float32)

    def _compact(self) -> None:
        """Rebuild the column matrix from the stored term vectors of all rows."""
        n = self._n_rows
        if n:
            cols = np.concatenate(self._row_terms) if self._row_terms else np.zeros(0, np.int32)
            data = np.concatenate(self._row_tf) if self._row_tf else np.zeros(0, np.float32)
            lengths = np.fromiter((len(t) for t in self._row_terms), dtype=np.int64, count=n)
            rows = np.repeat(np.arange(n, dtype=np.int32), lengths)
        else:
            cols = rows = np.zeros(0, np.int32)
            data = np.zeros(0, np.float32)
        matrix = sparse.csc_array(
            (data, (rows, cols)), shape=(max(n, 1), max(len(self._vocab), 1)), dtype=np.float32
        )
        self._indptr = matrix.indptr.astype(np.int64, copy=False)
        self._indices = matrix.indices.astype(np.int32, copy=False)
        self._data = matrix.data
        self._main_rows = n
        self._delta = {}
        self._delta_rows = 0

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
        row_parts: list[np.ndarray] = []
        tf_parts: list[np.ndarray] = []
        idf_parts: list[np.ndarray] = []
        for tid, idf in zip(term_ids.tolist(), self.idf(term_ids).tolist(), strict=True):
            rows, tfs = self._postings(tid)
            if len(rows):
                row_parts.append(rows)
                tf_parts.append(tfs)
                idf_parts.append(np.full(len(rows), idf))
        if not row_parts:
            return np.zeros(n, dtype=np.float64)
        rows = np.concatenate(row_parts)
        tf = np.concatenate(tf_parts).astype(np.float64)
        dl = self._length[rows]
        k1, b = self.k1, self.b
        weights = np.concatenate(idf_parts) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
        out = np.bincount(rows, weights=weights, minlength=n)
        out[~self._alive[:n]] = 0.0
        return out

    def coverage(self, term_ids: np.ndarray, row: int, *, unknown: int = 0) -> tuple[float, float]:
        """IDF-weighted shares: of the row's terms found in the query, of the query's in the row.

        ``unknown`` counts query terms absent from the index (misspellings, new words); they weigh
        as the rarest terms in the query's share.
        """
        row_terms = self._row_terms[row]
        if not len(row_terms) or not len(term_ids):
            return 0.0, 0.0
        common = np.intersect1d(row_terms, term_ids, assume_unique=True)
        if not len(common):
            return 0.0, 0.0
        shared = float(self.idf(common).sum())
        rarest = math.log1p((self._n_alive + 0.5) / 0.5)
        query_mass = float(self.idf(term_ids).sum()) + unknown * rarest
        return shared / float(self.idf(row_terms).sum()), shared / query_mass


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Row ids of the ``k`` best positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        part = np.argpartition(-scores[positive], k - 1)[:k]
        positive = positive[part]
    return positive[np.argsort(-scores[positive], kind="stable")]
