"""Channel digests: `/digest daily|weekly|off [en|ru|kk]` posted in a channel where Tekser is an
administrator, or sent privately naming the channel (`/digest daily @channel`); and the job that
posts each due digest as one message (knowledge.newsroom.digests says what goes in it)."""

from __future__ import annotations

import asyncio
import logging
from html import escape
from typing import Any

from telegram import Chat, ChatFullInfo, Message, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut
from telegram.ext import BaseHandler, CallbackContext, CommandHandler, filters

from handlers.context import SERVICES_KEY, Services, TekserContext, reader_translator, send_reply
from handlers.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator, translator
from handlers.public import callback_data as callbacks
from handlers.public.views import NO_PREVIEW, Reply, badge, esc, shorten
from knowledge.debunks.tables import utcnow
from knowledge.matching.languages import text_language
from knowledge.newsroom import digests
from knowledge.newsroom.digests import Digest

log = logging.getLogger(__name__)

CHOICES = ("daily", "weekly", "off")
ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}
TITLE_LIMIT = 160


# ------------------------------------------------------------------ rendering (pure)


def usage_reply(tr: Translator) -> Reply:
    return Reply(
        esc(
            tr.gettext(
                "Send /digest daily, /digest weekly or /digest off in your channel (I must be "
                "its administrator), or here: /digest daily @channel. Add en, ru or kk to choose "
                "the digest's language."
            )
        )
    )


def subscribed_reply(tr: Translator, *, frequency: str, channel: str) -> Reply:
    if frequency == "weekly":
        text = tr.gettext("{channel} will get new and updated debunks once a week.")
    else:
        text = tr.gettext("{channel} will get new and updated debunks once a day.")
    return Reply(esc(text.format(channel=channel)))


def unsubscribed_reply(tr: Translator, *, channel: str, was: bool) -> Reply:
    if was:
        return Reply(esc(tr.gettext("{channel} will get no more digests.").format(channel=channel)))
    return Reply(esc(tr.gettext("{channel} gets no digest.").format(channel=channel)))


def not_channel_admin_reply(tr: Translator) -> Reply:
    return Reply(
        esc(
            tr.gettext(
                "Only an administrator of that channel can ask for its digest, and I must be an "
                "administrator there too, allowed to post."
            )
        )
    )


def debunk_link(slug: str, lang: str, *, public_url: str | None, bot_username: str) -> str | None:
    """The debunk's page on the public site, else the bot's deep link to its card."""
    if public_url:
        return f"{public_url.rstrip('/')}/d/{slug}?lang={lang}"
    return callbacks.share_link(bot_username, slug)


def digest_text(
    digest: Digest, tr: Translator, *, public_url: str | None, bot_username: str
) -> str:
    """One message: a heading, each new or updated debunk as a linked line, what was left out."""
    total = len(digest.cards) + digest.more
    head = tr.ngettext("{n} new or updated debunk", "{n} new or updated debunks", total).format(
        n=total
    )
    lines = [f"<b>📰 Tekser: {esc(head)}</b>", ""]
    for card in digest.cards:
        title = esc(shorten(card.title(tr.lang), TITLE_LIMIT))
        link = debunk_link(card.slug, tr.lang, public_url=public_url, bot_username=bot_username)
        if link:
            title = f'<a href="{escape(link, quote=True)}">{title}</a>'
        lines.append(f"{esc(badge(card.verdict, tr))}: {title}")
    if digest.more:
        more = tr.ngettext("…and {n} more", "…and {n} more", digest.more).format(n=digest.more)
        if public_url:
            home = escape(f"{public_url.rstrip('/')}/?lang={tr.lang}", quote=True)
            more = f'<a href="{home}">{esc(more)}</a>'
        else:
            more = esc(more)
        lines += ["", more]
    return "\n".join(lines)


def channel_language(asked: str | None, channel: Chat | ChatFullInfo) -> str:
    if asked in LANGUAGES:
        return asked
    return text_language(channel.title or "") or DEFAULT_LANGUAGE


def parse_args(args: list[str]) -> tuple[str | None, str | None, str | None]:
    """(choice, channel, language) from `daily @channel kk` in any order; None when absent."""
    choice = channel = lang = None
    for arg in args:
        word = arg.casefold()
        if word in CHOICES:
            choice = word
        elif word in LANGUAGES:
            lang = word
        elif arg.startswith("@") or arg.lstrip("-").isdigit():
            channel = arg
    return choice, channel, lang


def channel_name(channel: Chat | ChatFullInfo) -> str:
    return f"@{channel.username}" if channel.username else (channel.title or str(channel.id))


# ------------------------------------------------------------------ handlers


