"""Exchange formats without a database: debunk-pack/1 validation, ClaimReview, EUvsDisinfo CSV."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from knowledge.debunks.knowledge_base import seed_pack
from knowledge.formats.claimreview import from_claimreviews, to_datafeed, verdict_from_rating
from knowledge.formats.euvsdisinfo import from_euvsdisinfo_csv
from knowledge.formats.pack import parse_pack
from knowledge.formats.registry import ExchangeError, detect_format, read_files, read_text

ENTRY: dict[str, Any] = {
    "slug": "nato-centre-almaty",
    "verdict": "false",
    "title": {"en": "NATO opened a centre in Almaty", "ru": "В Алматы открыли центр НАТО"},
    "disproof": {"en": "It is a conference hall of the ministry's own centre."},
    "claims": [
        {"lang": "ru", "text": "В Алматы открыли центр НАТО"},
        {"lang": "en", "text": "NATO peacekeeping centre opened in Almaty"},
    ],
    "sources": [{"url": "https://www.gov.kz/", "title": "MoD", "publisher": "Ministry"}],
    "appearances": ["https://t.me/some_channel/123"],
    "tags": ["nato"],
    "published": "2022-10-26",
    "status": "published",
}


def pack(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"format": "debunk-pack/1", "debunks": [copy.deepcopy(e) for e in entries]}


def with_changes(**changes: Any) -> dict[str, Any]:
    entry = copy.deepcopy(ENTRY)
    entry.update(changes)
    return entry


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (with_changes(slug="NATO centre"), "debunks[0] (NATO centre).slug: must be 3-80"),
        (with_changes(verdict="fake"), "debunks[0] (nato-centre-almaty).verdict: Input should be"),
        (with_changes(title={}), ".title: needs at least one language"),
        (with_changes(title={"english": "x"}), ".title: 'english' is not an ISO 639-1"),
        (with_changes(claims=[]), "claims: needs at least one claim wording"),
        (
            with_changes(sources=[{"url": "ftp://example.org/x"}]),
            "debunks[0] (nato-centre-almaty).sources[0].url: not an http(s) URL",
        ),
        (with_changes(appearances=["t.me/x"]), ".appearances[0]: not an http(s) URL"),
        (with_changes(published="26.10.2022"), ".published: Input should be a valid date"),
        (with_changes(status="live"), ".status: Input should be"),
        (with_changes(colour="red"), ".colour: unknown field"),
    ],
)
def test_invalid_entry_is_reported_with_its_place(entry: dict[str, Any], problem: str) -> None:
    parsed = parse_pack(pack(entry))
    assert parsed.debunks == []
    assert any(problem in p for p in parsed.problems), parsed.problems


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    bad_one = with_changes(slug="x")
    bad_two = with_changes(slug="other-debunk", sources=[{"url": "nope"}], claims=[])
    parsed = parse_pack(pack(ENTRY, bad_one, bad_two, ENTRY))
    assert [d.slug for d in parsed.debunks] == ["nato-centre-almaty"]
    joined = "\n".join(parsed.problems)
    assert "debunks[1] (x).slug" in joined
    assert "debunks[2] (other-debunk).sources[0].url: not an http(s) URL" in joined
    assert "debunks[2] (other-debunk).claims" in joined
    assert "debunks[3] (nato-centre-almaty).slug: duplicate of debunks[0]" in joined


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "expected a JSON object"),
        ({"format": "debunk-pack/2", "debunks": []}, "format: expected 'debunk-pack/1'"),
        ({"format": "debunk-pack/1"}, "debunks: expected a list"),
    ],
)
def test_not_a_pack(document: Any, problem: str) -> None:
    assert problem in parse_pack(document).problems[0]


def test_claimreview_round_trip_keeps_what_the_format_carries() -> None:
    original = parse_pack(pack(ENTRY)).debunks[0].canonical()
    entries, problems = from_claimreviews(to_datafeed([original]))
    assert problems == []
    back = parse_pack({"format": "debunk-pack/1", "debunks": entries}).debunks[0].canonical()
    for key in ("slug", "verdict", "title", "sources", "appearances", "tags", "published"):
        assert back[key] == original[key], key
    assert sorted(map(str, back["claims"])) == sorted(map(str, original["claims"]))
    assert back["disproof"]["en"] == original["disproof"]["en"]


def test_foreign_claimreview_single_object() -> None:
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://factcheck.example/nato-almaty",
        "claimReviewed": "NATO opened a base in Almaty",
        "author": {"@type": "Organization", "name": "Factcheck.kz"},
        "reviewRating": {"@type": "Rating", "alternateName": "Pants on Fire"},
        "itemReviewed": {"@type": "Claim", "appearance": [{"url": "https://t.me/chan/1"}]},
        "inLanguage": "en",
    }
    entries, problems = from_claimreviews(review)
    assert problems == []
    parsed = parse_pack({"format": "debunk-pack/1", "debunks": entries})
    assert parsed.problems == []
    debunk = parsed.debunks[0]
    assert debunk.verdict == "false"
    assert debunk.appearances == ["https://t.me/chan/1"]
    assert debunk.sources[0].url == "https://factcheck.example/nato-almaty"
    assert debunk.sources[0].publisher == "Factcheck.kz"


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("False", "false"),
        ("Mostly False", "misleading"),
        ("Missing context", "missing-context"),
        ("Unproven", "unproven"),
        ("Fake", "false"),
        ("True", None),
    ],
)
def test_rating_names(name: str, verdict: str | None) -> None:
    assert verdict_from_rating(name) == verdict


def test_euvsdisinfo_rows_become_debunks() -> None:
    csv_text = (
        "date,id,title,countries,keywords,languages,outlets\n"
        "2021-02-18,https://euvsdisinfo.eu/report/german-special-services-helped-navalny/,"
        "German special services helped Navalny,Russia+Germany,Alexei Navalny+Vladimir Putin,"
        "Russian,TASS - Russian\n"
        "2021-02-18,,no id here,,,,\n"
    )
    entries, problems = from_euvsdisinfo_csv(csv_text)
    assert problems == ["line 3: needs both id and title"]
    parsed = parse_pack({"format": "debunk-pack/1", "debunks": entries})
    debunk = parsed.debunks[0]
    assert debunk.slug == "eu-german-special-services-helped-navalny"
    assert debunk.claims[0].text == "German special services helped Navalny"
    assert debunk.tags == ["Alexei Navalny", "Vladimir Putin"]
    assert str(debunk.published) == "2021-02-18"


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("a.json", '{"format": "debunk-pack/1", "debunks": []}', "pack"),
        ("a.json", '{"@type": "ClaimReview"}', "claimreview"),
        ("a.json", '[{"@type": "ClaimReview"}]', "claimreview"),
        ("cases.csv", "date,id,title\n", "euvsdisinfo"),
    ],
)
def test_format_is_detected(name: str, text: str, fmt: str) -> None:
    assert detect_format(name, text) == fmt


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("hello", "cannot tell the format"),
        ('{"format": "other"}', "unknown format 'other'"),
    ],
)
def test_unreadable_files_give_one_line(text: str, message: str) -> None:
    with pytest.raises(ExchangeError, match=message):
        read_text("x.txt", text)


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ExchangeError, match="no such file"):
        read_files([tmp_path / "absent.json"])


def test_same_slug_in_two_files_is_a_problem(tmp_path: Path) -> None:
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps(pack(ENTRY)), encoding="utf-8")
    result = read_files([tmp_path / "a.json", tmp_path / "b.json"])
    assert len(result.debunks) == 1
    assert "also defined in" in result.problems[0]


def test_bundled_seed_pack_is_valid_and_trilingual() -> None:
    debunks = seed_pack()
    assert len(debunks) >= 7
    slugs = {d.slug for d in debunks}
    assert {"nato-centre-almaty", "kazakh-shells-for-ukraine"} <= slugs
    for debunk in debunks:
        assert {"en", "ru", "kk"} <= set(debunk.title) and {"en", "ru", "kk"} <= set(
            debunk.disproof
        )
        langs = [c.lang for c in debunk.claims]
        assert langs.count("ru") >= 3 and langs.count("en") >= 3 and langs.count("kk") >= 1
