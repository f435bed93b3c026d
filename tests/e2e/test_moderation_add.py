"""/add end to end: the guided conversation with buttons, the preview, publishing into matching
in the same run, /cancel keeping the draft, a restart in the middle, a revoked editor."""

from __future__ import annotations

from sqlmodel import select

from knowledge.moderation.audit import AuditEvent
from knowledge.moderation.drafts import ModeratorDesk
from tests.e2e.conftest import Running, start_bot, stop_bot
from tests.e2e.moderation_fixtures import (  # noqa: F401  (fixtures)
    EDITOR,
    OWNER,
    alert,
    ask,
    grant,
    press,
    settings,
    standin,
)
from tests.support.standin import TgUser

READER = TgUser(1600, "Reader", "en")
CLAIM = "Власти Казахстана будут конфисковать у пенсионеров дачи с 1 января"
SLUG = "dacha-confiscation-from-pensioners"


async def walk_to_preview(bot: Running, editor: TgUser = EDITOR) -> None:
    """An editor answers every step of /add up to the preview."""
    s = bot.standin
    start = await ask(s, editor, "/add", "Send the claim as it circulates")
    assert "/cancel" in start.plain
    lang = await ask(s, editor, CLAIM, "The claim is in 🇷🇺 Русский?")
    assert lang.button("✅ 🇷🇺 ru")
    verdicts = await press(s, editor, lang, "ru", "What is the verdict?")
    await press(s, editor, verdicts, "False", "Send the title in 🇷🇺 Русский")
    await ask(s, editor, "Пенсионеров лишат дач", "Now the disproof in 🇷🇺 Русский")
    offer = await ask(
        s, editor, "Закона о конфискации дач нет; Минсельхоз опроверг слух.",
        "Title and disproof written in: 🇷🇺 Русский",
    )  # fmt: skip
    await press(s, editor, offer, "en", "Send the title in 🇬🇧 English")
    await ask(s, editor, "Pensioners will lose their dachas", "disproof in 🇬🇧 English")
    offer = await ask(
        s, editor, "No law allows seizing dachas; the ministry denied it.",
        "Title and disproof written in: 🇷🇺 Русский, 🇬🇧 English",
    )  # fmt: skip
    sources = await press(s, editor, offer, "Next: sources", "Send a source")
    assert sources.button("Skip: no sources")
    await ask(s, editor, "not a url at all", "Not a web address")
    asks_title = await ask(s, editor, "https://factcheck.kz/dacha", "The title of this source")
    assert asks_title.button("Skip")
    listed = await ask(s, editor, "Factcheck.kz: <dachas> & facts", "• Factcheck.kz: <dach")
    assert listed.button("Next: more wordings")
    more = await ask(
        s, editor, "https://gov.kz/dacha Ministry of Agriculture", "Ministry of Agriculture"
    )
    await press(s, editor, more, "Next: more wordings", "The claim has 1 wording")
    await ask(s, editor, "С нового года у пенсионеров отберут дачи", "has 2 wordings")
    preview = await ask(s, editor, "Pensioners' dachas to be seized by the state", "has 3")
    return await _preview(bot, editor, preview)


async def _preview(bot: Running, editor: TgUser, wordings: object) -> None:
    from tests.support.standin import Call

    assert isinstance(wordings, Call)
    preview = await press(bot.standin, editor, wordings, "Next: preview", "Preview of the public")
    assert "❌ False" in preview.plain
    assert "Pensioners will lose their dachas" in preview.plain  # the card in the editor's en
    assert "Factcheck.kz: <dachas> & facts" in preview.plain  # escaped, as typed
    assert f"slug {SLUG.split('-')[0]}" in preview.plain or "slug pensioners" in preview.plain
    bot.last_preview = preview  # type: ignore[attr-defined]


