"""The review queue: readers' submissions grouped by identical text, the moderators' decisions
(linked to a debunk, or dismissed as not a claim / true / spam), blocked submitters, and the
mark of what the moderators' chat has been told about.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import BigInteger, Column, func, update
from sqlmodel import Field, Session, SQLModel, col, select

from knowledge.audience.pseudonyms import keyed_hash
from knowledge.audience.submissions import Submission, submission_key
from knowledge.db.transactions import Transactions
from knowledge.debunks import catalogue
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.debunks.tables import ClaimPhrasing, Debunk, utcnow
from knowledge.moderation import audit, deliveries, editing
from knowledge.moderation.audit import Actor
from knowledge.moderation.deliveries import Delivery

DISMISS_REASONS = ("not-a-claim", "true", "spam")
QUEUE_SCAN = 5000  # pending submissions read to build the groups
SAMPLE_LENGTH = 200
ANNOUNCED_MARK = "announced-submission"


class SubmissionDecision(SQLModel, table=True):
    """What the moderators decided about one submission, and whether its answer was delivered."""

    submission_id: int = Field(sa_column=submission_key())
    decision: str = Field(max_length=20)  # linked | dismissed
    slug: str | None = Field(default=None, max_length=80, index=True)
    reason: str = Field(default="", max_length=20)
    decided_by: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    decided_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class BlockedSubmitter(SQLModel, table=True):
    """A reader (by keyed hash) who may no longer send claims to the queue."""

    id: int | None = Field(default=None, primary_key=True)
    user_hash: str = Field(max_length=64, unique=True)
    sample: str = Field(default="", max_length=SAMPLE_LENGTH)  # the text that got them blocked
    blocked_by: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    blocked_at: datetime = Field(default_factory=utcnow)


class ModerationMark(SQLModel, table=True):
    """A named counter (e.g. the last submission announced in the moderators' chat)."""

    name: str = Field(primary_key=True, max_length=40)
    value: int = 0


@dataclass(frozen=True)
class QueueGroup:
    """Pending submissions with the same text: the oldest first."""

    ids: tuple[int, ...]
    text: str
    first_at: datetime
    last_at: datetime
    languages: tuple[str, ...] = ()  # most frequent first
    origins: tuple[tuple[str, str, str], ...] = ()  # (kind, title, url), distinct

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def head(self) -> int:
        """The oldest submission's id: what buttons name the group by."""
        return self.ids[0]


@dataclass(frozen=True)
class Announcement:
    new: int  # submissions since the last announcement
    pending: int  # all waiting in the queue
    samples: tuple[str, ...] = field(default=())


def queue_key(text: str) -> str:
    """Texts that differ only in case and spacing are the same submission."""
    return " ".join(text.casefold().split())


def group_submissions(submissions: Sequence[Submission]) -> list[QueueGroup]:
    """Group by identical text; groups ordered by their oldest submission."""
    grouped: dict[str, list[Submission]] = {}
    for sub in sorted(submissions, key=lambda s: (s.created_at, s.id or 0)):
        grouped.setdefault(queue_key(sub.text), []).append(sub)
    groups = []
    for members in grouped.values():
        langs = Counter(m.lang for m in members if m.lang)
        origins = dict.fromkeys(
            (m.origin_kind, m.origin_title, m.origin_url)
            for m in members
            if m.origin_kind in ("chat", "channel")
        )
        groups.append(
            QueueGroup(
                ids=tuple(m.id or 0 for m in members),
                text=members[0].text,
                first_at=members[0].created_at,
                last_at=members[-1].created_at,
                languages=tuple(lang for lang, _ in langs.most_common()),
                origins=tuple(origins),
            )
        )
    return groups


def pending_groups(session: Session) -> list[QueueGroup]:
    query = (
        select(Submission)
        .where(Submission.status == "new")
        .order_by(col(Submission.created_at), col(Submission.id))
        .limit(QUEUE_SCAN)
    )
    return group_submissions(list(session.exec(query)))


def pending_count(session: Session) -> int:
    query = select(func.count()).select_from(Submission).where(Submission.status == "new")
    return int(session.exec(query).one())


def group_of(session: Session, *, submission_id: int) -> QueueGroup | None:
    """The pending group a submission belongs to (None once it has been decided)."""
    head = session.get(Submission, submission_id)
    if head is None or head.status != "new":
        return None
    return next((g for g in pending_groups(session) if submission_id in g.ids), None)


def _decide(
    session: Session,
    *,
    group: QueueGroup,
    status: str,
    decision: str,
    actor: Actor,
    slug: str | None = None,
    reason: str = "",
) -> None:
    for sub_id in group.ids:
        sub = session.get(Submission, sub_id)
        if sub is None:
            continue
        sub.status = status
        session.add(sub)
        row = session.get(SubmissionDecision, sub_id) or SubmissionDecision(
            submission_id=sub_id, decision=decision
        )
        row.decision, row.slug, row.reason = decision, slug, reason
        row.decided_by, row.decided_at, row.delivered_at = actor.user_id, utcnow(), None
        session.add(row)


def link_group(session: Session, *, group: QueueGroup, slug: str, actor: Actor) -> None:
    """The group's submissions are answered by `slug` (delivered once it is published)."""
    _decide(session, group=group, status="reviewed", decision="linked", actor=actor, slug=slug)
    audit.record(
        session, actor=actor, action="link-submissions", slug=slug,
        after={"submissions": list(group.ids), "text": group.text[:SAMPLE_LENGTH]},
    )  # fmt: skip


def dismiss_group(session: Session, *, group: QueueGroup, reason: str, actor: Actor) -> None:
    """Not a claim, true, or spam: nothing will be sent, so the contacts are forgotten."""
    if reason not in DISMISS_REASONS:
        raise ValueError(f"reason must be one of {', '.join(DISMISS_REASONS)}")
    _decide(
        session, group=group, status="dismissed", decision="dismissed", actor=actor, reason=reason
    )
    deliveries.forget_contacts(session, submission_ids=group.ids)
    audit.record(
        session, actor=actor, action=f"dismiss-{reason}",
        after={"submissions": list(group.ids), "text": group.text[:SAMPLE_LENGTH]},
    )  # fmt: skip


def pending_deliveries(session: Session, *, slug: str) -> list[Delivery]:
    """Submitters waiting for the card of `slug`, when it is published: one per chat."""
    debunk = session.exec(select(Debunk).where(Debunk.slug == slug)).first()
    if debunk is None or debunk.status != "published":
        return []
    decided = session.exec(
        select(SubmissionDecision).where(
            SubmissionDecision.slug == slug,
            SubmissionDecision.decision == "linked",
            col(SubmissionDecision.delivered_at).is_(None),
        )
    )
    ids = [row.submission_id for row in decided]
    chats = deliveries.contacts(session, submission_ids=ids)
    by_chat: dict[int, list[int]] = {}
    for sub_id, chat_id in chats.items():
        by_chat.setdefault(chat_id, []).append(sub_id)
    result = []
    for chat_id, sub_ids in by_chat.items():
        sub = session.get(Submission, sub_ids[0])
        result.append(Delivery(chat_id, sub.lang if sub else "", slug, tuple(sorted(sub_ids))))
    return result


def mark_delivered(session: Session, *, submission_ids: Sequence[int]) -> None:
    """Delivered (or undeliverable): note it and forget the raw chat ids."""
    for sub_id in submission_ids:
        row = session.get(SubmissionDecision, sub_id)
        if row is not None:
            row.delivered_at = utcnow()
            session.add(row)
    deliveries.forget_contacts(session, submission_ids=submission_ids)


def record_contact(session: Session, *, user_hash: str, text: str, chat_id: int) -> bool:
    """Remember whom to answer for the reader's newest pending submission of `text`."""
    sub = session.exec(
        select(Submission)
        .where(Submission.user_hash == user_hash, Submission.status == "new")
        .order_by(col(Submission.id).desc())
        .limit(20)
    ).all()
    wanted = queue_key(text)
    match = next((s for s in sub if queue_key(s.text) == wanted), None)
    if match is None or match.id is None:
        return False
    return deliveries.add_contact(session, submission_id=match.id, chat_id=chat_id)


def same_text_ids(session: Session, *, submission_id: int, status: str) -> list[int]:
    """Submissions with the same text as `submission_id` and the given status (a decided
    group: e.g. to block whoever sent what was dismissed as spam)."""
    head = session.get(Submission, submission_id)
    if head is None:
        return []
    wanted = queue_key(head.text)
    rows = session.exec(select(Submission).where(Submission.status == status).limit(QUEUE_SCAN))
    return [s.id for s in rows if s.id is not None and queue_key(s.text) == wanted]


# ---------------------------------------------------------------- blocks


def is_blocked(session: Session, *, user_hash: str) -> bool:
    query = select(BlockedSubmitter.id).where(BlockedSubmitter.user_hash == user_hash)
    return session.exec(query).first() is not None


def block_submitters(session: Session, *, submission_ids: Sequence[int], actor: Actor) -> int:
    """Block whoever sent these submissions; returns how many readers were newly blocked."""
    added = 0
    for sub_id in submission_ids:
        sub = session.get(Submission, sub_id)
        if sub is None or is_blocked(session, user_hash=sub.user_hash):
            continue
        session.add(
            BlockedSubmitter(
                user_hash=sub.user_hash,
                sample=sub.text[:SAMPLE_LENGTH],
                blocked_by=actor.user_id,
            )
        )
        session.flush()
        added += 1
    if added:
        audit.record(
            session, actor=actor, action="block", after={"submissions": list(submission_ids)}
        )
    return added


def list_blocks(session: Session, *, limit: int = 20) -> list[BlockedSubmitter]:
    query = select(BlockedSubmitter).order_by(col(BlockedSubmitter.id).desc()).limit(limit)
    return list(session.exec(query))


def unblock(session: Session, *, block_id: int, actor: Actor) -> BlockedSubmitter | None:
    row = session.get(BlockedSubmitter, block_id)
    if row is not None:
        session.delete(row)
        audit.record(
            session, actor=actor, action="unblock", before={"block": block_id, "sample": row.sample}
        )
    return row


# ---------------------------------------------------------------- announcements


def take_announcement(session: Session, *, samples: int = 3) -> Announcement | None:
    """Submissions not yet announced in the moderators' chat; claims them (compare-and-set, so
    two workers never announce the same ones). None when there is nothing new."""
    mark = session.get(ModerationMark, ANNOUNCED_MARK)
    if mark is None:
        session.add(ModerationMark(name=ANNOUNCED_MARK, value=0))
        session.flush()
        mark = session.get(ModerationMark, ANNOUNCED_MARK)
        assert mark is not None
    seen = mark.value
    fresh = list(
        session.exec(
            select(Submission)
            .where(col(Submission.id) > seen, Submission.status == "new")
            .order_by(col(Submission.id))
        )
    )
    if not fresh:
        return None
    newest = max(s.id or 0 for s in fresh)
    claimed = session.execute(
        update(ModerationMark)
        .where(col(ModerationMark.name) == ANNOUNCED_MARK, col(ModerationMark.value) == seen)
        .values(value=newest)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    texts = list(dict.fromkeys(s.text for s in fresh))[:samples]
    return Announcement(len(fresh), pending_count(session), tuple(texts))


# ---------------------------------------------------------------- the service


@dataclass(frozen=True)
class LinkResult:
    slug: str
    linked: int  # submissions answered
    wording_added: bool
    published: bool  # the submitters get the card now (else once it is published)


def has_wording(session: Session, *, debunk_id: int, text: str) -> bool:
    """Whether the debunk already holds `text` as a wording (case and spacing aside)."""
    wanted = queue_key(text)
    texts = session.exec(select(ClaimPhrasing.text).where(ClaimPhrasing.debunk_id == debunk_id))
    return any(queue_key(t) == wanted for t in texts)


class ReviewQueue:
    """The review queue as moderators work it (/queue), blocks, and delivering answers to the
    readers who asked; one transaction per call."""

    def __init__(self, tx: Transactions, kb: KnowledgeBase, *, secret: str) -> None:
        self.tx = tx
        self.kb = kb
        self._secret = secret

    def _user_hash(self, user_id: int) -> str:
        return keyed_hash(self._secret, user_id)

    def queue(self) -> list[QueueGroup]:
        return self.tx.read(pending_groups)

    def group(self, submission_id: int) -> QueueGroup | None:
        return self.tx.read(lambda s: group_of(s, submission_id=submission_id))

    def link(
        self, actor: Actor, *, submission_id: int, slug: str, add_wording: bool
    ) -> LinkResult | None:
        """Answer a pending group with a debunk (its text becoming a new wording unless not
        wanted). None when the group was decided meanwhile."""

        def fn(session: Session) -> tuple[LinkResult | None, bool]:
            group = group_of(session, submission_id=submission_id)
            if group is None:
                return None, False
            debunk = editing.require(session, slug=slug)
            added = False
            if add_wording and not has_wording(session, debunk_id=debunk.id or 0, text=group.text):
                editing.add_wording(session, slug=slug, text=group.text[: editing.WORDING_MAX],
                                    actor=actor)  # fmt: skip
                added = True
            link_group(session, group=group, slug=debunk.slug, actor=actor)
            published = debunk.status == "published"
            return LinkResult(debunk.slug, group.count, added, published), added

        result, added = self.tx.write(fn)
        if added and result is not None:
            self.kb.refresh(result.slug)
        return result

    def candidates(self, text: str, *, top: int = 5) -> list[tuple[catalogue.Listing, float]]:
        """Published debunks the matcher finds closest to `text`, with their scores."""
        result = self.kb.check(text, top=top)
        scores = {m.slug: m.score for m in result.matches}

        def fn(session: Session) -> list[tuple[catalogue.Listing, float]]:
            rows = session.exec(select(Debunk).where(col(Debunk.slug).in_(list(scores))))
            found = [(catalogue.listing(d), scores[d.slug]) for d in rows]
            return sorted(found, key=lambda pair: -pair[1])

        return self.tx.read(fn) if scores else []

    def spam_senders(self, submission_id: int) -> list[int]:
        """The submissions dismissed together with `submission_id` (to block their senders)."""
        return self.tx.read(
            lambda s: same_text_ids(s, submission_id=submission_id, status="dismissed")
        )

    def dismiss(self, actor: Actor, *, submission_id: int, reason: str) -> QueueGroup | None:
        def fn(session: Session) -> QueueGroup | None:
            group = group_of(session, submission_id=submission_id)
            if group is not None:
                dismiss_group(session, group=group, reason=reason, actor=actor)
            return group

        return self.tx.write(fn)

    def block(self, actor: Actor, *, submission_ids: Sequence[int]) -> int:
        return self.tx.write(
            lambda s: block_submitters(s, submission_ids=submission_ids, actor=actor)
        )

    def unblock(self, actor: Actor, *, block_id: int) -> BlockedSubmitter | None:
        return self.tx.write(lambda s: unblock(s, block_id=block_id, actor=actor))

    def blocks(self) -> list[BlockedSubmitter]:
        return self.tx.read(list_blocks)

    def is_blocked(self, user_id: int) -> bool:
        return self.tx.read(lambda s: is_blocked(s, user_hash=self._user_hash(user_id)))

    def record_contact(self, user_id: int, *, text: str, chat_id: int) -> bool:
        user_hash = self._user_hash(user_id)
        return self.tx.write(
            lambda s: record_contact(s, user_hash=user_hash, text=text, chat_id=chat_id)
        )

    def pending_deliveries(self, slug: str) -> list[Delivery]:
        return self.tx.read(lambda s: pending_deliveries(s, slug=slug))

    def delivered(self, delivery: Delivery, *, sent: bool) -> None:
        """After sending (or failing to send for good) a card: forget contacts, remember who
        got it (for corrections)."""

        def fn(session: Session) -> None:
            if delivery.submission_ids:
                mark_delivered(session, submission_ids=delivery.submission_ids)
            if sent:
                deliveries.record_recipients(
                    session, chat_id=delivery.chat_id, slugs=[delivery.slug], lang=delivery.lang
                )

        self.tx.write(fn)

    def recipients(self, slug: str) -> list[Delivery]:
        """Readers sent the card of `slug` lately (to send them a correction)."""
        return self.tx.read(lambda s: deliveries.recent_recipients(s, slug=slug))

    def take_announcement(self) -> Announcement | None:
        return self.tx.write(take_announcement)
