"""Property-based tests: arbitrary Unicode, huge and empty inputs never crash the pure layers, and
what they return is always valid (decisions from the known set, scores in range, problems as
strings, accepted entries that validate again)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from knowledge.debunks.cards import ClaimText
from knowledge.formats.claimreview import from_claimreviews, to_claimreviews
from knowledge.formats.pack import (
    PACK_FORMAT,
    PackDebunk,
    check_http_url,
    parse_pack,
    validate_entries,
)
from knowledge.matching.matcher import DebunkEntry, Matcher, MatchResult
from knowledge.matching.normalise import (
    extract_urls,
    fold,
    normalise,
    normalise_url,
    split_sentences,
)

DECISIONS = {"match", "possible", "none"}
VERDICTS = ("false", "misleading", "unproven", "missing-context")

# Every code point, lone surrogates included (json.loads turns "\ud800" into one, so a Telegram
# update or an imported file can carry them).
any_char = st.characters(codec=None, categories=None)
any_text = st.text(any_char, max_size=400)
# Text that looks like what readers send: words in three scripts, emoji, links, markup, noise.
pieces = st.sampled_from(
    [
        "В Алматы открыли центр НАТО",
        "Қазақстан",
        "v Almaty otkryli tsentr NATO",
        "NATO base in Almaty",
        "https://t.me/some_channel/123",
        "www.example.kz/news/1?utm_source=x",
        "🔥🔥",
        "<b>",
        "#ФейкНьюс",
        "@channel",
        "Подписывайтесь на канал!",
        "\u200b",
        "\u202e",
        "ё",
        "\n\n",
        "  ",
        "?",
        "…",
        "İ",
        "ß",
        "\ufeff",
    ]
)
readerish_text = st.lists(st.one_of(pieces, any_text), max_size=12).map(" ".join)
texts = st.one_of(any_text, readerish_text)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    any_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(any_text, children, max_size=5)
    ),
    max_leaves=30,
)

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# ------------------------------------------------------------------ normalisation


@PROPERTY_SETTINGS
@given(texts)
def test_normalisation_always_gives_clean_text(text: str) -> None:
    clean = normalise(text)
    assert isinstance(clean, str)
    assert clean == clean.strip()
    assert "\u200b" not in clean and "\ufeff" not in clean
    folded = fold(clean)
    assert isinstance(folded, str)
    assert all(isinstance(s, str) and s.strip() == s and s for s in split_sentences(clean))


@PROPERTY_SETTINGS
@given(texts)
def test_url_extraction_gives_usable_keys(text: str) -> None:
    urls = extract_urls(text)
    assert len(urls) == len(set(urls))
    for url in urls:
        assert url and not url[-1].isspace()
        assert isinstance(normalise_url(url), str)


@PROPERTY_SETTINGS
@given(any_text)
@example("[")
@example("http://[::1]")  # a valid URL (pack validation accepts it) whose trimmed form is not
def test_any_string_can_be_a_url_key(text: str) -> None:
    assert isinstance(normalise_url(text), str)


# ------------------------------------------------------------------ matching

ENTRIES = (
    DebunkEntry(
        slug="nato-centre-almaty",
        verdict="false",
        titles={"ru": "В Алматы открыли центр НАТО", "en": "NATO opened a centre in Almaty"},
        claims=(
            ClaimText("ru", "В Алматы открыли центр НАТО"),
            ClaimText("en", "NATO peacekeeping centre opened in Almaty"),
        ),
        appearances=("https://t.me/some_channel/123",),
    ),
    DebunkEntry(
        slug="kazakh-artificial-state",
        verdict="misleading",
        titles={"ru": "Казахстан — искусственное государство"},
        claims=(ClaimText("ru", "Казахстан — искусственное государство без истории"),),
    ),
    DebunkEntry(
        slug="baikonur-sold",
        verdict="false",
        titles={"kk": "Байқоңыр Қытайға сатылды"},
        claims=(ClaimText("kk", "Байқоңыр ғарыш айлағы Қытайға сатылды"),),
    ),
)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    built = Matcher()
    built.load(ENTRIES)
    return built


def assert_valid_result(result: MatchResult, text: str, known: set[str], top: int) -> None:
    assert result.query == text
    assert result.verdict in DECISIONS
    assert len(result.matches) <= top
    assert result.verdict == (result.matches[0].decision if result.matches else "none")
    slugs = [m.slug for m in result.matches]
    assert len(slugs) == len(set(slugs))
    for match in result.matches:
        assert match.slug in known
        assert match.decision in DECISIONS
        assert 0.0 <= match.score <= 1.0
        assert isinstance(match.matched, str) and isinstance(match.passage, str)
        assert all(isinstance(v, float | int) for v in match.evidence.values())


@PROPERTY_SETTINGS
@given(text=texts, top=st.integers(min_value=1, max_value=10))
@example(text="is this true? http://[oops", top=3)
def test_matching_any_message_gives_a_valid_result(matcher: Matcher, text: str, top: int) -> None:
    known = {e.slug for e in ENTRIES}
    assert_valid_result(matcher.match_message(text, top=top), text, known, top)


entry_texts = st.one_of(pieces, st.text(any_char, min_size=1, max_size=80))


def _http_url(text: str) -> str | None:
    try:
        return check_http_url(text)
    except ValueError:
        return None


# What a DebunkEntry's appearances can be: URLs that passed the pack's validation.
# storable: no lone surrogates, no NUL
url_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=200)
http_urls = (
    st.builds(
        "{}://{}/{}".format,
        st.sampled_from(["http", "https"]),
        st.one_of(st.sampled_from(["t.me", "www.Example.kz", "[::1]", "1.2.3.4:8080"]), url_text),
        st.one_of(pieces, url_text),
    )
    .map(_http_url)
    .filter(lambda url: url is not None)
)
entries = st.builds(
    DebunkEntry,
    slug=st.from_regex(r"[a-z0-9-]{3,20}", fullmatch=True),
    verdict=st.sampled_from(VERDICTS),
    titles=st.dictionaries(st.sampled_from(["ru", "kk", "en"]), entry_texts, max_size=3),
    claims=st.lists(
        st.builds(ClaimText, st.sampled_from(["ru", "kk", "en"]), entry_texts), max_size=3
    ).map(tuple),
    appearances=st.lists(http_urls, max_size=2).map(tuple),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fed=st.lists(entries, max_size=6, unique_by=lambda e: e.slug), text=texts)
@example(fed=[DebunkEntry("ipv6-link", "false", {}, (), ("http://[::1]",))], text="http://[::1]")
def test_a_matcher_fed_arbitrary_debunks_still_answers_validly(
    fed: list[DebunkEntry], text: str
) -> None:
    built = Matcher()
    built.load(fed)
    assert len(built) == len(fed)
    known = {e.slug for e in fed}
    assert_valid_result(built.match_message(text), text, known, 3)
    if fed:
        built.remove(fed[0].slug)
        built.upsert(fed[-1])
        assert_valid_result(built.match_message(text), text, known, 3)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n" * 10_000,
        "🔥" * 50_000,
        "В Алматы открыли центр НАТО. " * 5_000,  # ~150 KB, far beyond any Telegram message
        "a" * 200_000,
        "https://t.me/x/1 " * 5_000,
        "\ud800\udfff" * 1000,
    ],
    ids=[
        "empty",
        "space",
        "newlines",
        "emoji",
        "long-post",
        "one-huge-word",
        "links",
        "surrogates",
    ],
)
def test_huge_and_empty_messages(matcher: Matcher, text: str) -> None:
    assert isinstance(normalise(text), str)
    assert_valid_result(matcher.match_message(text), text, {e.slug for e in ENTRIES}, 3)


# ------------------------------------------------------------------ debunk packs


def assert_valid_pack_result(entries: list[PackDebunk], problems: list[str]) -> None:
    assert all(isinstance(p, str) and p for p in problems)
    slugs = [e.slug for e in entries]
    assert len(slugs) == len(set(slugs))
    for entry in entries:
        assert isinstance(entry, PackDebunk)
        again = PackDebunk.model_validate(json.loads(json.dumps(entry.canonical())))
        assert again.canonical() == entry.canonical()


@PROPERTY_SETTINGS
@given(json_values)
def test_parsing_any_json_as_a_pack_never_crashes(document: Any) -> None:
    parsed = parse_pack(document)
    assert_valid_pack_result(parsed.debunks, parsed.problems)
    assert all(isinstance(r, str) for r in parsed.rejected)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly plausible values, sometimes anything at all."""
    return st.one_of(valid, valid, json_values)


