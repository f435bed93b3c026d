"""The hand-written realistic evaluation sets (bench/data/README.md) keep their schema and their
rules: no message is a stored wording, every expected debunk exists, folds group by debunk."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from knowledge.formats.pack import parse_pack
from knowledge.matching.normalise import fold, normalise

BENCH = Path(__file__).resolve().parents[2] / "bench"
# loaded under its own name: "datasets" may be another package in sys.modules
_spec = importlib.util.spec_from_file_location("bench_datasets", BENCH / "datasets.py")
assert _spec is not None and _spec.loader is not None
data = importlib.util.module_from_spec(_spec)
sys.modules["bench_datasets"] = data  # dataclasses look their module up while being built
_spec.loader.exec_module(data)

FORMS = {"same-language", "cross-lingual", "kazakh", "long", "negative", "denial"}


def _key(text: str) -> str:
    return fold(normalise(text))


def _all_items() -> dict[str, list[data.RealisticItem]]:
    return {name: data.realistic_items(path) for name, path in data.REALISTIC_SETS.items()}


def test_the_base_is_one_language_and_one_or_two_wordings_per_debunk() -> None:
    document = json.loads(data.REALISTIC_SEED_BASE.read_text(encoding="utf-8"))
    parsed = parse_pack(document)
    assert not parsed.problems
    for debunk in document["debunks"]:
        languages = set(debunk["title"]) | {c["lang"] for c in debunk["claims"]}
        assert len(languages) == 1, debunk["slug"]
        assert 1 <= len(debunk["claims"]) <= 2, debunk["slug"]


def test_items_follow_the_schema_and_the_counts() -> None:
    sets = _all_items()
    base_slugs = {e.slug for e in data.seed_entries(data.REALISTIC_SEED_BASE)}
    for name, items in sets.items():
        texts = [item.text for item in items]
        assert len(texts) == len(set(texts)), f"{name}: a message is repeated"
        for item in items:
            assert item.lang in {"ru", "kk", "en"} and item.form in FORMS, item
            if item.form == "negative":
                assert item.slug is None and item.stance is None and item.kind, item
            elif item.form == "denial":
                assert item.slug in base_slugs and item.stance == "refutes", item
            else:
                assert item.slug and item.stance == "repeats", item
                if name in ("seed messages", "long posts, second set"):
                    assert item.slug in base_slugs, item
            if item.also:  # only EUvsDisinfo repeats its cases' claims
                assert name == "euvsdisinfo messages" and item.slug not in item.also, item
    assert len(sets["negatives"]) >= 150
    assert {i.lang for i in sets["negatives"]} == {"ru", "kk", "en"}
    assert len(sets["denials"]) >= 60
    assert {i.lang for i in sets["denials"]} == {"ru", "kk", "en"}
    assert len({i.slug for i in sets["euvsdisinfo messages"]}) >= 80


def test_no_message_is_a_stored_wording() -> None:
    stored = set()
    for path in (data.SEED_PACK, data.REALISTIC_SEED_BASE):
        for entry in data.seed_entries(path):
            stored |= {_key(t) for t in entry.titles.values()}
            stored |= {_key(c.text) for c in entry.claims}
    for name, items in _all_items().items():
        for item in items:
            assert _key(item.text) not in stored, f"{name}: {item.text}"


@pytest.mark.skipif(not data.EUVSDISINFO.exists(), reason="EUvsDisinfo case list not available")
def test_euvsdisinfo_messages_name_real_cases_and_are_not_their_titles() -> None:
    with open(data.EUVSDISINFO, encoding="utf-8", newline="") as f:
        titles = {row["id"]: row["title"] for row in csv.DictReader(f)}
    for item in data.realistic_items(data.REALISTIC_SETS["euvsdisinfo messages"]):
        assert item.slug in titles, item.slug
        assert item.lang != "en" and _key(item.text) != _key(titles[item.slug])
        for twin in item.also:  # another case making the same claim, judged by hand
            assert twin in titles and twin != item.slug, twin
            assert _key(item.text) != _key(titles[twin])


def test_folds_keep_each_debunk_in_one_test_fold() -> None:
    items = [item for items in _all_items().values() for item in items]
    splits = data.folds(items, 5)
    assert len(splits) == 5
    seen: dict[str, int] = {}
    tested = 0
    for f, (train, test) in enumerate(splits):
        assert len(train) + len(test) == len(items)
        tested += len(test)
        train_slugs = {i.slug for i in train if i.slug}
        for item in test:
            if item.slug:
                assert item.slug not in train_slugs
                assert seen.setdefault(item.slug, f) == f
    assert tested == len(items)
    assert data.folds(items, 5) == splits  # deterministic
