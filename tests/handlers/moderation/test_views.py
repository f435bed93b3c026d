"""Pure parts of moderation: slugs, languages, tags, role rules, queue grouping, drafts, callback
data, and the moderators' messages (escaping, sizes, buttons)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.i18n import translator
from handlers.moderation import add_views as mr_add
from handlers.moderation import callback_data as cb
from handlers.moderation import debunks_views as mr_debunks
from handlers.moderation import queue_views as mr_queue
from handlers.moderation import terms_views
from handlers.moderation import views as mr
from handlers.moderation.i18n import moderation_translator
from handlers.public.views import card_text
from knowledge.audience.submissions import Submission
from knowledge.debunks.catalogue import Listing
from knowledge.debunks.terms import TermError, TermGroup
from knowledge.formats.pack import PackDebunk
from knowledge.moderation.audit import AuditEvent, changed_parts
from knowledge.moderation.drafts import DraftDebunk
from knowledge.moderation.editing import (
    EditError,
    check_slug,
    parse_tags,
    slugify,
)
from knowledge.moderation.review import QueueGroup, group_submissions, queue_key
from knowledge.moderation.roles import at_least, may_manage
from tests.support.standin import html_errors

EN = moderation_translator("en")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("US biolabs spread disease!", "us-biolabs-spread-disease"),
        ("В Казахстане запретят русский язык", "v-kazakhstane-zapretyat-russkii-yazyk"),
        ("Қазақстанда орыс тіліне тыйым салынады", "qazaqstanda-orys-tiline-tyiym-salynady"),
        ("Ünïcödé façade", "unicode-facade"),
        ("!!", None),
        (
            "one two three four five six seven eight nine ten",
            "one-two-three-four-five-six-seven-eight",
        ),
    ],
)
def test_slugify(title: str, slug: str | None) -> None:
    result = slugify(title)
    assert result == slug if slug else result.startswith("debunk-")
    assert check_slug(result) == result


def test_tags_and_slugs_are_checked() -> None:
    assert parse_tags("Health, 5G ,\nhealth,, ") == ["health", "5g"]
    with pytest.raises(EditError) as many:
        parse_tags(",".join(f"t{i}" for i in range(11)))
    assert many.value.code == "too-many-tags"
    with pytest.raises(EditError):
        check_slug("Not a slug")


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        ("owner", None, True),
        ("owner", "admin", True),
        ("owner", "editor", True),
        ("owner", "owner", False),
        ("admin", None, True),
        ("admin", "editor", True),
        ("admin", "admin", False),
        ("admin", "owner", False),
        ("editor", None, False),
        ("editor", "editor", False),
        (None, None, False),
    ],
)
def test_who_manages_whom(actor: str | None, target: str | None, allowed: bool) -> None:
    assert may_manage(actor, target) is allowed


def test_role_ranks() -> None:
    assert at_least("owner", "admin") and at_least("admin", "editor")
    assert not at_least("editor", "admin") and not at_least(None, "editor")


def test_identical_texts_group_oldest_first() -> None:
    def sub(id_: int, text: str, minutes: int, lang: str = "en", kind: str = "") -> Submission:
        return Submission(
            id=id_, user_hash=f"h{id_}", lang=lang, text=text, origin_kind=kind,
            origin_title="Channel" if kind else "", created_at=NOW - timedelta(minutes=minutes),
        )  # fmt: skip

    groups = group_submissions(
        [
            sub(1, "Later rumour", 1),
            sub(2, "Old  rumour", 30, "ru", "channel"),
            sub(3, "old rumour", 5, "ru"),
            sub(4, "OLD RUMOUR", 10, "kk", "user"),
        ]
    )
    assert [g.ids for g in groups] == [(2, 4, 3), (1,)]
    assert groups[0].count == 3 and groups[0].head == 2 and groups[0].text == "Old  rumour"
    assert groups[0].languages == ("ru", "kk")
    assert groups[0].origins == (("channel", "Channel", ""),)  # people are never named
    assert queue_key(" A  b\nC ") == "a b c"


def test_a_draft_survives_json_and_becomes_a_valid_pack_entry() -> None:
    draft = DraftDebunk(
        claim="Claim text", lang="en", verdict="false", titles={"en": "T", "ru": "Т"},
        disproofs={"en": "D"}, sources=[{"url": "https://a.example", "title": ""}],
        wordings=[{"lang": "ru", "text": "Утверждение"}], slug="a-slug", submission_ids=[3],
    )  # fmt: skip
    again = DraftDebunk.from_json(draft.to_json() | {"unknown": 1})
    assert again == draft
    assert draft.languages == ["en"]  # ru has no disproof yet: not published in ru
    entry = PackDebunk.model_validate(draft.pack_entry(status="draft"))
    assert entry.title == {"en": "T"} and len(entry.claims) == 2
    assert DraftDebunk.from_json(None) == DraftDebunk()


def test_audit_keeps_only_what_changed() -> None:
    before, after = changed_parts({"a": 1, "b": [1], "c": 3}, {"a": 1, "b": [2], "d": 4})
    assert before == {"b": [1], "c": 3, "d": None}
    assert after == {"b": [2], "c": None, "d": 4}
    assert changed_parts(None, {"x": 1}) == (None, {"x": 1})


def test_callback_data() -> None:
    button = cb.QueueConfirm(2**31, 2**31, 1)
    data = button.pack()
    assert len(data.encode()) <= 64
    assert cb.QueueConfirm.parse(data) == button
    assert cb.QueuePick.parse(data) is None  # another kind of button
    assert cb.QueueConfirm.parse("mq:y:2:x:1") is None and cb.QueueConfirm.parse("mq:y:2") is None
    assert cb.DebunkButton.parse(cb.DebunkButton(7).pack()) == cb.DebunkButton(7, "open")
    assert cb.AddChoice.parse(cb.AddChoice("publish").pack()) == cb.AddChoice("publish")
    assert cb.AddChoice.parse("ma:lang:kk") == cb.AddChoice("lang", "kk")


# ---------------------------------------------------------------- messages


GROUP = QueueGroup(
    ids=(2**31 - 1, 2**31),
    text='<b>Rumour</b> & "quotes" ' + "x" * 5000,
    first_at=NOW,
    last_at=NOW,
    languages=("ru",),
    origins=(("channel", "<i>Chan</i>", "https://t.me/chan/1?a=1&b=2"),),
)
LISTING = Listing(
    id=2**31, slug="x" * 80, status="draft", verdict="false",
    titles={"en": "<script>alert(1)</script>"}, version=3,
)  # fmt: skip


def _valid(reply: mr.Reply) -> None:
    assert html_errors(reply.text) == []
    assert len(mr.plain(reply.text)) <= 200 or len(reply.text) <= 4096
    for row in reply.markup.inline_keyboard if reply.markup else ():
        for button in row:
            data = button.callback_data
            assert data is None or (isinstance(data, str) and len(data.encode()) <= 64)


def test_queue_and_link_messages_escape_and_fit() -> None:
    item = mr_queue.queue_item(EN, GROUP, position=1, groups=3, pending=7)
    _valid(item)
    assert "&lt;b&gt;Rumour&lt;/b&gt; &amp;" in item.text
    assert '<a href="https://t.me/chan/1?a=1&amp;b=2">&lt;i&gt;Chan&lt;/i&gt;</a>' in item.text
    assert "sent 2 times" in item.text and "7 submissions waiting" in item.text
    confirm = mr_queue.link_confirm(EN, GROUP, LISTING, add_wording=True)
    _valid(confirm)
    assert "&lt;script&gt;" in confirm.text and "not published" in confirm.text
    _valid(mr_queue.link_candidates(EN, GROUP, [(LISTING, 0.876)]))
    _valid(mr_queue.search_results(EN, head=GROUP.head, query="<q>", items=[LISTING]))


def test_history_never_cuts_a_tag() -> None:
    events = [
        AuditEvent(
            id=i,
            at=NOW,
            actor_id=5,
            actor_name="<Mod>",
            action="edit-disproof",
            slug="s",
            version=i,
            before={"disproof": {"en": "<old> " * 200}},
            after={"disproof": {"en": "<new> " * 200}},
        )
        for i in range(40)
    ]
    reply = mr_debunks.history_reply(EN, "s", events)
    assert len(reply.text) <= 4000
    assert html_errors(reply.text) == []
    assert "&lt;Mod&gt;" in reply.text and reply.text.endswith("…")


def test_the_preview_is_the_public_card() -> None:
    draft = DraftDebunk(
        claim="c", lang="ru", verdict="misleading", titles={"en": "<T>"}, disproofs={"en": "D&"},
        slug="some-slug",
    )  # fmt: skip
    preview = mr_add.preview(EN, draft, bot_username="tekser_bot")
    _valid(preview)
    assert preview.text.startswith(card_text(draft.card(), translator("en")))
    assert "some-slug" in preview.text


def test_a_stale_edit_names_who_and_when() -> None:
    error = EditError("stale", slug="s", expected=1, current=3, by="<Alice>", at=NOW)
    reply = mr.edit_error(EN, error)
    assert "&lt;Alice&gt; changed s at 2026-11-23 12:00 UTC" in reply.text
    assert "now version 3; you started from version 1" in reply.text
    unknown = mr.edit_error(EN, EditError("no-such-code", x=1))
    assert "cannot be done" in unknown.text


def test_alerts_are_plain_and_short() -> None:
    assert mr.plain("<b>" + "a &amp; b " * 100 + "</b>").startswith("a & b")
    assert len(mr.plain("x" * 500)) <= 200


def test_grant_targets() -> None:
    from handlers.moderation.roles import target_of

    assert target_of(["123", "Editor"], None).user_id == 123
    assert target_of(["admin", "42"], None).role == "admin"
    assert target_of(["owner", "42"], None).role is None  # owners come from the settings only
    assert target_of([], None).user_id is None


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_moderation_catalog_is_fully_translated(lang: str) -> None:
    import re

    from babel.messages.pofile import read_po

    from handlers.i18n import LOCALES_DIR

    template = read_po((LOCALES_DIR / "moderation.pot").open("rb"))
    catalog = read_po((LOCALES_DIR / lang / "LC_MESSAGES" / "moderation.po").open("rb"))
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        assert translated is not None, message.id
        forms = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        source = message.id if isinstance(message.id, str) else message.id[1]
        for form in forms:
            assert form, message.id
            assert set(re.findall(r"\{\w+\}", str(form))) == set(re.findall(r"\{\w+\}", source))
    assert moderation_translator(lang).m_("Moderators") != "Moderators"


def test_term_replies_speak_the_moderators_language() -> None:
    ru = moderation_translator("ru")
    refused = terms_views.problem(ru, TermError("common", word="и"))
    assert "слишком частое слово" in refused.text and "<code>/term ru:" in refused.text
    name = TermGroup(id=4, words={"ru": ["ЦРУ"], "en": ["CIA"]}, added_by=1)
    word = TermGroup(id=5, words={"ru": ["корь"], "kk": ["қызылша"]}, added_by=1)
    assert "считается названием" in terms_views.added(ru, name).text
    assert "считается названием" not in terms_views.added(ru, word).text
    assert "<b>#5</b> ru: корь · kk: қызылша" in terms_views.listing(ru, [word]).text


def test_a_long_term_list_keeps_its_usage_and_the_newest_groups() -> None:
    en = moderation_translator("en")
    rows = [
        TermGroup(id=i, words={"ru": [f"слово{i}"], "en": [f"word{i}"]}, added_by=1)
        for i in range(1, 301)
    ]
    text = terms_views.listing(en, rows).text
    assert len(text) < 4096 and "(300)" in text and "/term remove N" in text
    assert "<b>#300</b>" in text and "<b>#1</b> " not in text and text.endswith("…")