lang_texts = st.dictionaries(
    st.one_of(st.sampled_from(["ru", "kk", "en"]), any_text), maybe(entry_texts), max_size=3
)
pack_entries = st.fixed_dictionaries(
    {
        "slug": maybe(st.from_regex(r"[a-z0-9-]{3,12}", fullmatch=True)),
        "verdict": maybe(st.sampled_from(VERDICTS)),
        "title": maybe(lang_texts),
        "disproof": maybe(lang_texts),
        "claims": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {"lang": maybe(st.sampled_from(["ru", "en"])), "text": maybe(entry_texts)}
                ),
                max_size=3,
            )
        ),
    },
    optional={
        "sources": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {"url": maybe(st.sampled_from(["https://a.kz/x", "ftp://b", "", "http://"]))},
                    optional={"title": maybe(any_text), "publisher": maybe(any_text)},
                ),
                max_size=2,
            )
        ),
        "appearances": maybe(st.lists(maybe(st.just("https://t.me/c/1")), max_size=2)),
        "tags": maybe(st.lists(maybe(any_text), max_size=3)),
        "published": maybe(st.sampled_from(["2024-01-31", "2024-02-30", "yesterday", ""])),
        "status": maybe(st.sampled_from(["published", "draft", "retired", "deleted"])),
    },
)


