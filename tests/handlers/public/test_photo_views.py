"""What Tekser says about pictures: the evidence line (escaped), polite lines, in every language."""

from __future__ import annotations

import pytest

from handlers.i18n import LANGUAGES, translator
from handlers.public import photo_views
from handlers.public.views import Reply
from knowledge.images.index import PictureHit
from tests.support.standin import html_errors


def test_the_evidence_names_the_picture_escaped_before_the_card() -> None:
    tr = translator("en")
    card = Reply("<b>❌ False</b>")
    hit = PictureHit("biolabs", "<script>ribbon</script> & co", 12)
    reply = photo_views.with_picture_evidence(card, tr, hit)
    assert reply.text.startswith("🖼 This picture is a copy of “&lt;script&gt;ribbon")
    assert reply.text.endswith("<b>❌ False</b>") and html_errors(reply.text) == []
    assert photo_views.with_picture_evidence(card, tr, None) is card


@pytest.mark.parametrize("lang", LANGUAGES)
def test_polite_lines_exist_in_every_language(lang: str) -> None:
    tr = translator(lang)
    lines = [
        photo_views.unreadable_picture_reply(tr).text,
        photo_views.too_large_picture_reply(tr, max_bytes=10 * 1024 * 1024).text,
        photo_views.no_words_reply(tr).text,
        photo_views.seen_picture_line(tr, PictureHit("x", "", 0)),
    ]
    assert all(line and html_errors(line) == [] for line in lines)
    assert "10" in lines[1]
    if lang != "en":
        assert lines[0] != photo_views.unreadable_picture_reply(translator("en")).text
