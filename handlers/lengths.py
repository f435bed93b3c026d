"""Telegram's length limits, counted the way Telegram counts them: in UTF-16 code units of the text
a reader sees (an emoji outside the Basic Multilingual Plane is two), tags dropped and entities
decoded. Cutting never splits a surrogate pair, an HTML entity or a tag, and closes open tags."""

from __future__ import annotations

import re
from html import unescape

MESSAGE_LIMIT = 4096  # a message's text, and an inline result's message text
CAPTION_LIMIT = 1024  # a photo's or a document's caption
ELLIPSIS = "…"

_HTML_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|[^<&]+|[<&]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9-]+)")


def utf16_len(text: str) -> int:
    """How long Telegram counts `text` to be."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def cut_utf16(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` UTF-16 units (whole characters only)."""
    if len(text) * 2 <= limit:
        return text
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


def fit_html(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Telegram HTML whose visible text is at most `limit` UTF-16 units: unchanged when it fits,
    else cut between characters (never inside a tag or an entity) with an ellipsis, and the tags
    still open closed."""
    if utf16_len(text) <= limit:  # the markup only adds to the count: it surely fits
        return text
    budget = limit - utf16_len(ELLIPSIS)
    kept: list[str] = []
    open_tags: list[str] = []
    for token in _HTML_TOKEN.findall(text):
        if token.startswith("<") and len(token) > 1:
            name = _TAG_NAME.match(token)
            if name is not None and token.startswith("</"):
                if open_tags and open_tags[-1] == name.group(1).lower():
                    open_tags.pop()
            elif name is not None and not token.endswith("/>"):
                open_tags.append(name.group(1).lower())
            kept.append(token)
            continue
        size = utf16_len(unescape(token))
        if size <= budget:
            kept.append(token)
            budget -= size
            continue
        if not token.startswith("&"):  # an entity is kept whole or not at all
            kept.append(cut_utf16(token, budget))
        break
    else:
        return text
    closing = "".join(f"</{name}>" for name in reversed(open_tags))
    return "".join(kept).rstrip() + ELLIPSIS + closing
