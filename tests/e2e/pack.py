"""A small debunk pack the end-to-end tests know by heart (independent of the bundled seed): the
debunk-pack/1 document pack.json beside this file, and its slugs by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from knowledge.formats.pack import PackDebunk, parse_pack

BIOLABS = "us-biolabs-spread-disease"
RUSSIAN_BAN = "russian-language-ban"
FIVE_G = "5g-towers-coronavirus"
BAIKONUR = "baikonur-sold-to-china"
LONG_SLUG = "x" * 70  # too long for a deep link or button: shown without them

PACK: dict[str, Any] = json.loads(Path(__file__).with_name("pack.json").read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = PACK["debunks"]


def pack_entries() -> list[PackDebunk]:
    parsed = parse_pack(PACK)
    assert parsed.problems == [], parsed.problems
    return parsed.debunks
