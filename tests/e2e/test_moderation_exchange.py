"""/export and /import end to end (documents both ways through the stand-in), and /stats."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from knowledge.moderation.audit import AuditEvent
from tests.e2e.conftest import Running
from tests.e2e.moderation_fixtures import (  # noqa: F401  (fixtures)
    EDITOR,
    OWNER,
    answer,
    ask,
    command,
    empty_bot,
    grant,
    press,
    settings,
    standin,
)
from tests.e2e.pack import BIOLABS, ENTRIES
from tests.support.standin import Call, TgUser

READER = TgUser(1800, "Reader", "en")


async def export(bot: Running, user: TgUser, text: str = "/export") -> tuple[Call, bytes]:
    since = len(bot.standin.calls)
    command(bot.standin, user, text)
    call = await bot.standin.wait_for("sendDocument", since=since)
    return call, bot.standin.uploaded(call)


async def send_file(bot: Running, user: TgUser, content: bytes, name: str, *expect: str) -> Call:
    since = len(bot.standin.calls)
    bot.standin.push_document(user, content, file_name=name)
    return await answer(bot.standin, user.id, *expect, since=since)


def pack(entries: list[dict[str, Any]]) -> bytes:
    return json.dumps({"format": "debunk-pack/1", "debunks": entries}).encode()


async def test_export_then_import_into_an_empty_base_reproduces_it(
    bot: Running,
    empty_bot: Running,  # noqa: F811  (the fixture)
) -> None:
    await grant(bot.standin, EDITOR)
    await ask(bot.standin, EDITOR, f"/retire {BIOLABS}", "retired")  # statuses travel too
    call, content = await export(bot, EDITOR)
    assert call.params["document"]["filename"].startswith("tekser-debunks-")
    assert "4 debunks · debunk-pack/1" in call.params.get("caption", "")
    document = json.loads(content)
    assert document["format"] == "debunk-pack/1" and len(document["debunks"]) == 4

    assert empty_bot.kb.export_entries() == []
    await ask(empty_bot.standin, OWNER, "/import", "Send the file as a document")
    summary = await send_file(empty_bot, OWNER, content, "export.json", "Created: 4")
    assert "Updated: 0 · Unchanged: 0 · Rejected: 0" in summary.plain
    assert empty_bot.kb.export_entries() == []  # nothing before the confirmation
    await press(empty_bot.standin, OWNER, summary, "Import 4 changes", "Imported: 4 created")

    assert empty_bot.kb.export_entries() == bot.kb.export_entries()
    assert BIOLABS not in empty_bot.kb.matcher  # retired stays retired
    reply = await ask(empty_bot.standin, READER, "Вышки 5G распространяют коронавирус", "5G")
    assert "5G towers in Almaty" in reply.plain
    with empty_bot.kb.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert len(events) == 4 and {e.actor_id for e in events} == {OWNER.id}

    await ask(empty_bot.standin, OWNER, "/import", "Send the file as a document")
    again = await send_file(empty_bot, OWNER, content, "export.json", "Unchanged: 4")
    assert "Nothing to import" in again.plain and not again.buttons()


async def test_import_of_an_invalid_file_writes_nothing(bot: Running) -> None:
    before = bot.kb.export_entries()
    await ask(bot.standin, OWNER, "/import", "Send the file")
    broken = await send_file(bot, OWNER, b'{"format": "debunk-pack/1", "debunks": [', "x.json",
                             "Nothing imported", "not valid JSON")  # fmt: skip
    assert broken
    bad_entries = pack(
        [
            {**ENTRIES[0], "verdict": "fake"},
            {"slug": "Bad Slug", "verdict": "false", "title": {}, "disproof": {"en": "x"}},
        ]
    )
    summary = await send_file(bot, OWNER, bad_entries, "bad.json", "Rejected: 2")
    assert "verdict" in summary.plain and "must be 3-80 characters" in summary.plain
    assert "Nothing to import" in summary.plain and not summary.buttons()
    assert bot.kb.export_entries() == before


async def test_import_shows_the_summary_and_cancel_writes_nothing(bot: Running) -> None:
    before = bot.kb.export_entries()
    new_entry = {
        "slug": "new-claim-from-a-file",
        "verdict": "false",
        "title": {"en": "A new claim <from> a file"},
        "disproof": {"en": "It is not true."},
        "claims": [{"lang": "en", "text": "a new claim from a file"}],
    }
    changed = {**ENTRIES[1], "verdict": "false"}
    content = pack([new_entry, changed, ENTRIES[2], {**ENTRIES[3], "sources": [{"url": "x"}]}])
    since = len(bot.standin.calls)
    bot.standin.push_document(OWNER, content, file_name="mixed.json", caption="/import")
    summary = await answer(bot.standin, OWNER.id, "Created: 1 · Updated: 1", since=since)
    assert "Unchanged: 1 · Rejected: 1" in summary.plain
    assert "sources[0].url: not an http(s) URL" in summary.plain
    await press(bot.standin, OWNER, summary, "Cancel", "Import cancelled")
    assert bot.kb.export_entries() == before


async def test_import_needs_an_admin_and_export_claimreview(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await ask(bot.standin, EDITOR, "/import", "needs the admin role")
    await ask(bot.standin, EDITOR, f"/retire {BIOLABS}", "retired")
    call, content = await export(bot, EDITOR, "/export claimreview")
    assert "3 debunks · ClaimReview JSON-LD" in call.params.get("caption", "")
    document = json.loads(content)
    assert document["@type"] == "DataFeed"
    reviewed = {review["identifier"] for review in document["dataFeedElement"]}
    assert BIOLABS not in reviewed and len(reviewed) == 3  # published debunks only


async def test_stats_show_numbers_and_a_chart(bot: Running) -> None:
    await grant(bot.standin, EDITOR)
    await ask(bot.standin, READER, "Вышки 5G распространяют коронавирус", "5G")
    await ask(bot.standin, READER, "Погода в Алматы завтра будет солнечной", "🔎")
    since = len(bot.standin.calls)
    stats = await ask(bot.standin, EDITOR, "/stats", "Tekser statistics")
    assert "Checks: today 2 · 7 days 2 · 30 days 2" in stats.plain
    assert "match 50%" in stats.plain and "none 50%" in stats.plain
    assert "5g-towers-coronavirus 1" in stats.plain
    photo = await bot.standin.wait_for("sendPhoto", since=since)
    assert bot.standin.uploaded(photo, "photo").startswith(b"\x89PNG")


async def test_import_keeps_a_richer_debunk_unless_the_moderator_replaces_it(bot: Running) -> None:
    biolabs = next(entry for entry in ENTRIES if entry["slug"] == BIOLABS)
    stored = len(biolabs["claims"])
    poorer = {**biolabs, "claims": biolabs["claims"][:1], "tags": ["edited"]}
    new_entry = {
        "slug": "new-claim-beside-a-poorer-one",
        "verdict": "false",
        "title": {"en": "A new claim"},
        "disproof": {"en": "It is not true."},
        "claims": [{"lang": "en", "text": "a new claim beside a poorer one"}],
    }
    content = pack([poorer, new_entry])

    await ask(bot.standin, OWNER, "/import", "Send the file as a document")
    summary = await send_file(bot, OWNER, content, "old.json", "Created: 1 · Updated: 0")
    assert "Kept as they are (the file lacks claim wordings they have)" in summary.plain
    assert f"{BIOLABS}: the file lacks {stored - 1} of its {stored} wordings" in summary.plain
    assert [b["text"] for b in summary.buttons()] == [
        "✅ Import 1 change", "♻️ Import, replacing 1 kept debunk", "✖️ Cancel"
    ]  # fmt: skip
    done = await press(bot.standin, OWNER, summary, "Import 1 change", "Imported: 1 created")
    assert "0 updated, 0 unchanged, 1 kept as they were" in done.plain
    card = bot.kb.card(BIOLABS)
    assert card is not None and len(card.claims) == stored and card.tags != ("edited",)
    assert "new-claim-beside-a-poorer-one" in bot.kb.matcher

    await ask(bot.standin, OWNER, "/import", "Send the file as a document")
    again = await send_file(bot, OWNER, content, "old.json", "Unchanged: 1", "Kept as they are")
    done = await press(bot.standin, OWNER, again, "replacing 1 kept", "Imported: 0 created")
    assert "1 updated, 1 unchanged, 0 kept" in done.plain
    card = bot.kb.card(BIOLABS)
    assert card is not None and [c.text for c in card.claims] == [poorer["claims"][0]["text"]]
