"""The glossary's terms from Telegram end to end: an editor adds ru/kk/en equivalents with /term,
and a reader writing in Kazakh is offered a debunk written only in Russian at once."""

from __future__ import annotations

from sqlmodel import select

from knowledge.moderation.audit import AuditEvent
from tests.e2e.conftest import Running
from tests.e2e.moderation_fixtures import (  # noqa: F401  (fixtures)
    EDITOR,
    ask,
    grant,
    settings,
    standin,
)
from tests.knowledge.debunks.test_terms import GROUPS, KAZAKH_MESSAGE, MEASLES
from tests.support.standin import TgUser

READER = TgUser(1501, "Reader", "en")
TITLE = MEASLES.title["ru"]


def offers_the_debunk(buttons: list[dict[str, str]]) -> bool:
    return any(TITLE in button.get("text", "") for button in buttons)


async def test_an_editor_adds_terms_and_a_kazakh_reader_is_offered_the_russian_debunk(
    bot: Running,
) -> None:
    bot.kb.import_entries([MEASLES])
    await grant(bot.standin, EDITOR)
    before = await ask(bot.standin, READER, KAZAKH_MESSAGE, "did not find this claim")
    assert not offers_the_debunk(before.buttons())

    empty = await ask(bot.standin, EDITOR, "/term", "Glossary terms added by moderators")
    assert "None yet" in empty.plain and "/term ru:" in empty.plain
    for group in GROUPS:
        added = await ask(bot.standin, EDITOR, f"/term {group}", "✅", "Added")
        assert "meet debunks written in the others" in added.plain
    listed = await ask(bot.standin, EDITOR, "/term", "#3")
    assert "#1 ru: прививка, вакцина · kk: екпе, вакцина · en: vaccine" in listed.plain

    after = await ask(bot.standin, READER, KAZAKH_MESSAGE, "Did you mean")
    assert offers_the_debunk(after.buttons())  # the Russian debunk's title, one tap away

    for number in (1, 2, 3):
        await ask(bot.standin, EDITOR, f"/term remove {number}", f"Removed term group #{number}")
    again = await ask(bot.standin, READER, KAZAKH_MESSAGE, "did not find this claim")
    assert not offers_the_debunk(again.buttons())
    with bot.kb.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.actor_id == EDITOR.id)).all()
    assert [e.action for e in events] == ["term.add"] * 3 + ["term.remove"] * 3


async def test_a_group_that_cannot_be_stored_is_explained_in_one_line(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    refused = await ask(bot.standin, EDITOR, "/term ru: детская прививка; en: vaccine", "⚠️")
    assert "is not one word" in refused.plain and "/term ru:" in refused.plain
    await ask(bot.standin, EDITOR, "/term remove 9", "There is no term group #9")
    await ask(bot.standin, EDITOR, "/term remove all", "Usage:", "/term remove 3")
    with bot.kb.session() as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "term.add")).all() == []
