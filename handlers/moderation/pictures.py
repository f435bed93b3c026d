"""Moderators attaching pictures to a debunk: `/seen slug` sent as a reply to a photo or an image
file. Only the picture's perceptual hashes are kept (and Telegram's id of the file)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Message, Update

from handlers.moderation.access import Acting, slug_and_text, slug_argument
from handlers.moderation.i18n import ModerationTranslator
from handlers.public.photos import download_picture, picture_file
from handlers.public.views import Reply, esc
from knowledge.images.hashing import DEFAULT_KIND
from knowledge.images.reading import UndecodablePicture

NAME_LIMIT = 200


@dataclass(frozen=True)
class Attachment:
    """What `knowledge.moderation.editing.add_picture` is given for a picture sent in Telegram."""

    hashes: list[str]
    name: str
    file_unique_id: str

    def pack_picture(self) -> dict[str, Any]:
        """As a pack entry's picture (a draft keeps it so until the debunk is created)."""
        return {"kind": DEFAULT_KIND, "hash": self.hashes[0], "crops": self.hashes[1:],
                "name": self.name}  # fmt: skip

    def edit_arguments(self) -> dict[str, Any]:
        return {
            "kind": DEFAULT_KIND,
            "hashes": self.hashes,
            "name": self.name,
            "file_unique_id": self.file_unique_id,
        }


def replied_picture(update: Update) -> Message | None:
    """The message with a picture the command replies to."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    return replied if replied is not None and picture_file(replied) is not None else None


def seen_arguments(update: Update) -> tuple[str, str] | None:
    """/seen's arguments: the slug and a URL, or the slug alone in a reply to a picture."""
    found = slug_and_text(update)
    if found is not None:
        return found
    slug = slug_argument(update)
    return (slug, "") if slug and replied_picture(update) is not None else None


def picture_name(message: Message) -> str:
    """How answers will name the picture: its caption, else its file name, else its date."""
    if message.caption:
        return message.caption.strip()[:NAME_LIMIT]
    if message.document is not None and message.document.file_name:
        return message.document.file_name[:NAME_LIMIT]
    return f"photo of {message.date:%Y-%m-%d}"


async def attachment(who: Acting, message: Message | None) -> Attachment | None:
    """The hashes of the picture in `message` (downloaded and hashed in the picture pool); None,
    and the moderator told why, when it cannot be read."""
    pictures = who.context.services.pictures
    found = picture_file(message) if message is not None else None
    if message is None or found is None or pictures is None:
        return None
    file_id, unique_id, size = found
    data = None
    if size is None or size <= pictures.max_bytes:
        try:
            data = await download_picture(who.context, file_id, pictures.max_bytes)
        except ValueError:
            data = None
    try:
        if data is None:
            raise UndecodablePicture("not downloaded")
        hashes = await pictures.pool.hashes(data)
    except UndecodablePicture:
        await who.say(unreadable_picture(who.tr))
        return None
    return Attachment(hashes, picture_name(message), unique_id)


def picture_added(tr: ModerationTranslator, count: int) -> str:
    """The line before the step's question again, after a photo sent during /add."""
    text = tr.m_("🖼 Picture {n} added to the draft: copies of it will match once published.")
    return esc(text.format(n=count))


def unreadable_picture(tr: ModerationTranslator) -> Reply:
    return Reply(esc(tr.m_("I could not open that picture: send it again as a photo (JPEG, PNG).")))