@PROPERTY_SETTINGS
@given(st.lists(pack_entries, max_size=4))
def test_parsing_plausible_packs_keeps_only_valid_entries(debunks: list[Any]) -> None:
    parsed = parse_pack({"format": PACK_FORMAT, "debunks": debunks})
    assert_valid_pack_result(parsed.debunks, parsed.problems)
    assert len(parsed.debunks) + len(parsed.rejected) == len(debunks)
    if parsed.rejected:
        assert parsed.problems


def test_a_huge_pack_parses() -> None:
    entry = {
        "slug": "x" * 80,
        "verdict": "false",
        "title": {"ru": "т" * 100_000},
        "disproof": {"ru": "д" * 100_000},
        "claims": [{"lang": "ru", "text": "к" * 1000}] * 500,
    }
    parsed = parse_pack({"format": PACK_FORMAT, "debunks": [entry]})
    assert parsed.problems == [] and len(parsed.debunks) == 1


# ------------------------------------------------------------------ ClaimReview


def assert_valid_claimreview_result(entries: Any, problems: Any) -> None:
    assert isinstance(entries, list) and isinstance(problems, list)
    assert all(isinstance(p, str) and p for p in problems)
    assert all(isinstance(e, dict) for e in entries)
    validated = validate_entries(entries)
    assert_valid_pack_result(validated.debunks, validated.problems)
    for entry in validated.debunks:  # what was accepted can be written back out
        assert to_claimreviews(entry.canonical())


@PROPERTY_SETTINGS
@given(json_values)
@example({"@graph": 5})
@example({"@type": "DataFeed", "dataFeedElement": 5})
def test_reading_any_json_as_claimreview_never_crashes(document: Any) -> None:
    assert_valid_claimreview_result(*from_claimreviews(document))


