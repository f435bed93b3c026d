"""The `tekser` command line as a user runs it: output, exit codes, one-line errors."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.cli import _as_card, main
from knowledge.db.engines import create_engine_for, migrate
from knowledge.debunks.cards import DebunkCard
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.matching.matcher import Match, Matcher, MatchResult
from knowledge.moderation.audit import AuditEvent
from knowledge.moderation.roles import Moderator
from knowledge.newsroom import api_keys
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


def test_check_says_which_debunk_restates_another(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A base holding one claim twice: the listing says which debunk repeats the other."""
    twice = write_pack(tmp_path / "twice.json", ENTRY, with_changes(slug="nato-centre-again"))
    assert run(capsys, "import", str(twice))[0] == 0
    code, out, _ = run(capsys, "check", "--top", "2", "В Алматы открыли центр НАТО")
    assert code == 0
    listed = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert [row[1] for row in listed] == ["nato-centre-almaty", "nato-centre-again"]
    assert out.count("(restates nato-centre-almaty)") == 1 and "(restates" in out.splitlines()[-1]


def test_term_adds_lists_and_removes_glossary_groups(capsys: pytest.CaptureFixture[str]) -> None:
    group = "ru: прививка, вакцина; kk: екпе; en: vaccine"
    assert run(capsys, "term", "add", group)[1] == "Added term group #1.\n"
    code, out, _ = run(capsys, "term", "list")
    assert code == 0 and out.startswith("1\tru: прививка, вакцина; kk: екпе; en: vaccine\t")
    code, _, err = run(capsys, "term", "add", "ru: детская прививка")
    assert (
        code == 2
        and err == "tekser: детская прививка is not one word (letters and digits, no spaces).\n"
    )
    assert run(capsys, "term", "remove", "1")[1] == "Removed term group #1.\n"
    code, _, err = run(capsys, "term", "remove", "1")
    assert code == 2 and "no term group #1" in err and err.count("\n") == 1
    assert run(capsys, "term", "list")[1] == ""


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


