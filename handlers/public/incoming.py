"""What a message asks Tekser to check: its text or caption, hidden links, and where it was
forwarded from. Pure functions over PTB objects; nothing here talks to Telegram."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from telegram import Message, MessageEntity, MessageOrigin
from telegram.constants import MessageLimit
from telegram.ext import filters

from knowledge.audience.service import Origin

MAX_INPUT = MessageLimit.MAX_TEXT_LENGTH  # 4096: the longest text Telegram delivers
_CONTROL_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)


@dataclass(frozen=True)
class Forwarded:
    """The origin of a forwarded message as the reply names it."""

    kind: str  # user | hidden_user | chat | channel
    name: str
    url: str = ""  # t.me link of the original channel post, when it has one

    def stored(self) -> Origin:
        """What may be stored with a submission: public chats by name, people by kind only."""
        if self.kind in {"chat", "channel"}:
            return Origin(self.kind, self.name, self.url)
        return Origin(self.kind)


@dataclass(frozen=True)
class Incoming:
    """A message reduced to what is checked."""

    text: str
    links: tuple[str, ...] = ()
    origin: Forwarded | None = None

    @property
    def query(self) -> str:
        """The text the matcher sees: the message plus links hidden behind words or the origin."""
        extra = [link for link in self.links if link not in self.text]
        return "\n".join([self.text, *extra]) if extra else self.text

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.links


def clean_text(text: str, limit: int = MAX_INPUT) -> str:
    """Drop control and invisible formatting characters, normalise, cap at Telegram's size."""
    text = unicodedata.normalize("NFC", _CONTROL_RE.sub("", text))
    return text[:limit].strip()


def describe_origin(origin: MessageOrigin) -> Forwarded:
    kind = origin.type
    if kind == MessageOrigin.USER:
        user = origin.sender_user  # type: ignore[attr-defined]
        return Forwarded("user", user.full_name)
    if kind == MessageOrigin.HIDDEN_USER:
        return Forwarded("hidden_user", origin.sender_user_name)  # type: ignore[attr-defined]
    if kind == MessageOrigin.CHAT:
        chat = origin.sender_chat  # type: ignore[attr-defined]
        return Forwarded("chat", chat.title or chat.username or "", _chat_link(chat.username))
    chat = origin.chat  # type: ignore[attr-defined]
    message_id = origin.message_id  # type: ignore[attr-defined]
    return Forwarded("channel", chat.title or chat.username or "", _post_link(chat, message_id))


def _chat_link(username: str | None) -> str:
    return f"https://t.me/{username}" if username else ""


def _post_link(chat: object, message_id: int) -> str:
    username = getattr(chat, "username", None)
    if username:
        return f"https://t.me/{username}/{message_id}"
    chat_id = str(getattr(chat, "id", ""))
    if chat_id.startswith("-100"):
        return f"https://t.me/c/{chat_id[4:]}/{message_id}"
    return ""


def hidden_links(message: Message) -> tuple[str, ...]:
    """URLs behind words (text_link entities) in the text or caption."""
    entities = message.entities or message.caption_entities or ()
    return tuple(e.url for e in entities if e.type == MessageEntity.TEXT_LINK and e.url)


def read_message(message: Message, *, drop: str = "") -> Incoming:
    """The text or caption of a message (minus `drop`, e.g. the bot's @mention) and its origin."""
    raw = message.text or message.caption or ""
    if drop:
        raw = re.sub(re.escape(drop), " ", raw, flags=re.IGNORECASE)
    origin = describe_origin(message.forward_origin) if message.forward_origin else None
    links = hidden_links(message)
    if origin is not None and origin.url and origin.kind == "channel":
        links = (*links, origin.url)
    return Incoming(clean_text(raw), links, origin)


def merge(first: Incoming, *others: Incoming) -> Incoming:
    """Several messages checked as one request (a forward and the reader's own words)."""
    texts = [m.text for m in (first, *others) if m.text]
    links = tuple(dict.fromkeys(link for m in (first, *others) for link in m.links))
    origin = next((m.origin for m in (first, *others) if m.origin), None)
    return Incoming(clean_text("\n\n".join(texts)), links, origin)


class MentionsMe(filters.MessageFilter):
    """Messages whose text or caption @mentions this bot."""

    def filter(self, message: Message) -> bool:
        username = message.get_bot().username
        return bool(username) and mentions(message, username)


def mentions(message: Message, username: str) -> bool:
    """True when the message text or caption @mentions the bot."""
    wanted = f"@{username}".casefold()
    for entity, value in {**message.parse_entities(), **message.parse_caption_entities()}.items():
        if entity.type == MessageEntity.MENTION and value.casefold() == wanted:
            return True
    return False
