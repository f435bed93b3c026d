"""What Tekser says, rendered by pure functions: valid Telegram HTML, escaped, within limits,
in every language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import InputTextMessageContent

from handlers.i18n import (
    LANGUAGES,
    LOCALES_DIR,
    choose_language,
    telegram_language,
    translator,
)
from handlers.public import callback_data as callbacks
from handlers.public import command_views
from handlers.public import views as render
from handlers.public.incoming import Forwarded, clean_text
from knowledge.audience.votes import VoteTally
from knowledge.debunks.cards import DebunkCard, SourceRef
from knowledge.debunks.checking import Answer, Finding
from knowledge.matching.smalltalk import is_smalltalk
from tests.support.standin import html_errors, strip_html, utf16_len

EN, RU, KK = translator("en"), translator("ru"), translator("kk")
NASTY = '<script>alert("x")</script> & <b>bold</b> &amp; </i>'


def card(slug: str = "nato-centre", **changes: object) -> DebunkCard:
    values: dict[str, object] = {
        "slug": slug,
        "verdict": "false",
        "status": "published",
        "titles": {"en": "NATO opened a centre in Almaty", "ru": "НАТО открыло центр в Алматы"},
        "disproofs": {"en": "It did not.", "ru": "Не открывало."},
        "sources": (SourceRef("https://example.org/a?x=1&y=2", "Example", "Publisher"),),
    }
    values.update(changes)
    return DebunkCard(**values)  # type: ignore[arg-type]


def valid(text: str) -> None:
    assert html_errors(text) == [], text
    assert utf16_len(strip_html(text)) <= 4096


def test_a_card_shows_badge_claim_disproof_and_linked_sources() -> None:
    reply = render.card_reply(card(), EN, bot_username="tekser_bot")
    valid(reply.text)
    plain = strip_html(reply.text)
    assert plain.startswith("❌ False")
    assert "Claim: NATO opened a centre in Almaty" in plain
    assert "It did not." in plain
    assert '<a href="https://example.org/a?x=1&amp;y=2">Example</a> — Publisher' in reply.text
    assert reply.markup is not None
    buttons = [b for row in reply.markup.inline_keyboard for b in row]
    assert buttons[0].url == "https://t.me/tekser_bot?start=d-nato-centre"
    assert [b.callback_data for b in buttons[1:]] == ["v+:nato-centre", "v-:nato-centre"]


@pytest.mark.parametrize(
    ("verdict", "lang", "label"),
    [
        ("false", "en", "❌ False"),
        ("misleading", "en", "⚠️ Misleading"),
        ("unproven", "ru", "❓ Не доказано"),
        ("missing-context", "kk", "🧩 Контекст жоқ"),
        ("false", "kk", "❌ Жалған"),
    ],
)
def test_verdict_badges_are_translated(verdict: str, lang: str, label: str) -> None:
    assert render.badge(verdict, translator(lang)) == label


def test_debunk_text_falls_back_to_russian_then_english() -> None:
    kazakh = strip_html(render.card_text(card(), KK))
    assert "НАТО открыло центр в Алматы" in kazakh and "Не открывало." in kazakh
    english_only = card(titles={"en": "Only English"}, disproofs={"en": "Only English disproof"})
    assert "Only English" in strip_html(render.card_text(english_only, RU))


def test_user_and_database_text_is_escaped_everywhere() -> None:
    nasty = card(
        titles={"en": NASTY},
        disproofs={"en": NASTY},
        sources=(SourceRef('https://x.org/"><script>', NASTY, NASTY),),
    )
    origin = Forwarded("channel", NASTY, 'https://t.me/x"onclick=1')
    finding = Finding(nasty, 0.9, "match")
    for reply in (
        render.card_reply(nasty, EN, bot_username="b", origin=origin),
        render.matches_reply([finding, finding], EN, bot_username="b", origin=origin),
        render.possible_reply([finding], EN, origin=origin),
        render.no_match_reply(EN, count=3, origin=origin),
    ):
        valid(reply.text)
        assert "<script>" not in reply.text
    assert NASTY in strip_html(render.card_text(nasty, EN))


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1, max_size=5000),
    disproof=st.text(min_size=1, max_size=9000),
    source_title=st.text(max_size=400),
    count=st.integers(min_value=1, max_value=5),
)
def test_any_content_renders_valid_html_within_telegrams_limit(
    title: str, disproof: str, source_title: str, count: int
) -> None:
    sources = tuple(SourceRef(f"https://s{i}.org/" + "p" * 300, source_title) for i in range(7))
    cards = [
        card(f"slug-{i}", titles={"ru": title}, disproofs={"ru": disproof}, sources=sources)
        for i in range(count)
    ]
    findings = [Finding(c, 0.95, "match") for c in cards]
    origin = Forwarded("channel", title, "https://t.me/c/1/2")
    valid(render.matches_reply(findings, RU, bot_username="tekser_bot", origin=origin).text)
    valid(render.possible_reply(findings[:3], RU, origin=origin).text)
    for result in render.inline_results(cards, RU, bot_username="tekser_bot"):
        content = result.input_message_content
        assert isinstance(content, InputTextMessageContent)
        valid(content.message_text)
        assert len(result.description or "") <= render.INLINE_DESCRIPTION_LIMIT


def test_a_long_post_numbers_each_debunk_with_its_own_buttons() -> None:
    findings = [Finding(card("first-one"), 0.9, "match"), Finding(card("second"), 0.85, "match")]
    reply = render.matches_reply(findings, EN, bot_username="b", origin=None)
    plain = strip_html(reply.text)
    assert plain.startswith("This message repeats 2 debunked claims:")
    assert "1. ❌ False:" in plain and "2. ❌ False:" in plain
    assert reply.markup is not None
    rows = [[b.text for b in row] for row in reply.markup.inline_keyboard]
    assert rows == [["1. ↗️ Share", "1. 👍", "1. 👎"], ["2. ↗️ Share", "2. 👍", "2. 👎"]]


def test_russian_plurals() -> None:
    def heading(n: int) -> str:
        return RU.ngettext(
            "This message repeats {n} debunked claim:",
            "This message repeats {n} debunked claims:",
            n,
        ).format(n=n)

    assert heading(1) == "Это сообщение повторяет 1 опровергнутое утверждение:"
    assert heading(3) == "Это сообщение повторяет 3 опровергнутых утверждения:"
    assert heading(5) == "Это сообщение повторяет 5 опровергнутых утверждений:"


def test_did_you_mean_lists_candidates_in_order_without_percentages() -> None:
    findings = [Finding(card("a-one"), 0.614, "possible"), Finding(card("b-two"), 0.35, "possible")]
    reply = render.possible_reply(findings, EN, origin=None)
    assert reply.markup is not None
    rows = [[(b.text, b.callback_data) for b in row] for row in reply.markup.inline_keyboard]
    assert rows[0] == [("NATO opened a centre in Almaty", "c:a-one")]
    assert rows[1][0][1] == "c:b-two"
    assert not any("%" in b.text for row in reply.markup.inline_keyboard for b in row)
    assert rows[-1] == [("None of these", "sub")]
    assert strip_html(reply.text).startswith("Did you mean…?")


@pytest.mark.parametrize("tr", [EN, RU, KK])
def test_a_message_denying_the_claim_is_told_it_agrees_not_that_it_is_false(tr) -> None:
    denied = Answer("match", (Finding(card(), 0.97, "match", stance="refutes"),))
    repeated = Answer("match", (Finding(card(), 0.97, "match", stance="repeats"),))
    agrees = render.answer_reply(denied, tr, bot_username="b", count=1, origin=None)
    told_false = render.answer_reply(repeated, tr, bot_username="b", count=1, origin=None)
    valid(agrees.text)
    line = tr.gettext("✅ Your message agrees with the fact-check:")
    assert strip_html(agrees.text).startswith(line)
    assert line not in told_false.text
    assert "NATO" in strip_html(agrees.text) or "НАТО" in strip_html(agrees.text)


def test_no_match_offers_the_fact_checkers() -> None:
    reply = render.no_match_reply(RU, count=21, origin=None)
    assert "среди 21 опровергнутого утверждения" in strip_html(reply.text)
    assert reply.markup is not None
    button = reply.markup.inline_keyboard[0][0]
    assert (button.text, button.callback_data) == ("📨 Отправить фактчекерам", "sub")


def test_answer_reply_picks_the_shape_from_the_verdict() -> None:
    match = Answer("match", (Finding(card(), 0.9, "match"),))
    possible = Answer("possible", (Finding(card(), 0.5, "possible"),))
    shapes = {
        "match": render.answer_reply(match, EN, bot_username="b", count=1, origin=None),
        "possible": render.answer_reply(possible, EN, bot_username="b", count=1, origin=None),
        "none": render.answer_reply(Answer("none"), EN, bot_username="b", count=1, origin=None),
    }
    assert "❌ False" in shapes["match"].text
    assert "Did you mean" in shapes["possible"].text
    assert "did not find" in shapes["none"].text


def test_slugs_too_long_for_telegram_get_no_buttons_rather_than_broken_ones() -> None:
    long_slug = "s" * 70
    reply = render.card_reply(card(long_slug), EN, bot_username="b")
    assert reply.markup is None
    assert render.inline_results([card(long_slug)], EN, bot_username="b") == []
    fitting = "s" * 61
    reply = render.card_reply(card(fitting), EN, bot_username="b")
    assert reply.markup is not None
    for button in (b for row in reply.markup.inline_keyboard for b in row):
        assert len(str(button.callback_data or "").encode()) <= 64
        if button.url:
            assert re.fullmatch(r"https://t\.me/b\?start=[A-Za-z0-9_-]{1,64}", button.url)


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        (Forwarded("user", "Daulet"), "↪️ Forwarded from Daulet"),
        (Forwarded("hidden_user", "Anon"), "↪️ Forwarded from Anon (hidden account)"),
        (Forwarded("chat", "Parents"), "↪️ Forwarded from the chat Parents"),
        (Forwarded("channel", "News", "https://t.me/news/5"), "↪️ Forwarded from the channel News"),
        (Forwarded("channel", ""), "↪️ Forwarded from the channel unknown"),
    ],
)
def test_origin_lines(origin: Forwarded, expected: str) -> None:
    line = render.origin_line(origin, EN)
    valid(line)
    assert strip_html(line) == expected


def test_vote_counts_update_only_the_voted_debunk() -> None:
    findings = [Finding(card("first-one"), 0.9, "match"), Finding(card("second"), 0.85, "match")]
    markup = render.matches_reply(findings, EN, bot_username="b", origin=None).markup
    updated = render.with_tally(markup, "second", VoteTally(up=3, down=1))
    assert updated is not None
    rows = [[b.text for b in row] for row in updated.inline_keyboard]
    assert rows == [["1. ↗️ Share", "1. 👍", "1. 👎"], ["2. ↗️ Share", "2. 👍 3", "2. 👎 1"]]


def test_inline_results_carry_the_full_card() -> None:
    results = render.inline_results([card(), card("other")], EN, bot_username="tekser_bot")
    assert [r.id for r in results] == ["nato-centre", "other"]
    assert results[0].title == "❌ False: NATO opened a centre in Almaty"
    assert results[0].description == "It did not."
    content = results[0].input_message_content
    assert isinstance(content, InputTextMessageContent)
    assert "It did not." in content.message_text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_static_reply_is_valid_html_in_every_language(lang: str) -> None:
    tr = translator(lang)
    for reply in (
        command_views.start_reply(tr, count=12),
        command_views.help_reply(tr, bot_username="tekser_bot"),
        command_views.about_reply(tr, count=12),
        command_views.privacy_reply(tr, retention_days=90),
        command_views.language_prompt(tr),
        command_views.language_chosen(tr),
        render.smalltalk_reply(tr),
        render.unsupported_reply(tr),
        render.rate_limited_reply(tr, per_minute=20),
        command_views.settings_reply(tr, auto=True),
        command_views.settings_changed_reply(tr, auto=False),
        command_views.admins_only_reply(tr),
        command_views.groups_only_reply(tr),
        render.check_usage_reply(tr),
        render.mention_usage_reply(tr),
        render.card_missing_reply(tr),
    ):
        valid(reply.text)
    commands = command_views.bot_commands(tr) + command_views.bot_commands(tr, group=True)
    assert all(re.fullmatch(r"[a-z]{1,32}", c.command) and c.description for c in commands)


def test_the_language_confirmation_is_in_the_chosen_language() -> None:
    assert "English" in command_views.language_chosen(EN).text
    assert "русском" in command_views.language_chosen(RU).text
    assert "қазақ" in command_views.language_chosen(KK).text


def catalog_path(lang: str, suffix: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"messages.{suffix}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogs_translate_every_message_and_keep_placeholders(lang: str) -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as f:
        template = read_po(f)
    with catalog_path(lang, "po").open("rb") as f:
        catalog = read_po(f)
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        assert translated is not None and not translated.fuzzy, message.id
        ids = [str(i) for i in message.id] if isinstance(message.id, list | tuple) else [message.id]
        raw = translated.string
        strings = [str(s) for s in raw] if isinstance(raw, list | tuple) else [str(raw or "")]
        assert all(strings), message.id
        wanted = set(re.findall(r"\{\w+\}", ids[-1]))
        for string in strings:
            assert set(re.findall(r"\{\w+\}", string)) == wanted, (message.id, string)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogs_match_their_sources(lang: str) -> None:
    def flat(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    with catalog_path(lang, "po").open("rb") as f:
        source = {flat(m.id): flat(m.string) for m in read_po(f) if m.id}
    with catalog_path(lang, "mo").open("rb") as f:
        compiled = {flat(m.id): flat(m.string) for m in read_mo(f) if m.id}
    translated = {k: v for k, v in source.items() if (any(v) if isinstance(v, tuple) else v)}
    assert compiled == translated, "run the pybabel commands in handlers/locales/README.md"


def test_every_message_in_the_code_is_in_the_template() -> None:
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (LOCALES_DIR / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    repo = LOCALES_DIR.parents[1]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    with (LOCALES_DIR / "babel.cfg").open(encoding="utf-8") as cfg:  # python and the site's Jinja
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            repo, method_map, options_map, keywords=keywords
        )
    }
    assert found == template, "run the pybabel commands in handlers/locales/README.md"


@pytest.mark.parametrize(
    ("stored", "telegram", "expected"),
    [
        ("kk", "en", "kk"),
        (None, "en-US", "en"),
        (None, "ru", "ru"),
        (None, "kk", "kk"),
        (None, "de", "ru"),
        (None, None, "ru"),
        ("xx", "en", "en"),
    ],
)
def test_language_choice(stored: str | None, telegram: str | None, expected: str) -> None:
    assert choose_language(stored, telegram) == expected


@pytest.mark.parametrize(
    ("code", "expected"), [("en_GB", "en"), ("RU", "ru"), ("uk", None), ("", None)]
)
def test_telegram_language_codes(code: str, expected: str | None) -> None:
    assert telegram_language(code) == expected


@pytest.mark.parametrize(
    ("text", "smalltalk"),
    [
        ("hi", True),
        ("Привет! Как дела?", True),
        ("Сәлеметсіз бе", True),
        ("Это правда?", True),
        ("is this true?", True),
        ("🙏🙏", True),
        ("рахмет!", True),
        ("Назарбаев умер", False),
        ("5G вызывает COVID", False),
        ("Is it true that Kazakhstan sold Baikonur?", False),
    ],
)
def test_smalltalk_versus_claims(text: str, smalltalk: bool) -> None:
    assert is_smalltalk(text) is smalltalk


def test_control_characters_are_dropped_and_input_capped() -> None:
    assert clean_text("a\x00b\u202ec\u200bd\n e") == "abcd\n e"
    assert len(clean_text("x" * 10_000)) == 4096


def test_callback_data_round_trips() -> None:
    vote = callbacks.parse_vote(callbacks.vote_data("some-slug", -1))
    assert vote is not None and (vote.slug, vote.value) == ("some-slug", -1)
    assert callbacks.parse_card(callbacks.card_data("a-b")) == "a-b"
    assert callbacks.parse_card("c:") is None
    assert callbacks.parse_language(callbacks.language_data("kk")) == "kk"
    assert callbacks.parse_card_payload("d-a-b") == "a-b"
    assert callbacks.parse_card_payload("inline") is None
    assert callbacks.card_payload("x" * 63) is None
