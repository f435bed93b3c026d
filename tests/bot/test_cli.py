"""The `tekser` command line as a user runs it: output, exit codes, one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.knowledge.formats.test_formats import ENTRY, pack, with_changes


@pytest.fixture(autouse=True)
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TEKSER_DATABASE_URL", url)
    monkeypatch.setenv("TEKSER_SEMANTIC", "false")
    monkeypatch.delenv("TEKSER_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_pack(path: Path, *entries: dict) -> Path:
    path.write_text(json.dumps(pack(*entries), ensure_ascii=False), encoding="utf-8")
    return path


def test_check_finds_the_nato_debunk_after_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "seed")[0] == 0
    code, out, _ = run(capsys, "check", "В Алматы открыли центр НАТО")
    assert code == 0
    assert "Verdict: match" in out
    assert "Debunk: nato-centre-almaty" in out
    assert "Disproof:" in out and "Source:" in out


def test_check_json_batch_answers_every_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "seed")
    lines = [
        "В Алматы открыли центр НАТО",
        "",
        "Hello there",
        "Казахстан — искусственное государство",
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = run(capsys, "check", "--json", "--top", "5")
    assert code == 0
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["query"] for a in answers] == lines
    assert answers[0]["verdict"] == "match"
    assert answers[0]["matches"][0]["slug"] == "nato-centre-almaty"
    assert set(answers[0]["matches"][0]) >= {"slug", "score", "verdict", "title", "matched"}
    assert answers[0]["matches"][0]["verdict"] == "false"
    assert answers[1]["verdict"] == "none"
    assert answers[2]["verdict"] == "none"
    assert answers[3]["matches"][0]["slug"] == "kazakhstan-artificial-state"


def test_invalid_pack_lists_every_problem_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = write_pack(
        tmp_path / "bad.json",
        ENTRY,
        with_changes(slug="second-one", verdict="fake"),
        with_changes(slug="third-one", sources=[{"url": "not-a-url"}]),
    )
    code, _, err = run(capsys, "import", str(bad))
    assert code == 1
    assert "debunks[1] (second-one).verdict" in err
    assert "debunks[2] (third-one).sources[0].url: not an http(s) URL" in err
    assert "Nothing imported" in err
    code, out, _ = run(capsys, "export")
    assert json.loads(out)["debunks"] == []


def test_skip_invalid_imports_the_valid_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = write_pack(tmp_path / "bad.json", ENTRY, with_changes(slug="second-one", verdict="x"))
    code, out, err = run(capsys, "import", "--skip-invalid", str(bad))
    assert code == 0
    assert "1 created" in out and "1 rejected" in out
    assert "second-one" in err


def test_second_import_says_nothing_changed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = write_pack(tmp_path / "good.json", ENTRY)
    assert "1 created" in run(capsys, "import", str(good))[1]
    code, out, _ = run(capsys, "import", str(good))
    assert code == 0
    assert "0 created, 0 updated, 1 unchanged" in out
    assert "Nothing changed" in out


def test_export_import_round_trip_through_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "seed")
    original = json.loads(run(capsys, "export")[1])["debunks"]
    for fmt in ("pack", "claimreview"):
        out_file = tmp_path / f"export-{fmt}.json"
        monkeypatch.setenv("TEKSER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
        assert run(capsys, "export", "--format", fmt, "-o", str(out_file))[0] == 0
        monkeypatch.setenv("TEKSER_DATABASE_URL", f"sqlite:///{tmp_path / f'{fmt}.db'}")
        code, out, err = run(capsys, "import", str(out_file))
        assert code == 0, err
        assert f"{len(original)} created" in out
        copied = json.loads(run(capsys, "export")[1])["debunks"]
        if fmt == "pack":
            assert copied == original
        else:  # ClaimReview carries all but the order of wordings across languages
            for mine, theirs in zip(copied, original, strict=True):
                assert mine["slug"] == theirs["slug"] and mine["title"] == theirs["title"]
                assert mine["disproof"] == theirs["disproof"]
                assert mine["sources"] == theirs["sources"]
                assert sorted(map(str, mine["claims"])) == sorted(map(str, theirs["claims"]))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import", "missing.json"], "missing.json: no such file"),
        (["check", "x", "--top", "0"], "--top takes a number from 1 to 50"),
        (["run"], "@BotFather"),
        (["export", "-o", "/nonexistent-dir/x.json"], "cannot write"),
    ],
)
def test_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_malformed_setting_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEKSER_OWNER_IDS", "12,abc")
    code, _, err = run(capsys, "export")
    assert code == 2
    assert "TEKSER_OWNER_IDS" in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_command_exits_non_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "frobnicate"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.mark.parametrize(
    ("argv", "stdin", "code", "expected"),
    [
        (["check", "В Алматы открыли центр НАТО"], "", 0, "Debunk: nato-centre-almaty"),
        (["check", "--json"], "В Алматы открыли центр НАТО\n" * 300, 0, '"nato-centre-almaty"'),
        (["check", "--top", "0", "x"], "", 2, "--top takes a number from 1 to 50"),
        (["seed"], "", 0, "Seed pack: 0 created"),
        (["run"], "", 2, "No bot token: create a bot with @BotFather"),
    ],
)
def test_the_tekser_command_prints_everything_and_exits_with_its_code(
    capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str, code: int, expected: str
) -> None:
    """`tekser check` leaves without tearing its index down: nothing printed may be lost."""
    assert run(capsys, "seed")[0] == 0
    done = subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == code
    assert expected in done.stdout + done.stderr
    if "--json" in argv:
        assert len(done.stdout.splitlines()) == 300  # every line answered, the last one too
