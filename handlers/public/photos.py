"""Pictures: photos and image files, sent or forwarded privately (they reach `respond` through
`checks`, held like forwards: an album, or a forward and the reader's words, is one request), under
a mention or a /check in a group, or seen by a group's automatic checks (confident matches only).
The words in them, with the captions, are checked like a text; a copy of a picture attached to a
debunk is answered with that debunk, the picture named as the evidence."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from handlers.context import TekserContext, answer_message, auto_checks_on, reader_translator
from handlers.i18n import DEFAULT_LANGUAGE, Translator, translator
from handlers.public import photo_views
from handlers.public import views as render
from handlers.public.incoming import Forwarded, MentionsMe, clean_text, describe_origin
from handlers.public.limits import Allowance
from knowledge.audience.service import CardsSent
from knowledge.images.checking import PictureAnswer, answer_pictures
from knowledge.images.index import PictureHit
from knowledge.images.reading import PictureReading, UndecodablePicture
from knowledge.images.service import Pictures
from knowledge.matching.languages import text_language

log = logging.getLogger(__name__)

PICTURE = filters.PHOTO | filters.Document.IMAGE


@dataclass(frozen=True)
class Looked:
    """What became of the pictures of one request."""

    readings: tuple[PictureReading, ...] = ()
    known: tuple[PictureHit, ...] = ()  # recognised by Telegram's file id, not downloaded
    unreadable: int = 0
    too_large: int = 0


def picture_file(
    message: Message, max_bytes: int | None = None
) -> tuple[str, str, int | None] | None:
    """(file_id, file_unique_id, size) of the message's picture: a photo's largest size (within
    `max_bytes` when one is), or an image sent as a file."""
    if message.photo:
        fitting = [p for p in message.photo if max_bytes is None or (p.file_size or 0) <= max_bytes]
        photo = (fitting or message.photo)[-1]
        return photo.file_id, photo.file_unique_id, photo.file_size
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return document.file_id, document.file_unique_id, document.file_size
    return None


async def download_picture(context: TekserContext, file_id: str, max_bytes: int) -> bytes | None:
    """The picture's bytes through getFile, or None when Telegram refuses it."""
    try:
        file = await context.bot.get_file(file_id)
        if file.file_size is not None and file.file_size > max_bytes:
            raise ValueError("too large")
        return bytes(await file.download_as_bytearray())
    except TelegramError as error:
        log.info("picture not downloaded: %s", error)
        return None


async def look(context: TekserContext, pictures: Pictures, messages: list[Message]) -> Looked:
    """Recognise or download and read the picture of each message."""
    readings: list[PictureReading] = []
    known: list[PictureHit] = []
    unreadable = too_large = 0
    for message in messages:
        found = picture_file(message, pictures.max_bytes)
        if found is None:
            continue
        file_id, unique_id, size = found
        hit = await asyncio.to_thread(pictures.index.by_file, unique_id)
        if hit is not None:
            known.append(hit)
            continue
        if size is not None and size > pictures.max_bytes:
            too_large += 1
            continue
        try:
            data = await download_picture(context, file_id, pictures.max_bytes)
        except ValueError:
            too_large += 1
            continue
        if data is None or len(data) > pictures.max_bytes:
            unreadable += data is None
            too_large += data is not None
            continue
        try:
            readings.append(await pictures.pool.read(data))
        except UndecodablePicture as error:
            log.info("picture not decoded: %s", error)
            unreadable += 1
    return Looked(tuple(readings), tuple(known), unreadable, too_large)


def caption_of(messages: list[Message], *, drop: str = "") -> str:
    """The captions of the pictures and the texts sent with them (a forward, the reader's
    words), as one text."""
    captions = [text for m in messages if (text := m.caption or m.text)]
    text = "\n\n".join(captions)
    return clean_text(text.replace(drop, " ") if drop else text)


async def _checked(
    context: TekserContext, messages: list[Message], *, drop: str = "", words: str = ""
) -> tuple[Looked, PictureAnswer | None]:
    """The pictures looked at and, when anything could be checked, the answer."""
    pictures = context.services.pictures
    assert pictures is not None
    looked = await look(context, pictures, messages)
    caption = "\n\n".join(p for p in (caption_of(messages, drop=drop), words) if p)
    if not looked.readings and not looked.known and not caption:
        return looked, None
    answer = await asyncio.to_thread(
        answer_pictures,
        context.kb,
        pictures.index,
        looked.readings,
        caption=caption,
        known=looked.known,
        cards=context.services.cards,
    )
    return looked, answer


