"""The built index kept on disk: read back instead of rebuilt while the base is unchanged, built
again when a debunk changes or a file is damaged, with vectors beside it."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from knowledge.matching.embedding import InMemoryVectorCache
from knowledge.matching.index_store import IndexStore, index_key
from knowledge.matching.matcher import ClaimText, DebunkEntry, Matcher
from tests.support.embedders import hash_vectors

ENTRIES = [
    DebunkEntry(
        "nato-centre-almaty",
        "false",
        {"ru": "В Алматы открылся центр НАТО", "en": "NATO opened a centre in Almaty"},
        (
            ClaimText("ru", "В Алматы открыли миротворческий центр НАТО"),
            ClaimText("kk", "Алматыда НАТО орталығы ашылды"),
        ),
        appearances=("https://example.org/nato",),
    ),
    DebunkEntry(
        "vaccine-chips",
        "false",
        {"ru": "В вакцинах от COVID-19 есть микрочипы"},
        (ClaimText("en", "COVID vaccines contain microchips to track people"),),
    ),
    DebunkEntry(
        "water-shortage-2030",
        "misleading",
        {"en": "Kazakhstan will run out of drinking water by 2030"},
        (ClaimText("ru", "К 2030 году в Казахстане закончится питьевая вода"),),
    ),
]
MESSAGES = [
    "В Алматы открыли центр НАТО!",
    "Microchips are in the covid vaccines",
    "Казахстан останется без питьевой воды к 2030 году",
    "Алматыда НАТО орталығы ашылды ма?",
    "погода сегодня хорошая",
    "https://example.org/nato",
]


class HashEmbedder:
    """Deterministic unit vectors from the text's hash; counts what it embeds."""

    model_id = "hash/1"

    def __init__(self) -> None:
        self.passages = 0
        self.queries = 0

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        return hash_vectors(texts, 32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.queries += len(texts)
        return self._vectors(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages += len(texts)
        return self._vectors(texts)


def answers(matcher: Matcher) -> list[object]:
    return [matcher.match_message(text, top=3) for text in MESSAGES]


def never_analysed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Matcher, entry: DebunkEntry) -> object:
        raise AssertionError(f"{entry.slug} was analysed again")

    monkeypatch.setattr(Matcher, "_rows_of", refuse)


def test_an_unchanged_base_is_read_back_and_answers_as_built(tmp_path, monkeypatch) -> None:
    store = IndexStore(tmp_path)
    built = Matcher(lexical_gate=None)
    built.load(ENTRIES)
    assert store.save(built, ENTRIES) == tmp_path / index_key(ENTRIES)
    never_analysed(monkeypatch)
    read = Matcher(lexical_gate=None)
    assert store.load(read, ENTRIES)
    assert answers(read) == answers(built)
    assert read.entry("vaccine-chips") is ENTRIES[1]


def test_a_changed_debunk_is_built_again_and_its_new_wording_found(tmp_path) -> None:
    store = IndexStore(tmp_path)
    matcher = Matcher()
    matcher.load(ENTRIES)
    store.save(matcher, ENTRIES)
    wording = "Пресс-служба НАТО объявила об открытии базы в Алматы"
    edited = [
        replace(ENTRIES[0], claims=(*ENTRIES[0].claims, ClaimText("ru", wording))),
        *ENTRIES[1:],
    ]
    assert index_key(edited) != index_key(ENTRIES)
    fresh = Matcher()
    assert not store.load(fresh, edited)  # the stored index is of the base before the edit
    fresh.load(edited)
    store.save(fresh, edited)
    again = Matcher()
    assert store.load(again, edited)
    found = again.match_message("НАТО объявила об открытии базы в Алматы")
    assert found.matches[0].slug == "nato-centre-almaty"
    assert found.matches[0].matched == wording


@pytest.mark.parametrize("damage", ["truncated", "emptied", "meta"])
def test_a_damaged_index_is_ignored_and_built_again(tmp_path, caplog, damage) -> None:
    store = IndexStore(tmp_path)
    built = Matcher()
    built.load(ENTRIES)
    path = store.save(built, ENTRIES)
    assert path is not None
    if damage == "truncated":  # a crash while copying, a full disk
        target = path / "words.indices.npy"
        target.write_bytes(target.read_bytes()[:-9])
    elif damage == "emptied":
        (path / "rows.json").write_text("", encoding="utf-8")
    else:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        meta["words"]["n_rows"] += 1
        (path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    caplog.set_level(logging.WARNING)
    matcher = Matcher()
    assert not store.load(matcher, ENTRIES)
    assert "damaged matcher index" in caplog.text
    matcher.load(ENTRIES)
    store.save(matcher, ENTRIES)  # put in place of the damaged one
    again = Matcher()
    assert store.load(again, ENTRIES)
    assert answers(again) == answers(built)


def test_a_directory_without_its_meta_file_is_not_an_index(tmp_path) -> None:
    """What a writer leaves when it dies before the last file: never read."""
    store = IndexStore(tmp_path)
    built = Matcher()
    built.load(ENTRIES)
    path = store.save(built, ENTRIES)
    assert path is not None
    (path / "meta.json").unlink()
    assert not store.load(Matcher(), ENTRIES)


def test_vectors_are_kept_beside_the_index_and_memory_mapped(tmp_path, monkeypatch) -> None:
    store = IndexStore(tmp_path)
    cache = InMemoryVectorCache()
    built = Matcher(embedder=HashEmbedder(), vectors=cache, lexical_gate=None)
    built.load(ENTRIES)
    path = store.save(built, ENTRIES)
    assert path is not None
    assert len(list(path.glob("vectors-*.npy"))) == 1
    never_analysed(monkeypatch)
    embedder = HashEmbedder()
    read = Matcher(embedder=embedder, vectors=InMemoryVectorCache(), lexical_gate=None)
    assert store.load(read, ENTRIES)
    assert embedder.passages == 0  # nothing embedded, nothing looked up: the file has them
    vectors = read.row_vectors()
    assert isinstance(vectors, np.memmap)
    assert answers(read) == answers(built)
    assert all("semantic" in m.matches[0].evidence for m in answers(read)[:3])


def test_a_debunk_added_after_a_read_index_grows_its_vectors(tmp_path) -> None:
    """The memory-mapped vectors are read-only: a new row moves them into memory first."""
    store = IndexStore(tmp_path)
    built = Matcher(embedder=HashEmbedder(), vectors=InMemoryVectorCache())
    built.load(ENTRIES)
    store.save(built, ENTRIES)
    read = Matcher(embedder=HashEmbedder(), vectors=InMemoryVectorCache())
    assert store.load(read, ENTRIES)
    read.upsert(
        DebunkEntry("five-g-virus", "false", {"en": "5G towers spread the coronavirus"}, ())
    )
    read.remove("vaccine-chips")
    result = read.match_message("5G towers are spreading the coronavirus")
    assert result.matches[0].slug == "five-g-virus"
    assert "vaccine-chips" not in {m.slug for m in read.match_message(MESSAGES[1]).matches}


def test_missing_vectors_leave_the_matcher_lexical_until_they_are_stored(tmp_path) -> None:
    store = IndexStore(tmp_path)
    lexical = Matcher()
    lexical.load(ENTRIES)
    store.save(lexical, ENTRIES)  # built without the semantic extra: no vectors
    cache = InMemoryVectorCache()
    embedder = HashEmbedder()
    matcher = Matcher(embedder=embedder, vectors=cache)
    assert store.load(matcher, ENTRIES, embed_missing=False)
    assert matcher.semantic_pending == len(set(matcher.row_texts()))
    result = matcher.match_message(MESSAGES[0])
    assert result.matches[0].slug == "nato-centre-almaty"
    assert embedder.queries == embedder.passages == 0  # lexical: the message is not embedded
    matcher.upsert(DebunkEntry("five-g-virus", "false", {"en": "5G towers spread the virus"}, ()))
    assert matcher.row_vectors() is None  # no semantic channel over a part of the base
    # stored meanwhile (`tekser embed`, another worker): the next load is semantic
    texts = lexical.row_texts()
    cache.put_many(embedder.model_id, dict(zip(texts, embedder._vectors(texts), strict=True)))
    again = Matcher(embedder=HashEmbedder(), vectors=cache, lexical_gate=None)
    assert store.load(again, ENTRIES, embed_missing=False)
    assert again.semantic_pending == 0
    assert again.row_vectors() is not None
    assert "semantic" in again.match_message(MESSAGES[0]).matches[0].evidence


def test_embedding_reports_progress_and_stores_every_batch(tmp_path) -> None:
    cache = InMemoryVectorCache()
    matcher = Matcher(embedder=HashEmbedder(), vectors=cache)
    seen: list[tuple[int, int]] = []
    many = [
        DebunkEntry(f"claim-{i}", "false", {"en": f"claim number {i} about towers {i * 7}"}, ())
        for i in range(150)
    ]
    matcher.load(many, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 150) and seen[-1] == (150, 150) and len(seen) == 4  # 64 a batch
    assert len(cache) == 150


def test_old_indexes_are_pruned(tmp_path) -> None:
    store = IndexStore(tmp_path)
    for n in range(1, 6):
        entries = ENTRIES[:1] + [
            DebunkEntry(f"extra-{i}", "false", {"en": f"extra claim {i}"}, ()) for i in range(n)
        ]
        matcher = Matcher()
        matcher.load(entries)
        store.save(matcher, entries)
    kept = [p for p in Path(tmp_path).iterdir() if (p / "meta.json").exists()]
    assert len(kept) == 3
    assert tmp_path / index_key(entries) in kept


def test_a_read_index_takes_many_new_debunks(tmp_path) -> None:
    """Past a few hundred added rows the postings are merged from every row's stored terms."""
    store = IndexStore(tmp_path)
    built = Matcher()
    built.load(ENTRIES)
    store.save(built, ENTRIES)
    read = Matcher()
    assert store.load(read, ENTRIES)
    read.remove("water-shortage-2030")
    for i in range(600):  # past the merge of the added segment (512 rows)
        read.upsert(
            DebunkEntry(
                f"tower-{i}", "false", {"en": f"Tower {i} in town {i * 3} spreads fever"}, ()
            )
        )
    assert read.match_message("Tower 123 in town 369 spreads fever").matches[0].slug == "tower-123"
    assert read.match_message(MESSAGES[0]).matches[0].slug == "nato-centre-almaty"
    assert "water-shortage-2030" not in {m.slug for m in read.match_message(MESSAGES[2]).matches}


def test_a_worker_building_the_same_index_leaves_the_first_copy_in_place(tmp_path) -> None:
    """Workers starting together on one base each build it; the first copy written is kept
    (another worker may be reading it) and the others' are dropped."""
    first, second = IndexStore(tmp_path), IndexStore(tmp_path)
    for store in (first, second):
        assert not store.load(Matcher(), ENTRIES)
    built = Matcher()
    built.load(ENTRIES)
    path = first.save(built, ENTRIES)
    assert path is not None
    written = (path / "meta.json").stat().st_ino
    assert second.save(built, ENTRIES) == path
    assert (path / "meta.json").stat().st_ino == written
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind
    assert first.load(Matcher(), ENTRIES)