async def test_an_editor_completes_add_and_the_debunk_answers_a_public_check(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    before = await ask(bot.standin, READER, CLAIM, "did not find this claim")
    assert before
    await walk_to_preview(bot)
    preview = bot.last_preview  # type: ignore[attr-defined]
    slug_prompt = await press(bot.standin, EDITOR, preview, "Change the slug", "Send the new slug")
    assert slug_prompt
    await ask(bot.standin, EDITOR, "Not A Slug!", "A slug is 3–80 characters")
    preview = await ask(bot.standin, EDITOR, SLUG, "Preview of the public card", SLUG)
    done = await press(bot.standin, EDITOR, preview, "Publish", f"Published {SLUG}")
    assert "answers checks now" in done.plain

    card = bot.kb.card(SLUG)
    assert card is not None and card.status == "published" and card.version == 1
    assert set(card.titles) == {"ru", "en"} and len(card.claims) == 3
    assert [s.url for s in card.sources] == ["https://factcheck.kz/dacha", "https://gov.kz/dacha"]
    answer = await ask(bot.standin, READER, CLAIM, "Pensioners will lose their dachas")
    assert "❌ False" in answer.plain and "No law allows seizing dachas" in answer.plain
    with bot.kb.session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.slug == SLUG)).one()
        desk = session.get(ModeratorDesk, EDITOR.id)
    assert (event.action, event.actor_id) == ("create", EDITOR.id)
    assert desk is None or desk.draft is None  # the finished draft is gone


async def test_save_as_draft_does_not_match_until_restored(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await walk_to_preview(bot)
    preview = bot.last_preview  # type: ignore[attr-defined]
    await press(bot.standin, EDITOR, preview, "Save as draft", "as a draft")
    await ask(bot.standin, READER, CLAIM, "did not find this claim")
    slug = bot.kb.export_entries(statuses=["draft"])[0]["slug"]
    await ask(bot.standin, EDITOR, f"/restore {slug}", "is published")
    await ask(bot.standin, READER, CLAIM, "Pensioners will lose their dachas")


async def test_cancel_keeps_the_draft_and_add_continues_it(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await ask(bot.standin, EDITOR, "/add", "Send the claim")
    lang = await ask(bot.standin, EDITOR, CLAIM, "The claim is in")
    await press(bot.standin, EDITOR, lang, "ru", "What is the verdict?")
    stopped = await ask(bot.standin, EDITOR, "/cancel", "Stopped. Your draft is kept")
    assert stopped.button("Discard")
    # after /cancel, the editor's text is a public check again
    await ask(bot.standin, EDITOR, CLAIM, "did not find this claim")
    resumed = await ask(bot.standin, EDITOR, "/add", "You have an unfinished draft", CLAIM[:30])
    verdicts = await press(bot.standin, EDITOR, resumed, "Continue", "What is the verdict?")
    await press(bot.standin, EDITOR, verdicts, "Misleading", "Send the title")
    await ask(bot.standin, EDITOR, "/cancel", "Stopped")
    resumed = await ask(bot.standin, EDITOR, "/add", "You have an unfinished draft")
    await press(bot.standin, EDITOR, resumed, "Start over", "Send the claim as it circulates")


async def test_cancel_at_the_preview_discards(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await walk_to_preview(bot)
    preview = bot.last_preview  # type: ignore[attr-defined]
    await press(bot.standin, EDITOR, preview, "Cancel", "The draft is discarded")
    assert bot.kb.export_entries(statuses=["draft", "published"])[-1]["slug"] != SLUG
    pressed_again = await alert(bot.standin, EDITOR, preview, "Publish")
    assert "This step is over" in pressed_again.params.get("text", "")
    await ask(bot.standin, EDITOR, "/add", "Send the claim as it circulates")


async def test_the_conversation_survives_a_restart(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await ask(bot.standin, EDITOR, "/add", "Send the claim")
    lang = await ask(bot.standin, EDITOR, CLAIM, "The claim is in")
    verdicts = await press(bot.standin, EDITOR, lang, "ru", "What is the verdict?")
    await stop_bot(bot.app)
    bot.app = await start_bot(bot.standin, bot.settings, bot.kb)
    await press(bot.standin, EDITOR, verdicts, "False", "Send the title in 🇷🇺 Русский")
    await ask(bot.standin, EDITOR, "Пенсионеров лишат дач", "Now the disproof")


async def test_a_revoked_editor_is_stopped_mid_conversation(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await ask(bot.standin, EDITOR, "/add", "Send the claim")
    lang = await ask(bot.standin, EDITOR, CLAIM, "The claim is in")
    await ask(bot.standin, OWNER, f"/revoke {EDITOR.id}", "is no longer editor")
    refused = await alert(bot.standin, EDITOR, lang, "ru")
    assert "for Tekser's moderators" in refused.params.get("text", "")
    # the conversation ended: their text is a public check now
    await ask(bot.standin, EDITOR, CLAIM, "did not find this claim")
