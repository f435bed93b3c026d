"""Attached pictures in the base, on SQLite and PostgreSQL: attaching (audited, duplicates
refused), finding copies and exact files, answers (published debunks only), and the formats
carrying the hashes through export and import."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.formats.claimreview import from_claimreviews, to_datafeed
from knowledge.formats.pack import parse_pack
from knowledge.formats.registry import render_export
from knowledge.images.checking import answer_pictures, picture_payload
from knowledge.images.index import PictureIndex
from knowledge.images.reading import picture_hashes, read_picture
from knowledge.matching.matcher import Matcher
from knowledge.moderation import editing
from knowledge.moderation.audit import SHELL, AuditEvent
from knowledge.moderation.drafts import DraftDebunk
from tests.e2e.pack import BIOLABS, FIVE_G, pack_entries
from tests.knowledge.formats.test_formats import ENTRY, pack
from tests.support.pictures import copies, encode, photo, screenshot

pytestmark = pytest.mark.ocr  # Tesseract reads the pictures

PICTURE = encode(photo(21), quality=90)


@pytest.fixture
def kb(database_url: str) -> Iterator[KnowledgeBase]:
    base = KnowledgeBase.open(database_url, matcher=Matcher())
    base.import_entries(pack_entries())
    yield base
    base.close()


def attach(kb: KnowledgeBase, slug: str, picture: bytes, **extra: str) -> editing.Change:
    with Session(kb.engine) as session:
        change = editing.add_picture(
            session, slug=slug, kind="pdq", hashes=picture_hashes(picture), name="ribbon.jpg",
            actor=SHELL, **extra,
        )  # fmt: skip
        session.commit()
    kb.refresh(slug)
    return change


def test_a_copy_is_answered_with_the_debunk_and_the_picture_as_evidence(kb: KnowledgeBase) -> None:
    attach(kb, BIOLABS, PICTURE)
    index = PictureIndex(kb.engine)
    for name, copy_ in copies(photo(21)).items():
        answer = answer_pictures(kb, index, [read_picture(copy_)])
        assert answer.answer.verdict == "match", name
        best = answer.answer.findings[0]
        assert best.card.slug == BIOLABS and best.passage == "ribbon.jpg"
        assert answer.picture is not None and answer.picture.name == "ribbon.jpg"


def test_an_unrelated_photo_is_not_a_match(kb: KnowledgeBase) -> None:
    attach(kb, BIOLABS, PICTURE)
    answer = answer_pictures(kb, PictureIndex(kb.engine), [read_picture(encode(photo(22)))])
    assert answer.answer.verdict == "none" and answer.picture is None


def test_the_words_and_the_caption_are_one_request(kb: KnowledgeBase) -> None:
    words = read_picture(encode(screenshot("Вышки 5G в Алматы распространяют коронавирус")))
    answer = answer_pictures(kb, PictureIndex(kb.engine), [words], caption="это правда?")
    assert answer.answer.verdict == "match"
    assert answer.answer.findings[0].card.slug == FIVE_G
    assert answer.text.startswith("это правда?")


def test_the_same_telegram_file_is_known_without_reading_it(kb: KnowledgeBase) -> None:
    attach(kb, BIOLABS, PICTURE, file_unique_id="AgAD-unique")
    index = PictureIndex(kb.engine)
    hit = index.by_file("AgAD-unique")
    assert hit is not None and hit.slug == BIOLABS and hit.distance == 0
    assert index.by_file("another") is None


def test_a_retired_debunks_picture_answers_nothing(kb: KnowledgeBase) -> None:
    attach(kb, BIOLABS, PICTURE)
    with Session(kb.engine) as session:
        editing.set_status(session, slug=BIOLABS, status="retired", actor=SHELL)
        session.commit()
    kb.refresh(BIOLABS)
    answer = answer_pictures(kb, PictureIndex(kb.engine), [read_picture(PICTURE)])
    assert answer.answer.verdict == "none"


def test_attaching_is_audited_and_a_second_time_refused(kb: KnowledgeBase) -> None:
    change = attach(kb, BIOLABS, PICTURE)
    assert change.action == "add-picture"
    with Session(kb.engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "add-picture")).one()
    assert event.slug == BIOLABS and event.after is not None and "pictures" in event.after
    with pytest.raises(editing.EditError) as refused:
        attach(kb, BIOLABS, PICTURE)
    assert refused.value.code == "duplicate"
    with pytest.raises(editing.EditError):
        attach(kb, "no-such-debunk", PICTURE)


def test_a_picture_attached_by_another_worker_is_found(kb: KnowledgeBase) -> None:
    index = PictureIndex(kb.engine)
    copy_ = read_picture(copies(photo(21))["JPEG 40"])
    assert index.nearest(copy_.hashes) is None
    attach(kb, BIOLABS, PICTURE)  # the index notices the new row at the next lookup
    hit = index.nearest(copy_.hashes)
    assert hit is not None and hit.slug == BIOLABS


def test_export_and_import_keep_the_pictures(kb: KnowledgeBase, database_url: str) -> None:
    attach(kb, BIOLABS, PICTURE)
    exported = kb.export_entries()
    text = render_export(exported)
    (entry,) = [e for e in json.loads(text)["debunks"] if e["slug"] == BIOLABS]
    assert entry["pictures"][0]["kind"] == "pdq" and len(entry["pictures"][0]["crops"]) == 3
    # importing the export again changes nothing
    assert kb.import_entries(parse_pack(json.loads(text)).debunks).changed == []
    # and a ClaimReview round trip carries them too
    entries, problems = from_claimreviews(json.loads(render_export(exported, fmt="claimreview")))
    assert problems == []
    (back,) = [e for e in entries if e["slug"] == BIOLABS]
    assert back["pictures"] == entry["pictures"]


def test_an_imported_pictures_copy_matches(kb: KnowledgeBase) -> None:
    entry = copy.deepcopy(ENTRY)
    hashes = picture_hashes(PICTURE)
    entry["pictures"] = [{"kind": "pdq", "hash": hashes[0], "crops": hashes[1:], "name": "x"}]
    kb.import_entries(parse_pack(pack(entry)).debunks)
    payload = picture_payload(
        kb, PictureIndex(kb.engine), read_picture(copies(photo(21))["4% crop"]), query="copy.jpg"
    )
    assert payload["verdict"] == "match" and payload["query"] == "copy.jpg"
    assert payload["matches"][0]["slug"] == ENTRY["slug"]
    assert payload["matches"][0]["matched"] == "picture: x"


def test_a_pack_picture_must_carry_a_256_bit_hash() -> None:
    entry = copy.deepcopy(ENTRY)
    entry["pictures"] = [{"kind": "pdq", "hash": "abc"}, {"kind": "md5", "hash": "0" * 64}]
    parsed = parse_pack(pack(entry))
    assert parsed.debunks == []
    assert any("pictures[0].hash" in p for p in parsed.problems)
    assert any("pictures[1].kind" in p for p in parsed.problems)


def test_claimreview_without_pictures_is_unchanged() -> None:
    entries, _ = from_claimreviews(to_datafeed([ENTRY]))
    assert "pictures" not in entries[0]


def test_a_draft_with_photos_becomes_a_debunk_with_pictures(kb: KnowledgeBase) -> None:
    hashes = picture_hashes(PICTURE)
    draft = DraftDebunk(
        claim="Пенсионеров лишат дач", lang="ru", verdict="false",
        titles={"ru": "Пенсионеров лишат дач"}, disproofs={"ru": "Закона нет."},
        slug="dachas", pictures=[{"kind": "pdq", "hash": hashes[0], "crops": hashes[1:],
                                  "name": "the ribbon photo"}],
    )  # fmt: skip
    with Session(kb.engine) as session:
        editing.create_debunk(session, draft=draft, status="published", actor=SHELL)
        session.commit()
    card = kb.card("dachas")
    assert card is not None and card.pictures[0].name == "the ribbon photo"
    hit = PictureIndex(kb.engine).nearest(read_picture(copies(photo(21))["half size"]).hashes)
    assert hit is not None and hit.slug == "dachas"
