"""Callback data of the moderators' buttons (pure): `<prefix>:<action>:<args...>`.

Debunks and submissions are named by numeric id (slugs can be longer than Telegram's 64 bytes);
every prefix starts with "m", which no public button uses.
"""

from __future__ import annotations

ADD = "ma"  # the /add conversation
EDIT = "me"  # the /edit conversation and corrections
VIEW = "mv"  # open a debunk (/show), retire/restore/history from there
LIST = "ml"  # /list pages
QUEUE = "mq"  # the review queue
UNBLOCK = "mu"  # /unblock
IMPORT = "mi"  # /import confirmation

ANY_PATTERN = r"^m[a-z]:"


def pattern(prefix: str) -> str:
    return rf"^{prefix}:"


def data(prefix: str, *parts: object) -> str:
    return ":".join([prefix, *(str(p) for p in parts)])


def parts(value: str) -> list[str]:
    """The parts after the prefix: "mq:p:12:3" -> ["p", "12", "3"]."""
    return value.split(":")[1:]


def number(items: list[str], index: int) -> int | None:
    """The integer at `index`, or None when missing or not a number."""
    try:
        return int(items[index])
    except (IndexError, ValueError):
        return None


def text(items: list[str], index: int) -> str:
    return items[index] if index < len(items) else ""
