"""Files that would break an import further down (a NUL PostgreSQL cannot store, JSON nested past
the parser's limit, a CSV field past the csv module's) are refused at validation, in one line
that says where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from knowledge.formats.registry import ExchangeError, read_text


def pack(**changes: Any) -> str:
    entry: dict[str, Any] = {
        "slug": "nato-centre-almaty",
        "verdict": "false",
        "title": {"ru": "В Алматы открыли центр НАТО"},
        "disproof": {"ru": "Никакого центра НАТО в Алматы нет."},
        "claims": [{"lang": "ru", "text": "В Алматы открыли центр НАТО"}],
        "sources": [{"url": "https://factcheck.kz/a", "title": "Factcheck.kz"}],
        **changes,
    }
    return json.dumps({"format": "debunk-pack/1", "debunks": [entry]}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"claims": [{"lang": "ru", "text": "центр\x00НАТО"}]}, ".claims[0].text"),
        ({"title": {"ru": "НАТО\x00"}}, ".title.ru"),
        ({"sources": [{"url": "https://x.kz/a", "publisher": "\x00"}]}, ".sources[0].publisher"),
        ({"tags": ["nato", "a\x00b"]}, ".tags[1]"),
    ],
)
def test_a_nul_character_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    result = read_text("pack.json", pack(**changes))
    assert result.debunks == []
    assert result.problems == [
        f"pack.json: debunks[0] (nato-centre-almaty){field}: contains a NUL character "
        "(\\u0000), which cannot be stored"
    ]


@pytest.mark.parametrize(
    "text", ["[" * 100_000 + "]" * 100_000, '{"a": ' * 5000 + "1" + "}" * 5000]
)
def test_json_nested_past_the_parser_is_one_clear_line(text: str) -> None:
    for fmt in (None, "pack", "claimreview"):
        with pytest.raises(ExchangeError, match=r"^pack\.json: the JSON is nested too deeply"):
            read_text("pack.json", text, fmt=fmt)


def test_an_entry_nested_as_deep_as_the_parser_allows_is_just_invalid() -> None:
    deep: Any = "x"
    for _ in range(900):
        deep = [deep]
    result = read_text("pack.json", pack(tags=deep))
    assert result.debunks == [] and len(result.problems) >= 1


def test_a_csv_field_past_the_csv_limit_is_one_clear_line() -> None:
    text = (
        "date,id,title,countries,keywords,languages,outlets\n"
        "2022-10-26,https://euvsdisinfo.eu/report/a,NATO base in Almaty,KZ,NATO,ru,x\n"
        f'2022-10-27,https://euvsdisinfo.eu/report/b,"{"x" * 200_000}",KZ,NATO,ru,x\n'
    )
    result = read_text("cases.csv", text)
    assert [d.slug for d in result.debunks] == ["eu-a"]
    assert result.problems == [
        "cases.csv: line 3: a field is longer than 131,072 characters; "
        "the rest of the file was not read"
    ]


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("deep.json", "[" * 100_000, "nested too deeply"),
        ("nul.json", pack(claims=[{"lang": "ru", "text": "a\x00b"}]), "NUL character"),
        (
            "big.csv",
            'date,id,title\n2022-01-01,https://e.eu/r/x,"' + "y" * 140_000 + '"\n',
            "131,072",
        ),
    ],
)
def test_tekser_import_says_it_in_lines_without_a_traceback(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str,
    says: str,
) -> None:
    monkeypatch.setenv("TEKSER_DATABASE_URL", f"sqlite:///{tmp_path / 'tekser.db'}")
    monkeypatch.setenv("TEKSER_SEMANTIC", "false")
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert main(["import", str(path)]) != 0
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert len(err.splitlines()) <= 2
