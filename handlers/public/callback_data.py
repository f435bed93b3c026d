"""The data carried by Tekser's inline buttons and deep links, and its parsing (pure).

Telegram limits callback data and /start payloads to 64 bytes; slugs longer than fit get no
button (share, vote) rather than a broken one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64
VOTE_UP = "v+:"
VOTE_DOWN = "v-:"
SHOW_CARD = "c:"
SUBMIT = "sub"
LANGUAGE = "l:"
DEEP_LINK_CARD = "d-"
VOTE_PATTERN = r"^v[+-]:"
SHOW_CARD_PATTERN = r"^c:"
SUBMIT_PATTERN = r"^sub$"
LANGUAGE_PATTERN = r"^l:"
START_PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Vote:
    slug: str
    value: int  # +1 or -1


def fits(data: str) -> bool:
    return 0 < len(data.encode()) <= MAX_CALLBACK_BYTES


def vote_data(slug: str, value: int) -> str:
    return (VOTE_UP if value > 0 else VOTE_DOWN) + slug


def parse_vote(data: str) -> Vote | None:
    if data.startswith(VOTE_UP):
        return Vote(data[len(VOTE_UP) :], 1)
    if data.startswith(VOTE_DOWN):
        return Vote(data[len(VOTE_DOWN) :], -1)
    return None


def card_data(slug: str) -> str:
    return SHOW_CARD + slug


def parse_card(data: str) -> str | None:
    if not data.startswith(SHOW_CARD):
        return None
    return data[len(SHOW_CARD) :] or None


def language_data(lang: str) -> str:
    return LANGUAGE + lang


def parse_language(data: str) -> str | None:
    return data[len(LANGUAGE) :] if data.startswith(LANGUAGE) else None


def card_payload(slug: str) -> str | None:
    """The /start payload that opens a card, or None when the slug is too long for one."""
    payload = DEEP_LINK_CARD + slug
    return payload if START_PAYLOAD_RE.match(payload) else None


def parse_card_payload(payload: str) -> str | None:
    if payload.startswith(DEEP_LINK_CARD) and len(payload) > len(DEEP_LINK_CARD):
        return payload[len(DEEP_LINK_CARD) :]
    return None


def share_link(bot_username: str, slug: str) -> str | None:
    payload = card_payload(slug)
    return f"https://t.me/{bot_username}?start={payload}" if payload else None
