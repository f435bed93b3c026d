"""What /grant, /revoke and /moderators say (pure)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from html import escape

from handlers.moderation.i18n import MN_, ModerationTranslator
from handlers.moderation.views import ROLE_NAMES, notice, when
from handlers.public.views import Reply
from knowledge.moderation.roles import Moderator


def granted(tr: ModerationTranslator, *, moderator: Moderator) -> Reply:
    text = tr.m_("{who} is now {role}.").format(
        who=_who(moderator.user_id, moderator.name), role=tr.m_(ROLE_NAMES[moderator.role])
    )
    return Reply("✅ " + escape(text))


def revoked(tr: ModerationTranslator, *, user_id: int, removed: Moderator | None) -> Reply:
    if removed is None:
        return Reply(escape(tr.m_("{who} is not a moderator.").format(who=user_id)))
    text = tr.m_("{who} is no longer {role}.").format(
        who=_who(removed.user_id, removed.name), role=tr.m_(ROLE_NAMES[removed.role])
    )
    return Reply("✅ " + escape(text))


WHO_MANAGES_WHOM = MN_(
    "Owners manage admins and editors; admins manage editors. Owners are set in "
    "TEKSER_OWNER_IDS, and nobody changes their own role."
)
HIDDEN_FORWARD = MN_(
    "I cannot see who wrote that message (their forwards are hidden). "
    "Ask them for their numeric Telegram id and use /grant ID ROLE."
)


def not_allowed_to_manage(tr: ModerationTranslator) -> Reply:
    return notice(tr, WHO_MANAGES_WHOM, "🔒")


def hidden_forward(tr: ModerationTranslator) -> Reply:
    return notice(tr, HIDDEN_FORWARD)


def _who(user_id: int, name: str) -> str:
    return f"{name} ({user_id})" if name else str(user_id)


def moderators_list(
    tr: ModerationTranslator, *, owners: Collection[int], moderators: Sequence[Moderator]
) -> Reply:
    lines = ["<b>" + escape(tr.m_("Moderators")) + "</b>"]
    lines += [f"👑 <code>{owner}</code> — {escape(tr.m_('owner'))}" for owner in sorted(owners)]
    for mod in moderators:
        name = f" {escape(mod.name)}" if mod.name else ""
        lines.append(
            f"• <code>{mod.user_id}</code>{name} — {escape(tr.m_(ROLE_NAMES[mod.role]))}"
            f" <i>({escape(when(mod.granted_at))})</i>"
        )
    if not moderators:
        lines.append(escape(tr.m_("No admins or editors yet: /grant ID editor")))
    return Reply("\n".join(lines))