async def _can_post(context: TekserContext, channel_id: int) -> bool:
    me = await context.bot.get_chat_member(channel_id, context.bot.id)
    if me.status == ChatMemberStatus.OWNER:
        return True
    # Telegram states can_post_messages for channel administrators; only False refuses
    return me.status == ChatMemberStatus.ADMINISTRATOR and (
        getattr(me, "can_post_messages", None) is not False
    )


async def _change(
    context: TekserContext,
    channel: Chat | ChatFullInfo,
    choice: str,
    lang: str | None,
    tr: Translator,
) -> Reply:
    name = channel_name(channel)
    if choice == "off":
        was = await asyncio.to_thread(_unsubscribe, context.services, channel.id)
        return unsubscribed_reply(tr, channel=name, was=was)
    language = channel_language(lang, channel)
    await asyncio.to_thread(_subscribe, context.services, channel, choice, language)
    return subscribed_reply(translator(language), frequency=choice, channel=name)


def _subscribe(services: Services, channel: Chat | ChatFullInfo, frequency: str, lang: str) -> None:
    with services.kb.session() as session:
        digests.subscribe(
            session,
            chat_id=channel.id,
            title=channel.title or "",
            frequency=frequency,
            lang=lang,
            now=utcnow(),
        )
        session.commit()


def _unsubscribe(services: Services, chat_id: int) -> bool:
    with services.kb.session() as session:
        was = digests.unsubscribe(session, chat_id=chat_id)
        session.commit()
    return was


async def on_channel_digest(update: Update, context: TekserContext) -> None:
    """/digest in a channel: only its administrators can post there (Telegram sees to that), and
    a channel post reaches Tekser only when Tekser is an administrator of the channel."""
    message = update.channel_post
    if message is None:
        return
    choice, _, lang = parse_args(context.args or [])
    tr = translator(channel_language(lang, message.chat))
    if choice is None:
        reply = usage_reply(tr)
    elif not await _can_post(context, message.chat_id):
        reply = not_channel_admin_reply(tr)
    else:
        reply = await _change(context, message.chat, choice, lang, tr)
    await send_reply(context, message.chat_id, reply, reply_to=message.message_id)


async def on_private_digest(update: Update, context: TekserContext) -> None:
    """/digest daily @channel in a private chat: the sender must administer the channel (asked
    of Telegram by their user id), and Tekser must be able to post there."""
    message: Message | None = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    tr = await reader_translator(context, user)
    choice, channel_ref, lang = parse_args(context.args or [])
    if choice is None or channel_ref is None:
        await send_reply(context, message.chat_id, usage_reply(tr))
        return
    try:
        channel = await context.bot.get_chat(channel_ref)
        member = await context.bot.get_chat_member(channel.id, user.id)
        allowed = (
            channel.type == ChatType.CHANNEL
            and member.status in ADMIN_STATUSES
            and await _can_post(context, channel.id)
        )
    except (BadRequest, Forbidden):
        allowed = False
    if not allowed:
        reply = not_channel_admin_reply(tr)
    else:
        reply = await _change(context, channel, choice, lang, tr)
    await send_reply(context, message.chat_id, reply)


# ------------------------------------------------------------------ the job


def _due(services: Services) -> list[int]:
    with services.kb.session() as session:
        return digests.due(session, now=utcnow())


def _claim(services: Services, chat_id: int) -> Digest | None:
    with services.kb.session() as session:
        digest = digests.claim(session, chat_id=chat_id, now=utcnow())
        session.commit()
    return digest


def _posted(services: Services, digest: Digest) -> None:
    with services.kb.session() as session:
        digests.posted(session, digest=digest, now=utcnow())
        session.commit()


def _failed(services: Services, chat_id: int) -> None:
    with services.kb.session() as session:
        wait = digests.failed(session, chat_id=chat_id, now=utcnow())
        session.commit()
    log.warning("digest for chat %s failed; next attempt in %s", chat_id, wait)


async def post_due_digests(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Post every due digest once (each worker runs this; a digest is claimed by one of them)."""
    services: Services = context.application.bot_data[SERVICES_KEY]
    for chat_id in await asyncio.to_thread(_due, services):
        digest = await asyncio.to_thread(_claim, services, chat_id)
        if digest is None:
            continue  # another worker took it
        if digest.cards:
            text = digest_text(
                digest,
                translator(digest.lang),
                public_url=services.settings.public_url,
                bot_username=context.bot.username,
            )
            try:
                await context.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
                )
            except TimedOut:
                # Telegram may have posted it: counting it as posted never posts it twice.
                log.warning("digest for chat %s timed out; not repeated", chat_id)
            except TelegramError:
                await asyncio.to_thread(_failed, services, chat_id)
                continue
        await asyncio.to_thread(_posted, services, digest)


HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    CommandHandler("digest", on_channel_digest, filters=filters.UpdateType.CHANNEL_POST),
    CommandHandler(
        "digest", on_private_digest, filters=filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
    ),
]