ratings = st.sampled_from(["False", "Pants on Fire", "Mostly false", "Unproven", "True", ""])
claim_reviews = st.fixed_dictionaries(
    {
        "@type": maybe(st.just("ClaimReview")),
        "claimReviewed": maybe(entry_texts),
        "reviewRating": maybe(st.fixed_dictionaries({"alternateName": maybe(ratings)})),
    },
    optional={
        "identifier": maybe(st.from_regex(r"[a-z0-9-]{3,12}", fullmatch=True)),
        "inLanguage": maybe(st.sampled_from(["ru", "kk", "en", "en-US", "x"])),
        "url": maybe(st.sampled_from(["https://factcheck.kz/a", "not a url", ""])),
        "reviewBody": maybe(entry_texts),
        "datePublished": maybe(st.sampled_from(["2024-01-31T10:00:00Z", "2024-13-01", "soon"])),
        "keywords": maybe(any_text),
        "author": maybe(st.fixed_dictionaries({"name": maybe(any_text)})),
        "itemReviewed": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "alternateName": maybe(st.lists(maybe(entry_texts), max_size=3)),
                    "appearance": maybe(
                        st.lists(
                            maybe(
                                st.fixed_dictionaries({"url": maybe(st.just("https://t.me/c/1"))})
                            ),
                            max_size=2,
                        )
                    ),
                    "firstAppearance": maybe(st.just({"url": "https://t.me/c/2"})),
                },
            )
        ),
        "citation": maybe(
            st.lists(
                maybe(
                    st.fixed_dictionaries(
                        {"url": maybe(st.just("https://gov.kz/"))},
                        optional={"name": maybe(any_text), "publisher": maybe(json_values)},
                    )
                ),
                max_size=2,
            )
        ),
    },
)
claimreview_documents = st.one_of(
    claim_reviews,
    st.lists(claim_reviews, max_size=4),
    st.lists(claim_reviews, max_size=4).map(
        lambda items: {"@type": "DataFeed", "dataFeedElement": [{"item": i} for i in items]}
    ),
    st.lists(claim_reviews, max_size=4).map(lambda items: {"@graph": items}),
)


FALSE_CLAIM = {
    "@type": "ClaimReview",
    "claimReviewed": "В Алматы открыли центр НАТО",
    "reviewRating": {"alternateName": "False"},
}


@PROPERTY_SETTINGS
@given(claimreview_documents)
@example({**FALSE_CLAIM, "reviewRating": [None]})
@example({**FALSE_CLAIM, "reviewRating": "False"})
@example({**FALSE_CLAIM, "itemReviewed": ["a claim"]})
@example({**FALSE_CLAIM, "itemReviewed": {"appearance": [{"name": "no url"}]}})
@example({**FALSE_CLAIM, "itemReviewed": {"firstAppearance": {"": None}}})
def test_reading_plausible_claimreview_gives_valid_entries_or_problems(document: Any) -> None:
    entries, problems = from_claimreviews(document)
    assert_valid_claimreview_result(entries, problems)


# Valid entries hold storable text: lone surrogates (category Cs) are rejected by validation.
storable_char = st.characters(codec="utf-8", exclude_characters="\x00")  # NUL cannot be stored
non_blank = st.one_of(pieces, st.text(storable_char, min_size=1, max_size=60)).filter(str.strip)
languages = st.sampled_from(["ru", "kk", "en", "de"])
valid_pack_entries = st.fixed_dictionaries(
    {
        "slug": st.from_regex(r"[a-z0-9-]{3,20}", fullmatch=True),
        "verdict": st.sampled_from(VERDICTS),
        "title": st.dictionaries(languages, non_blank, min_size=1, max_size=3),
        "disproof": st.dictionaries(languages, non_blank, min_size=1, max_size=3),
        "claims": st.lists(
            st.fixed_dictionaries({"lang": languages, "text": non_blank}), min_size=1, max_size=3
        ),
        "sources": st.lists(
            st.fixed_dictionaries(
                {
                    "url": http_urls,
                    "title": st.text(storable_char, max_size=80),
                    "publisher": st.text(storable_char, max_size=80),
                }
            ),
            max_size=2,
        ),
        "appearances": st.lists(http_urls, max_size=2),
        "tags": st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), max_size=3),
        "published": st.one_of(st.none(), st.dates().map(str)),
    }
)


@PROPERTY_SETTINGS
@given(valid_pack_entries)
def test_valid_entries_survive_a_claimreview_round_trip(raw: dict[str, Any]) -> None:
    parsed = parse_pack({"format": PACK_FORMAT, "debunks": [raw]})
    assert parsed.problems == []
    (entry,) = parsed.debunks
    entries, problems = from_claimreviews(to_claimreviews(entry.canonical()))
    assert problems == []
    assert [e["slug"] for e in entries] == [entry.slug]
    assert entries[0]["verdict"] == entry.verdict
    validated = validate_entries(entries)
    assert validated.problems == []
    (back,) = validated.debunks
    for lang, title in entry.title.items():
        assert back.title[lang] == title
        assert back.disproof.get(lang, "") == entry.disproof.get(lang, back.disproof.get(lang))
    assert set(back.appearances) == set(entry.appearances)
    assert {s.url for s in back.sources} == {s.url for s in entry.sources}
