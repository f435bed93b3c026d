"""What the review queue says (pure): queue items, link and dismiss steps, blocks, the
announcements in the moderators' chat, and the lines above cards sent to readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from handlers.moderation import callback_data as cb
from handlers.moderation.i18n import MN_, ModerationTranslator
from handlers.moderation.views import (
    STATUS_ICONS,
    button,
    keyboard,
    notice,
    sent_to,
    title_text,
    when,
)
from handlers.public.views import Reply, shorten
from knowledge.debunks.cards import pick_language
from knowledge.debunks.catalogue import Listing
from knowledge.moderation.review import Announcement, BlockedSubmitter, LinkResult, QueueGroup

QUEUE_TEXT_LIMIT = 1500
REASON_NAMES = {"not-a-claim": MN_("not a claim"), "true": MN_("true"), "spam": MN_("spam")}
REASON_CODES = {"nc": "not-a-claim", "tr": "true", "sp": "spam"}


def queue_item(
    tr: ModerationTranslator, group: QueueGroup, *, position: int, groups: int, pending: int
) -> Reply:
    m_ = tr.m_
    head = tr.mn_(
        "📥 Queue: {n} submission waiting", "📥 Queue: {n} submissions waiting", pending
    ).format(n=pending)
    sent = tr.mn_("sent {n} time", "sent {n} times", group.count).format(n=group.count)
    meta = [f"{position}/{groups}", sent, when(group.first_at), ", ".join(group.languages)]
    lines = [f"<b>{escape(head)}</b>", escape(" · ".join(p for p in meta if p))]
    for kind, title, url in group.origins[:3]:
        name = escape(title or kind)
        link = f'<a href="{escape(url, quote=True)}">{name}</a>' if url else name
        lines.append("↪️ " + link)
    lines.append(f"\n<blockquote>{escape(shorten(group.text, QUEUE_TEXT_LIMIT))}</blockquote>")
    sid = group.head
    return Reply(
        "\n".join(lines),
        keyboard(
            [
                button("🔗 " + m_("Link to a debunk"), cb.QueueAction(cb.QUEUE_LINK, sid)),
                button("➕ " + m_("New debunk"), cb.QueueAction(cb.QUEUE_NEW, sid)),
            ],
            [
                button("🙅 " + m_("Not a claim"), cb.QueueDismiss(sid, "nc")),
                button("✅ " + m_("True"), cb.QueueDismiss(sid, "tr")),
                button("🚫 " + m_("Spam"), cb.QueueDismiss(sid, "sp")),
            ],
            [button("⏭ " + m_("Next"), cb.QueueNext(position))],
        ),
    )


def queue_empty(tr: ModerationTranslator) -> Reply:
    return notice(tr, MN_("The queue is empty. Thank you!"), "📭")


def queue_gone(tr: ModerationTranslator) -> str:
    return tr.m_("Someone has already dealt with this one.")


def link_candidates(
    tr: ModerationTranslator, group: QueueGroup, candidates: Sequence[tuple[Listing, float]]
) -> Reply:
    m_ = tr.m_
    lines = [
        f"<blockquote>{escape(shorten(group.text, 300))}</blockquote>",
        escape(m_("Which debunk answers it?") if candidates else m_("No close debunk found.")),
    ]
    rows = []
    for listing, score in candidates:
        icon = STATUS_ICONS.get(listing.status, "")
        label = (
            f"{round(score * 100)}% {icon} {shorten(pick_language(listing.titles, tr.lang), 40)}"
        )
        rows.append([button(label, cb.QueuePick(group.head, listing.id, 1))])
    rows.append(
        [
            button("🔎 " + m_("Search"), cb.QueueAction(cb.QUEUE_SEARCH, group.head)),
            button("↩️ " + m_("Back"), cb.QueueAction(cb.QUEUE_BACK, group.head)),
        ]
    )
    return Reply("\n".join(lines), keyboard(*rows))


def search_prompt(tr: ModerationTranslator) -> Reply:
    return notice(tr, MN_("Send words to search for (drafts and retired debunks are included)."))


def search_results(
    tr: ModerationTranslator, *, head: int, query: str, items: Sequence[Listing]
) -> Reply:
    m_ = tr.m_
    if not items:
        text = m_("Nothing found for “{query}”. Send other words, or /cancel.").format(query=query)
        return Reply(escape(text))
    rows = [
        [
            button(
                f"{STATUS_ICONS.get(i.status, '')} {shorten(pick_language(i.titles, tr.lang), 45)}",
                cb.QueuePick(head, i.id, 1),
            )
        ]
        for i in items
    ]  # fmt: skip
    text = m_("Found for “{query}”:").format(query=shorten(query, 60))
    return Reply(escape(text), keyboard(*rows))


def link_confirm(
    tr: ModerationTranslator, group: QueueGroup, listing: Listing, *, add_wording: bool
) -> Reply:
    m_ = tr.m_
    title = title_text(dict(listing.titles), tr.lang, 200)
    text = tr.mn_(
        "Link {n} submission to this debunk?", "Link {n} submissions to this debunk?", group.count
    ).format(n=group.count)
    lines = [
        escape(text),
        f"{STATUS_ICONS.get(listing.status, '')} <code>{escape(listing.slug)}</code> — {title}",
    ]
    if listing.status != "published":
        lines.append(escape(m_("It is not published: readers get it once it is.")))
    tick = "☑️" if add_wording else "⬜️"
    head, debunk = group.head, listing.id
    return Reply(
        "\n".join(lines),
        keyboard(
            [
                button(f"{tick} " + m_("Add the text as a wording"), cb.QueueToggle(head, debunk,
                       int(not add_wording)))
            ],
            [
                button("✅ " + m_("Link"), cb.QueueConfirm(head, debunk, int(add_wording))),
                button("↩️ " + m_("Back"), cb.QueueAction(cb.QUEUE_LINK, head)),
            ],
        ),
    )  # fmt: skip


def linked(tr: ModerationTranslator, result: LinkResult, *, delivered: int) -> Reply:
    m_ = tr.m_
    lines = [
        "✅ "
        + escape(
            tr.mn_(
                "Linked {n} submission to {slug}.",
                "Linked {n} submissions to {slug}.",
                result.linked,
            ).format(n=result.linked, slug=result.slug)
        )
    ]
    if result.wording_added:
        lines.append(escape(m_("Its text is now a wording of the claim.")))
    if delivered:
        lines.append(escape(sent_to(tr, delivered)))
    elif not result.published:
        lines.append(escape(m_("Readers get the card once it is published.")))
    return Reply("\n".join(lines))


def dismissed(tr: ModerationTranslator, *, reason: str, group: QueueGroup) -> Reply:
    text = tr.mn_(
        "Dismissed {n} submission: {reason}.", "Dismissed {n} submissions: {reason}.", group.count
    ).format(n=group.count, reason=tr.m_(REASON_NAMES[reason]))
    if reason != "spam":
        return Reply("✅ " + escape(text))
    ask = tr.m_("Also stop whoever sent it from sending more?")
    return Reply(
        f"✅ {escape(text)}\n{escape(ask)}",
        keyboard(
            [
                button(
                    "🚫 " + tr.m_("Block the sender"), cb.QueueAction(cb.QUEUE_BLOCK, group.head)
                ),
                button("⏭ " + tr.m_("Next"), cb.QueueAction(cb.QUEUE_BACK, 0)),
            ]
        ),
    )


def blocked(tr: ModerationTranslator, *, n: int) -> Reply:
    text = tr.mn_(
        "Blocked {n} sender; /unblock lists the blocked.",
        "Blocked {n} senders; /unblock lists the blocked.",
        n,
    ).format(n=n)
    return Reply(
        "🚫 " + escape(text),
        keyboard([button("⏭ " + tr.m_("Next"), cb.QueueAction(cb.QUEUE_BACK, 0))]),
    )


def blocks_list(tr: ModerationTranslator, blocks: Sequence[BlockedSubmitter]) -> Reply:
    if not blocks:
        return Reply(escape(tr.m_("Nobody is blocked.")))
    lines = ["<b>" + escape(tr.m_("Blocked senders")) + "</b>"]
    rows = []
    for block in blocks:
        lines.append(
            f"#{block.id} · {escape(when(block.blocked_at))} · "
            f"<i>{escape(shorten(block.sample, 80))}</i>"
        )
        rows.append([button(f"✅ {tr.m_('Unblock')} #{block.id}", cb.Unblock(block.id or 0))])
    return Reply("\n".join(lines), keyboard(*rows))


def unblocked(tr: ModerationTranslator, *, found: bool) -> Reply:
    if not found:
        return Reply(escape(tr.m_("That sender is not blocked.")))
    return Reply(
        "✅ " + escape(tr.m_("Unblocked: they can send claims to the fact-checkers again."))
    )


def announcement(tr: ModerationTranslator, news: Announcement) -> Reply:
    head = tr.mn_(
        "📥 {n} new submission for the fact-checkers",
        "📥 {n} new submissions for the fact-checkers",
        news.new,
    ).format(n=news.new)
    waiting = tr.m_("{n} waiting in all: /queue").format(n=news.pending)
    lines = [f"<b>{escape(head)}</b>"]
    lines += [f"• <i>{escape(shorten(text, 120))}</i>" for text in news.samples]
    lines.append(escape(waiting))
    return Reply("\n".join(lines))


def submitter_intro(tr: ModerationTranslator) -> str:
    """HTML line above the card sent to a reader whose submission was answered."""
    return (
        "📬 <b>"
        + escape(
            tr.m_("The fact-checkers looked at the message you sent them. Here is what they found:")
        )
        + "</b>"
    )


def correction_intro(tr: ModerationTranslator) -> str:
    return (
        "✏️ <b>"
        + escape(tr.m_("Correction: the fact-checkers updated a card you received."))
        + "</b>"
    )


def blocked_submitter(tr: ModerationTranslator) -> str:
    """Plain text: the alert for a blocked reader pressing "Send to fact-checkers"."""
    return tr.m_("You can no longer send messages to the fact-checkers.")
