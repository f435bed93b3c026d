"""/add: a new debunk in a guided conversation, buttons wherever the choices are finite.

claim → its language (detected, confirmable) → verdict → title and disproof in one language,
other languages offered → sources (address and title, repeatable) → more wordings (optional) →
preview of the public card → Publish / Save as draft / Cancel.

The draft is stored at every step (knowledge.moderation.drafts): /cancel, a restart or simply
walking away keeps it, and /add offers to continue it. The role is checked again at every step.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update

from handlers.context import TekserContext
from handlers.moderation import add_views as mr_add
from handlers.moderation import callback_data as cb
from handlers.moderation import pictures
from handlers.moderation import views as mr
from handlers.moderation.access import Acting, Handler, button, moderator_command, user_input
from handlers.moderation.delivery import deliver_answers
from handlers.moderation.routes import END, Handlers, States, command, message, pressed
from handlers.public.photos import PICTURE
from handlers.public.views import Reply
from knowledge.debunks.tables import VERDICTS
from knowledge.matching.languages import claim_language
from knowledge.moderation import editing
from knowledge.moderation.drafts import DraftDebunk
from knowledge.moderation.editing import LANGUAGE_CHOICES, EditError

CLAIM, LANG, VERDICT, TITLE, DISPROOF = (
    "add-claim",
    "add-lang",
    "add-verdict",
    "add-title",
    ("add-disproof"),
)
LANGS, SOURCES, SOURCE_TITLE = "add-langs", "add-sources", "add-source-title"
WORDINGS, PREVIEW, SLUG, RESUME = "add-wordings", "add-preview", "add-slug", "add-resume"
MAX_WORDINGS = 20
MAX_SOURCES = 10


@dataclass(frozen=True)
class Next:
    """What a step answers and where the conversation goes; `discard` drops the draft."""

    reply: Reply
    state: object
    discard: bool = False


Step = Callable[[Acting, DraftDebunk, str], Awaitable[Next]]


def prompt(who: Acting, draft: DraftDebunk, state: object, bot_username: str) -> Reply:
    """The question of a step (also to continue an abandoned draft where it stopped)."""
    tr = who.tr
    prompts: dict[object, Callable[[], Reply]] = {
        CLAIM: lambda: mr_add.add_intro(tr),
        LANG: lambda: mr_add.claim_language(tr, draft),
        VERDICT: lambda: mr.verdict_prompt(tr, functools.partial(cb.AddChoice, "verdict")),
        TITLE: lambda: mr_add.title_prompt(tr, draft.editing or draft.lang),
        DISPROOF: lambda: mr_add.disproof_prompt(tr, draft.editing or draft.lang),
        LANGS: lambda: mr_add.languages_offer(tr, draft),
        SOURCES: lambda: mr_add.sources_prompt(tr, draft),
        SOURCE_TITLE: lambda: mr_add.source_title_prompt(tr, draft.pending_url),
        WORDINGS: lambda: mr_add.wordings_prompt(tr, draft),
        PREVIEW: lambda: mr_add.preview(tr, draft, bot_username=bot_username),
        SLUG: lambda: mr_add.slug_prompt(tr, draft.slug),
    }
    return prompts.get(state, prompts[CLAIM])()


def ask(who: Acting, draft: DraftDebunk, state: object) -> Next:
    return Next(prompt(who, draft, state, who.context.bot.username), state)


def _answer(update: Update) -> str:
    """A step's input: the choice of a pressed button, or the text sent."""
    choice = button(cb.AddChoice)(update)
    return choice.answer if choice is not None else user_input(update)


def step(stay: object, body: Step) -> Handler[object]:
    """A conversation step: checks the role now, loads the draft, runs `body`, stores the
    draft and asks the next question; a refused input is explained and asked again."""

    @moderator_command(parse=_answer, refused=END)
    async def handler(who: Acting, answer: str) -> object:
        service = who.service
        draft = await asyncio.to_thread(service.desks.draft, who.user_id) or DraftDebunk()
        try:
            outcome = await body(who, draft, answer)
        except EditError as error:
            await who.say(mr.edit_error(who.tr, error))
            return stay
        if outcome.state not in (END, RESUME):
            draft.stage = str(outcome.state)
        await asyncio.to_thread(
            service.desks.save_draft, who.user_id, None if outcome.discard else draft
        )
        await who.next_prompt(outcome.reply)
        return outcome.state

    return handler


# ---------------------------------------------------------------- the steps


async def start(who: Acting, draft: DraftDebunk, text: str) -> Next:
    """/add [claim]: continue an unfinished draft, or start one (with the claim if given)."""
    if draft.claim and not text:
        return Next(mr_add.draft_found(who.tr, draft), RESUME)
    fresh = DraftDebunk()
    if text:
        return await claim(who, fresh, text)
    _replace(draft, fresh)
    return ask(who, draft, CLAIM)


