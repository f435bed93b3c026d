"""What the stand-in hands the bot: users, chats, forward origins, entities and media, as the
Bot API's JSON."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tests.support.standin.rules import utf16_len

ANONYMOUS_ADMIN_ID = 1087968824  # @GroupAnonymousBot: sender of anonymous admins' messages
SERVICE_ACCOUNT_ID = 777000  # "Telegram": sender of automatic forwards from a linked channel


@dataclass(frozen=True)
class TgUser:
    id: int
    first_name: str = "Reader"
    language_code: str | None = "en"
    username: str | None = None
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class TgChat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    linked_chat_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


def private_chat(user: TgUser) -> TgChat:
    return TgChat(user.id, "private", first_name=user.first_name, username=user.username)


def origin_user(user: TgUser) -> dict[str, Any]:
    return {"type": "user", "date": int(time.time()) - 60, "sender_user": user.to_dict()}


def origin_hidden_user(name: str) -> dict[str, Any]:
    return {"type": "hidden_user", "date": int(time.time()) - 60, "sender_user_name": name}


def origin_chat(chat: TgChat, signature: str | None = None) -> dict[str, Any]:
    origin: dict[str, Any] = {
        "type": "chat",
        "date": int(time.time()) - 60,
        "sender_chat": chat.to_dict(),
    }
    if signature:
        origin["author_signature"] = signature
    return origin


def origin_channel(chat: TgChat, message_id: int, signature: str | None = None) -> dict[str, Any]:
    origin: dict[str, Any] = {
        "type": "channel",
        "date": int(time.time()) - 60,
        "chat": chat.to_dict(),
        "message_id": message_id,
    }
    if signature:
        origin["author_signature"] = signature
    return origin


def text_link(text: str, offset: int, length: int, url: str) -> dict[str, Any]:
    """A text_link entity (offsets in UTF-16 code units, as Telegram counts)."""
    return {"type": "text_link", "offset": offset, "length": length, "url": url}


def mention_entity(text: str, username: str) -> dict[str, Any]:
    """The mention entity of `@username` inside `text`."""
    start = text.index(f"@{username}")
    return {
        "type": "mention",
        "offset": utf16_len(text[:start]),
        "length": utf16_len(username) + 1,
    }


def command_entity(text: str) -> list[dict[str, Any]]:
    """The bot_command entity Telegram adds to a message that starts with /command."""
    if not text.startswith("/"):
        return []
    length = len(text.split()[0]) if text.split() else 1
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(text[:length])}]


def media_object(kind: str, seed: int) -> dict[str, Any]:
    file = {"file_id": f"{kind}-{seed}", "file_unique_id": f"u{kind}{seed}"}
    if kind == "photo":
        return {"photo": [{**file, "width": 800, "height": 600, "file_size": 51200}]}
    if kind == "video":
        return {"video": {**file, "width": 640, "height": 360, "duration": 12}}
    if kind == "document":
        return {"document": {**file, "file_name": "post.pdf", "mime_type": "application/pdf"}}
    if kind == "sticker":
        sticker = {"type": "regular", "width": 512, "height": 512}
        return {"sticker": {**file, **sticker, "is_animated": False, "is_video": False}}
    if kind == "voice":
        return {"voice": {**file, "duration": 3}}
    if kind == "poll":
        return {
            "poll": {
                "id": f"poll{seed}",
                "question": "Is it true?",
                "options": [
                    {"text": "yes", "voter_count": 0, "persistent_id": "o1"},
                    {"text": "no", "voter_count": 0, "persistent_id": "o2"},
                ],
                "allows_revoting": False,
                "members_only": False,
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            }
        }
    raise ValueError(f"unknown media kind {kind!r}")


def member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    if status == "administrator":
        rights = [
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        ]
        return {
            "status": status,
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            **dict.fromkeys(rights, True),
        }
    if status == "creator":
        return {"status": status, "user": user, "is_anonymous": False}
    if status == "kicked":
        return {"status": status, "user": user, "until_date": 0}
    return {"status": status if status in {"member", "left"} else "member", "user": user}