def test_a_check_loads_neither_the_web_server_nor_telegram(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`tekser check` answers from the command line: importing the HTTP server, the public site
    and python-telegram-bot (for the webhook secret its logging hides) cost ~0.4 s of a 2 s
    start."""
    assert run(capsys, "seed")[0] == 0
    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "main(['check', 'В Алматы открыли центр НАТО'])\n"
        "print(sorted(m for m in ('bot.web', 'telegram', 'starlette') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert "nato-centre-almaty" in done.stdout
    assert done.stdout.rstrip().endswith("[]")


# ------------------------------------------------------------------ moderators and API keys


def test_moderators_from_the_shell(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEKSER_OWNER_IDS", "5")
    assert run(capsys, "moderator", "add", "42", "--role", "admin", "--name", "Aliya") == (
        0, "42 is now admin.\n", "",
    )  # fmt: skip
    assert run(capsys, "moderator", "add", "43")[1] == "43 is now editor.\n"
    code, out, _ = run(capsys, "moderator", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "5\towner\t(TEKSER_OWNER_IDS)"
    assert lines[1].startswith("42\tadmin\tAliya\t") and lines[2].startswith("43\teditor\t")
    assert run(capsys, "moderator", "remove", "43")[1] == "43 is no longer editor.\n"
    code, _, err = run(capsys, "moderator", "remove", "43")
    assert code == 2 and err == (
        "tekser: 43 is not a stored moderator (owners are set in TEKSER_OWNER_IDS).\n"
    )


def test_the_shell_grants_through_the_same_service_as_grant(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    """`tekser moderator add` is /grant by the owners' console: the same audit record, and
    the same refusal to give an owner a role."""
    monkeypatch.setenv("TEKSER_OWNER_IDS", "5")
    assert run(capsys, "moderator", "add", "42")[0] == 0
    assert run(capsys, "moderator", "add", "42", "--role", "admin")[0] == 0
    code, out, err = run(capsys, "moderator", "add", "5")
    assert (
        (code, out) == (2, "") and err.startswith("tekser: 5 is an owner") and err.count("\n") == 1
    )
    engine = create_engine_for(database)
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        stored = session.get(Moderator, 42)
    engine.dispose()
    assert [(e.action, e.actor_id, e.actor_name, e.before, e.after) for e in events] == [
        ("grant", 0, "tekser (shell)", None, {"user_id": 42, "role": "editor"}),
        (
            "grant",
            0,
            "tekser (shell)",
            {"role": "editor", "user_id": None},
            {"role": "admin", "user_id": 42},
        ),
    ]
    assert stored is not None and stored.granted_by is None


def test_apikey_commands(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "apikey", "list") == (
        0,
        "No API keys yet: create one with `tekser apikey create NAME`.\n",
        "",
    )
    code, out, err = run(capsys, "apikey", "create", "newsroom-kz")
    assert code == 0
    key = out.strip()  # the key alone on stdout, for scripts
    assert key.startswith("tk_") and "shown only this once" in err

    code, out, _ = run(capsys, "apikey", "list")
    assert code == 0 and out.startswith("newsroom-kz\tcreated ") and out.rstrip().endswith("active")
    assert key not in out and hashlib.sha256(key.encode()).hexdigest() not in out

    code, out, _ = run(capsys, "apikey", "revoke", "newsroom-kz")
    assert code == 0 and "revoked" in out
    assert "\trevoked " in run(capsys, "apikey", "list")[1]

    engine = create_engine_for(database)
    migrate(engine)
    with KnowledgeBase(engine, Matcher()).session() as session:
        assert api_keys.active_key(session, key=key) is None
    engine.dispose()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("apikey", "revoke", "ghost"), "tekser: no API key is named 'ghost'\n"),
        (("apikey", "create", "bad name"), "tekser: 'bad name' is not a usable name"),
    ],
)
def test_apikey_mistakes_get_one_line(
    database: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_creating_a_name_twice_is_refused(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "apikey", "create", "paper")
    code, out, err = run(capsys, "apikey", "create", "paper")
    assert code == 2 and out == "" and "exists already" in err


def test_api_keys_from_the_shell_are_audited(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    run(capsys, "apikey", "create", "paper")
    run(capsys, "apikey", "revoke", "paper")
    engine = create_engine_for(database)
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    engine.dispose()
    assert [(e.action, e.actor_name, e.before, e.after) for e in events] == [
        ("apikey-create", "tekser (shell)", None, {"name": "paper"}),
        ("apikey-revoke", "tekser (shell)", {"name": "paper"}, None),
    ]


def test_check_on_an_empty_base_imports_the_seed_pack_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "check", "В Алматы открыли центр НАТО")
    assert code == 0
    assert "Debunk: nato-centre-almaty" in out  # as the README promises, without `tekser seed`
    assert err.startswith("The base was empty: imported the bundled seed pack")
    assert run(capsys, "check", "В Алматы открыли центр НАТО")[2] == ""  # once


def test_the_card_is_in_the_querys_language_unless_asked_otherwise(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(capsys, "seed")
    claim = run(capsys, "check", "В Алматы открыли центр НАТО")[1].splitlines()[3]
    assert claim.startswith("Claim: ") and any("а" <= c <= "я" for c in claim.lower())
    english = run(capsys, "check", "--lang", "en", "В Алматы открыли центр НАТО")[1]
    claim = english.splitlines()[3]
    assert claim.startswith("Claim: ") and not any("а" <= c <= "я" for c in claim.lower())


@pytest.mark.parametrize(
    "argv",
    [
        ("moderator", "add", "--", "-5"),
        ("moderator", "remove", "0"),
        ("check", "--lang", "xx", "text"),
    ],
)
def test_impossible_ids_and_languages_are_refused(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit) if "--lang" in argv else contextlib.nullcontext():
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "" and err.count("\n") == 1
    if "--lang" in argv:
        assert "invalid choice: 'xx'" in capsys.readouterr().err


README_EXAMPLE = {
    "format": "debunk-pack/1",
    "debunks": [
        {
            "slug": "nato-centre-almaty",
            "verdict": "false",
            "title": {"en": "…", "ru": "…", "kk": "…"},
            "disproof": {"en": "…", "ru": "…", "kk": "…"},
            "claims": [{"lang": "ru", "text": "В Алматы открыли центр НАТО"}],
            "sources": [{"url": "https://…", "title": "…", "publisher": "…"}],
            "appearances": ["https://t.me/…"],
            "tags": ["nato"],
            "published": "2022-10-26",
            "status": "published",
        }
    ],
}


def test_the_readmes_placeholder_pack_is_refused_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "seed")
    path = tmp_path / "example.json"
    path.write_text(json.dumps(README_EXAMPLE, ensure_ascii=False), encoding="utf-8")
    code, _, err = run(capsys, "import", str(path))
    assert code == 1 and "placeholder" in err and "Nothing imported" in err
    assert "Disproof: …" not in run(capsys, "check", "В Алматы открыли центр НАТО")[1]


def test_an_import_does_not_make_a_richer_debunk_poorer_without_replace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "seed")
    exported = tmp_path / "base.json"
    run(capsys, "export", "-o", str(exported))
    nato = next(
        d for d in json.loads(exported.read_text())["debunks"] if d["slug"] == "nato-centre-almaty"
    )
    assert len(nato["claims"]) > 1
    poorer = {**nato, "claims": nato["claims"][:1], "tags": ["nato", "edited"]}
    path = tmp_path / "poorer.json"
    path.write_text(json.dumps({"format": "debunk-pack/1", "debunks": [poorer]}), encoding="utf-8")

    code, out, err = run(capsys, "import", str(path))
    assert code == 0 and "0 updated" in out and "1 kept" in out
    dropped = len(nato["claims"]) - 1
    assert f"nato-centre-almaty: kept as it is: the file lacks {dropped} of its" in err
    assert "--replace" in err
    code, out, _ = run(capsys, "import", "--replace", str(path))
    assert code == 0 and "1 updated" in out


def test_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith("tekser 0.")


def test_export_says_how_many_debunks_it_wrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "seed")
    for fmt in ("claimreview", "pack"):
        path = tmp_path / f"{fmt}.json"
        code, out, _ = run(capsys, "export", "--format", fmt, "-o", str(path))
        document = json.loads(path.read_text(encoding="utf-8"))
        if fmt == "pack":
            written = len(document["debunks"])
        else:  # one ClaimReview per debunk and language
            written = len({review["identifier"] for review in document["dataFeedElement"]})
        assert code == 0 and written > 0
        assert out.strip() == f"Exported {written} debunks to {path}"


def test_the_card_printed_is_the_one_the_verdict_answers_with() -> None:
    """A "match" verdict may come from a debunk restating the one ranked first: the card printed
    is the answered one, as the bot shows it."""

    class Cards:
        def card(self, slug: str) -> DebunkCard:
            return DebunkCard(slug, "false", "published", {"en": f"title of {slug}"}, {"en": "no"})

    result = MatchResult(
        "q",
        "match",
        (
            Match("short", 0.93, "possible", "w", "q", restates="long"),
            Match("long", 0.95, "match", "w", "q"),
        ),
    )
    printed = _as_card(result, Cards(), "en")  # type: ignore[arg-type]
    assert "Debunk: long (false)" in printed and "Claim: title of long" in printed