async def resume(who: Acting, draft: DraftDebunk, choice: str) -> Next:
    """Continue it / Start over."""
    if choice == "restart" or not draft.claim:
        _replace(draft, DraftDebunk())
        return ask(who, draft, CLAIM)
    return ask(who, draft, draft.stage or LANG)


async def claim(who: Acting, draft: DraftDebunk, text: str) -> Next:
    """The claim as it circulates; its language is detected and offered for confirmation."""
    draft.claim = editing.check_text(text, limit=editing.WORDING_MAX)
    draft.lang = claim_language(draft.claim)
    return ask(who, draft, LANG)


async def language(who: Acting, draft: DraftDebunk, lang: str) -> Next:
    if lang in LANGUAGE_CHOICES:
        draft.lang = draft.editing = lang
    return ask(who, draft, VERDICT)


async def verdict(who: Acting, draft: DraftDebunk, value: str) -> Next:
    if value not in VERDICTS:
        return ask(who, draft, VERDICT)
    draft.verdict = value
    draft.editing = draft.editing or draft.lang
    return ask(who, draft, TITLE)


async def title(who: Acting, draft: DraftDebunk, text: str) -> Next:
    lang = draft.editing or draft.lang
    draft.titles[lang] = editing.check_text(text, limit=editing.TITLE_MAX)
    return ask(who, draft, DISPROOF)


async def disproof(who: Acting, draft: DraftDebunk, text: str) -> Next:
    lang = draft.editing or draft.lang
    draft.disproofs[lang] = editing.check_text(text, limit=editing.DISPROOF_MAX)
    return ask(who, draft, LANGS)


async def other_language(who: Acting, draft: DraftDebunk, lang: str) -> Next:
    """➕ a language: its title and disproof next."""
    if lang not in LANGUAGE_CHOICES:
        return ask(who, draft, LANGS)
    draft.editing = lang
    return ask(who, draft, TITLE)


async def to_sources(who: Acting, draft: DraftDebunk, _: str) -> Next:
    if not draft.languages:
        return ask(who, draft, TITLE)
    return ask(who, draft, SOURCES)


async def source(who: Acting, draft: DraftDebunk, text: str) -> Next:
    """ "https://… Title": a source; without a title, the title is asked next."""
    url, _, label = text.partition(" ")
    url = editing.check_url(url.strip())
    if len(draft.sources) >= MAX_SOURCES:
        return ask(who, draft, WORDINGS)
    if not label.strip():
        draft.pending_url = url
        return ask(who, draft, SOURCE_TITLE)
    title_text = editing.check_text(label, limit=editing.SOURCE_TITLE_MAX)
    draft.sources.append({"url": url, "title": title_text})
    return ask(who, draft, SOURCES)


async def source_title(who: Acting, draft: DraftDebunk, text: str) -> Next:
    label = "" if text == "notitle" else editing.check_text(text, limit=editing.SOURCE_TITLE_MAX)
    if draft.pending_url:
        draft.sources.append({"url": draft.pending_url, "title": label})
    draft.pending_url = ""
    return ask(who, draft, SOURCES)


async def to_wordings(who: Acting, draft: DraftDebunk, _: str) -> Next:
    return ask(who, draft, WORDINGS)


async def wording(who: Acting, draft: DraftDebunk, text: str) -> Next:
    text = editing.check_text(text, limit=editing.WORDING_MAX)
    known = {" ".join(c["text"].casefold().split()) for c in draft.claims()}
    if " ".join(text.casefold().split()) in known:
        raise EditError("duplicate", slug=draft.slug or "…")
    if len(draft.wordings) < MAX_WORDINGS:
        draft.wordings.append({"lang": claim_language(text), "text": text})
    return ask(who, draft, WORDINGS)


async def to_preview(who: Acting, draft: DraftDebunk, _: str) -> Next:
    if not draft.slug:
        base = draft.titles.get("en") or next(iter(draft.titles.values()), draft.claim)
        draft.slug = await asyncio.to_thread(who.service.debunks.suggest_slug, base)
    return ask(who, draft, PREVIEW)


async def new_slug(who: Acting, draft: DraftDebunk, text: str) -> Next:
    slug = editing.check_slug(text)
    if slug != draft.slug and not await asyncio.to_thread(who.service.debunks.slug_free, slug):
        raise EditError("slug-taken", slug=slug)
    draft.slug = slug
    return ask(who, draft, PREVIEW)


