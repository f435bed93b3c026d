"""The bot's cards and the public site: a link to the debunk's page when TEKSER_PUBLIC_URL is
set, and sources without a URL known to be right cited as text, never linked."""

from __future__ import annotations

from datetime import date

from handlers.i18n import translator
from handlers.public import views as render
from knowledge.debunks.cards import DebunkCard, SourceRef
from knowledge.debunks.checking import Answer, Finding
from tests.support.standin import html_errors, strip_html

RU = translator("ru")
CITED = SourceRef("", "Denial of the reports <b>", "Ministry of Defence", date(2022, 10, 24))
LINKED = SourceRef("https://euvsdisinfo.eu/report/x/", "A case", "EUvsDisinfo")


def card(slug: str = "nato-centre-almaty") -> DebunkCard:
    return DebunkCard(
        slug=slug,
        verdict="false",
        status="published",
        titles={"ru": "НАТО открыло центр в Алматы"},
        disproofs={"ru": "Не открывало."},
        sources=(CITED, LINKED),
    )


def test_a_card_links_its_page_only_when_the_site_has_an_address() -> None:
    with_site = render.card_reply(card(), RU, bot_username="tekser_bot", page_base="https://t.kz/")
    assert '<a href="https://t.kz/d/nato-centre-almaty?lang=ru">Полное опровержение</a>' in (
        with_site.text
    )
    without = render.card_reply(card(), RU, bot_username="tekser_bot")
    assert "/d/nato-centre-almaty" not in without.text
    assert html_errors(with_site.text) == []


def test_several_matches_link_each_title_to_its_page() -> None:
    answer = Answer("match", (Finding(card("one-debunk"), 0.9, "match"),
                              Finding(card("two-debunk"), 0.9, "match")))  # fmt: skip
    reply = render.answer_reply(
        answer, RU, bot_username="b", count=2, origin=None, page_base="https://t.kz"
    )
    assert 'href="https://t.kz/d/one-debunk?lang=ru"' in reply.text
    assert 'href="https://t.kz/d/two-debunk?lang=ru"' in reply.text


def test_a_source_without_a_url_is_cited_not_linked() -> None:
    text = render.card_text(card(), RU)
    assert '<a href="">' not in text and 'href=""' not in text
    assert "<i>Denial of the reports &lt;b&gt;</i> — Ministry of Defence, 2022-10-24" in text
    assert '<a href="https://euvsdisinfo.eu/report/x/">A case</a>' in text
    assert "Denial of the reports <b>" in strip_html(text)
    assert html_errors(text) == []


def test_a_digest_links_deep_links_without_a_site_and_counts_what_it_left_out() -> None:
    from datetime import UTC, datetime

    from handlers.public.digest import digest_text
    from knowledge.newsroom.digests import Digest

    digest = Digest(-100, "ru", datetime(2026, 1, 1, tzinfo=UTC), (card("one-debunk"),), more=3)
    text = digest_text(digest, RU, public_url=None, bot_username="tekser_bot")
    assert 'href="https://t.me/tekser_bot?start=' in text
    assert "4 новых или обновлённых опровержения" in strip_html(text)
    assert "…и ещё 3" in strip_html(text)
    with_site = digest_text(digest, RU, public_url="https://t.kz", bot_username="tekser_bot")
    assert 'href="https://t.kz/d/one-debunk?lang=ru"' in with_site
    assert 'href="https://t.kz/?lang=ru"' in with_site
    assert html_errors(with_site) == []