def compose(
    context: TekserContext,
    looked: Looked,
    checked: PictureAnswer | None,
    tr: Translator,
    *,
    origin: Forwarded | None = None,
) -> render.Reply:
    """The reply to a reader's pictures (`origin`: where the first was forwarded from)."""
    if checked is None:
        if looked.too_large:
            max_bytes = context.settings.picture_max_bytes
            return photo_views.too_large_picture_reply(tr, max_bytes=max_bytes)
        return photo_views.unreadable_picture_reply(tr)
    if not checked.text and checked.picture is None:
        return photo_views.no_words_reply(tr)
    reply = render.answer_reply(
        checked.answer,
        tr,
        bot_username=context.bot.username,
        count=len(context.kb.matcher),
        origin=origin,
    )
    return photo_views.with_picture_evidence(reply, tr, checked.picture)


async def _allowance(
    update: Update, context: TekserContext, pictures: int, counted: Allowance | None
) -> Allowance:
    """Each picture counts as one check of the reader's quota (`counted`: one check taken
    already, for the reader's words)."""
    user = update.effective_user
    if user is None:
        return Allowance.ALLOWED
    worst = counted or Allowance.ALLOWED
    for _ in range(max(1, pictures) - (counted is not None)):
        taken = await context.services.limiter.take(user.id)
        if taken is not Allowance.ALLOWED and worst is Allowance.ALLOWED:
            worst = taken
    return worst


async def respond(
    update: Update,
    context: TekserContext,
    messages: list[Message],
    *,
    drop: str = "",
    words: str = "",
    allowance: Allowance | None = None,
) -> None:
    """Check a reader's pictures (one request, with their captions minus `drop`, and `words`)
    and answer the first of them."""
    target = messages[0]
    tr = await reader_translator(context, update.effective_user)
    pictures = sum(picture_file(m) is not None for m in messages)
    allowance = await _allowance(update, context, pictures, allowance)
    if allowance is Allowance.SILENT:
        return
    if allowance is Allowance.NOTIFY:
        per_minute = context.settings.checks_per_minute
        await answer_message(context, target, render.rate_limited_reply(tr, per_minute=per_minute))
        return
    looked, checked = await _checked(context, messages, drop=drop, words=words)
    origin = describe_origin(target.forward_origin) if target.forward_origin else None
    reply = compose(context, looked, checked, tr, origin=origin)
    check, cards = None, None
    if checked is not None:
        chat_type = target.chat.type
        check = checked.answer.check_entry(source="picture", chat_type=chat_type, lang=tr.lang)
        shown = tuple(f.card.slug for f in checked.answer.findings)
        if chat_type == ChatType.PRIVATE and checked.answer.verdict == "match" and shown:
            cards = CardsSent(target.chat_id, shown, tr.lang)
    await answer_message(context, target, reply, check=check, cards=cards)


async def on_group_mention(update: Update, context: TekserContext) -> None:
    """A picture in a group whose caption mentions the bot: an explicit request."""
    message = update.effective_message
    assert message is not None
    await respond(update, context, [message], drop=f"@{context.bot.username}")


async def on_group_picture(update: Update, context: TekserContext) -> None:
    """A picture in a group with automatic checks: answered only on a confident match."""
    message = update.effective_message
    assert message is not None
    if message.via_bot is not None or not await auto_checks_on(context, message.chat):
        return
    _, checked = await _checked(context, [message])
    if checked is None or checked.answer.verdict != "match":
        return
    if await asyncio.to_thread(context.audience.reply_for, message.chat_id, message.message_id):
        return  # answered already (a repeated delivery)
    tr = translator(text_language(checked.text) or DEFAULT_LANGUAGE)
    reply = render.matches_reply(
        checked.answer.findings, tr, bot_username=context.bot.username, origin=None
    )
    reply = photo_views.with_picture_evidence(reply, tr, checked.picture)
    check = checked.answer.check_entry(source="auto", chat_type=message.chat.type, lang=tr.lang)
    await answer_message(context, message, reply, check=check)


async def on_request_about_picture(update: Update, context: TekserContext) -> None:
    """/check, or a mention of the bot, sent as a reply to a picture: check that picture, with
    the words that came with the request ("is this true?")."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    words = request_words(message.text or "", context.bot.username)
    await respond(update, context, [message.reply_to_message], words=words)


def request_words(text: str, username: str) -> str:
    """What a /check or a mention says besides the command and the bot's name."""
    text = re.sub(re.escape(f"@{username}"), " ", text, flags=re.IGNORECASE).strip()
    if text.startswith("/"):
        text = text.partition(" ")[2]
    return clean_text(text)


class RepliesToPicture(filters.MessageFilter):
    """Messages that reply to a photo or an image file."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return replied is not None and picture_file(replied) is not None


NEW = filters.UpdateType.MESSAGE
PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS

HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    MessageHandler(GROUPS & NEW & PICTURE & MentionsMe(), on_group_mention),
    MessageHandler(GROUPS & NEW & PICTURE, on_group_picture),
    # with nothing else to check (a bare /check or mention): the picture it replies to
    CommandHandler("check", on_request_about_picture, filters=NEW & RepliesToPicture()),
    MessageHandler(
        GROUPS & NEW & MentionsMe() & RepliesToPicture() & ~PICTURE, on_request_about_picture
    ),
]
