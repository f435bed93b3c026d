"""The Bot API methods the stand-in answers, by concern: the bot itself, webhooks, commands,
messages and media, files, buttons and inline answers, chats and members."""

from __future__ import annotations

import re
import time
from typing import Any

from tests.support.standin.objects import TgChat, TgUser, media_object, member
from tests.support.standin.rules import (
    COMMAND_RE,
    DEFAULT_ALLOWED,
    MAX_CAPTION,
    MAX_TEXT,
    START_PARAMETER_RE,
    bad_request,
    check_markup,
    checked_text,
    set_markup,
    without_reply,
)


class BotApiMethods:
    """The methods: `_m_<name>` answers `/bot<token>/<name>`; each returns the call's result or
    raises ApiError. Mixed into StandIn, whose state they read and change."""

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def _m_logOut(self, params: dict[str, Any]) -> bool:
        return True

    def _m_close(self, params: dict[str, Any]) -> bool:
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._m_deleteWebhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        self._state.webhook = {"url": url, "secret_token": secret}
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._state.allowed = frozenset(allowed) if allowed else DEFAULT_ALLOWED
        if params.get("drop_pending_updates"):
            self._state.pending.clear()
        assert self._loop is not None
        for update in self._state.pending.values():
            self._loop.call_soon(self._queue_delivery, update)
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self._state.webhook = None
        if params.get("drop_pending_updates"):
            self._state.pending.clear()
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        hook = self._state.webhook or {}
        return {
            "url": hook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._state.pending),
        }

    def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 commands")
        for command in commands:
            if not COMMAND_RE.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        scope = (params.get("scope") or {}).get("type", "default")
        language = str(params.get("language_code") or "")
        self._state.commands[(scope, language)] = commands
        return True

    def _m_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        scope = (params.get("scope") or {}).get("type", "default")
        return self._state.commands.get((scope, str(params.get("language_code") or "")), [])

    def _m_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        scope = (params.get("scope") or {}).get("type", "default")
        self._state.commands.pop((scope, str(params.get("language_code") or "")), None)
        return True

    def _m_setMyDescription(self, params: dict[str, Any]) -> bool:
        return True

    def _m_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        return True

    def _m_setChatMenuButton(self, params: dict[str, Any]) -> bool:
        return True

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        folder = "photos" if file_id.startswith("photo") else "documents"
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"{folder}/{file_id}",
        }

    def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        return True

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        text = checked_text(params, "text", MAX_TEXT)
        check_markup(params.get("reply_markup"))
        message = self._new_bot_message(chat, params)
        message["text"] = text
        return message

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(params, "photo")

    def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(params, "document")

    def _send_media(self, params: dict[str, Any], kind: str) -> dict[str, Any]:
        chat = self._chat(params)
        if kind not in params:
            raise bad_request(f"there is no {kind} in the request")
        check_markup(params.get("reply_markup"))
        message = self._new_bot_message(chat, params)
        message.update(media_object(kind, message["message_id"]))
        if params.get("caption"):
            message["caption"] = checked_text(params, "caption", MAX_CAPTION)
        return message

    def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        text = checked_text(params, "text", MAX_TEXT)
        check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        markup = params.get("reply_markup")
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message["text"] = text
        set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return dict(message)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        markup = params.get("reply_markup")
        if message.get("reply_markup") == markup:
            raise bad_request("message is not modified")
        set_markup(message, markup)
        return dict(message)

    def _m_deleteMessage(self, params: dict[str, Any]) -> bool:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        if self._state.messages.pop(key, None) is None:
            raise bad_request("message to delete not found")
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        return True

    def _m_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        for result in results:
            if not 1 <= len(str(result.get("id", "")).encode()) <= 64:
                raise bad_request("RESULT_ID_INVALID")
            if not result.get("title"):
                raise bad_request("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            checked_text(content, "message_text", MAX_TEXT)
            check_markup(result.get("reply_markup"))
        button = params.get("button")
        start = (button or {}).get("start_parameter")
        if start is not None and not START_PARAMETER_RE.match(str(start)):
            raise bad_request("START_PARAM_INVALID")
        return True

    def _m_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = int(params.get("chat_id", 0)), int(params.get("user_id", 0))
        status = self._state.members.get((chat_id, user_id), "member")
        user = self.bot.to_dict() if user_id == self.bot.id else TgUser(user_id).to_dict()
        return member(status, user)

    def _m_getChatAdministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = int(params.get("chat_id", 0))
        return [
            member(status, TgUser(user_id).to_dict())
            for (chat, user_id), status in self._state.members.items()
            if chat == chat_id and status in {"creator", "administrator"}
        ]

    def _m_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        data = {
            **chat.to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat.linked_chat_id is not None:
            data["linked_chat_id"] = chat.linked_chat_id
        return data

    def _chat(self, params: dict[str, Any]) -> TgChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):  # a public chat by its username
            named = [c for c in self._state.chats.values() if c.username == raw[1:]]
            if not named:
                raise bad_request("chat not found")
            return named[0]
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        chat = self._state.chats.get(chat_id)
        if chat is None:
            if chat_id <= 0:
                raise bad_request("chat not found")
            chat = TgChat(chat_id, "private", first_name="Reader")
        return chat

    def _new_bot_message(self, chat: TgChat, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.bot.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        reply = params.get("reply_parameters")
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        reply_id = reply_id if reply_id is not None else params.get("reply_to_message_id")
        if reply_id is not None:
            original = self._state.messages.get((chat.id, int(reply_id)))
            if original is not None:
                message["reply_to_message"] = without_reply(original)
            elif not (isinstance(reply, dict) and reply.get("allow_sending_without_reply")):
                raise bad_request("message to be replied not found")
        set_markup(message, params.get("reply_markup"))
        self._state.messages[(chat.id, message["message_id"])] = message
        return message

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        message = self._state.messages.get(key)
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot.id:
            raise bad_request("message can't be edited")
        return message