async def finish(who: Acting, draft: DraftDebunk, choice: str) -> Next:
    """Publish / Save as draft / Cancel / Change the slug."""
    if choice == "slug":
        return ask(who, draft, SLUG)
    if choice == "cancel":
        return Next(mr_add.discarded(who.tr), END, discard=True)
    status = "published" if choice == "publish" else "draft"
    service = who.service
    change = await asyncio.to_thread(service.debunks.create, draft, status=status, actor=who.actor)
    delivered = await deliver_answers(who.context, change.slug) if status == "published" else 0
    return Next(mr_add.published(who.tr, change, delivered=delivered), END, discard=True)


def _replace(draft: DraftDebunk, fresh: DraftDebunk) -> None:
    draft.__dict__.update(fresh.__dict__)


# ---------------------------------------------------------------- entry, cancel, stray input


async def on_add(update: Update, context: TekserContext) -> object:
    """/add [claim]: start (or continue) a new debunk."""
    return await step(CLAIM, start)(update, context)


@moderator_command(refused=END)
async def on_cancel(who: Acting, _: str) -> object:
    """/cancel at any step: stop; the draft (if any) is kept for /add."""
    service = who.service
    draft = await asyncio.to_thread(service.desks.draft, who.user_id)
    await asyncio.to_thread(service.desks.save_task, who.user_id, None)
    await who.say(mr_add.stopped(who.tr, has_draft=draft is not None))
    return END


@moderator_command(parse=button(cb.AddChoice))
async def on_discard(who: Acting, _: cb.AddChoice) -> None:
    """🗑 Discard the draft (under the /cancel answer)."""
    await asyncio.to_thread(who.service.desks.save_draft, who.user_id, None)
    await who.next_prompt(mr_add.discarded(who.tr))


@moderator_command(refused=END)
async def on_use_buttons(who: Acting, _: str) -> object:
    """Text where a button is expected: ask the same question again."""
    draft = await asyncio.to_thread(who.service.desks.draft, who.user_id) or DraftDebunk()
    state = draft.stage or CLAIM
    await who.say(prompt(who, draft, state, who.context.bot.username))
    return state


async def picture(who: Acting, draft: DraftDebunk, _: str) -> Next:
    """A photo sent at any step: a picture the claim travels with (only its hashes are kept);
    then the step's question again."""
    found = await pictures.attachment(who, who.update.effective_message)
    if found is not None and found.hashes[0] not in {p["hash"] for p in draft.pictures}:
        draft.pictures.append(found.pack_picture())
    state = draft.stage or CLAIM
    question = ask(who, draft, state).reply
    if found is None:
        return Next(question, state)
    added = pictures.picture_added(who.tr, len(draft.pictures))
    return Next(Reply(f"{added}\n\n{question.text}", question.markup), state)


STRAY_TEXT = message(on_use_buttons)

ENTRY_POINTS: Handlers = [
    command("add", on_add),
]
STATES: States = {
    RESUME: [pressed(cb.AddChoice, step(RESUME, resume), "(continue|restart)")],
    CLAIM: [message(step(CLAIM, claim))],
    LANG: [pressed(cb.AddChoice, step(LANG, language), "lang")],
    VERDICT: [pressed(cb.AddChoice, step(VERDICT, verdict), "verdict")],
    TITLE: [message(step(TITLE, title))],
    DISPROOF: [message(step(DISPROOF, disproof))],
    LANGS: [
        pressed(cb.AddChoice, step(LANGS, other_language), "addlang"),
        pressed(cb.AddChoice, step(LANGS, to_sources), "sources"),
    ],
    SOURCES: [
        message(step(SOURCES, source)),
        pressed(cb.AddChoice, step(SOURCES, to_wordings), "wordings"),
    ],
    SOURCE_TITLE: [
        message(step(SOURCE_TITLE, source_title)),
        pressed(cb.AddChoice, step(SOURCE_TITLE, source_title), "notitle"),
    ],
    WORDINGS: [
        message(step(WORDINGS, wording)),
        pressed(cb.AddChoice, step(WORDINGS, to_preview), "preview"),
    ],
    PREVIEW: [
        pressed(cb.AddChoice, step(PREVIEW, finish), "(publish|draft|cancel|slug)"),
    ],
    SLUG: [message(step(SLUG, new_slug))],
}
BUTTON_STATES = (RESUME, LANG, VERDICT, LANGS, PREVIEW)
for _state in BUTTON_STATES:
    STATES[_state].append(STRAY_TEXT)
for _step, _handlers in STATES.items():  # a photo at any step: a picture of the claim
    if _step != RESUME:
        _handlers.insert(0, message(step(_step, picture), PICTURE))

HANDLERS: Handlers = [
    pressed(cb.AddChoice, on_discard, "discard"),
]
