"""/add: a new debunk in a guided conversation, buttons wherever the choices are finite.

claim → its language (detected, confirmable) → verdict → title and disproof in one language,
other languages offered → sources (address and title, repeatable) → more wordings (optional) →
preview of the public card → Publish / Save as draft / Cancel.

The draft is stored at every step (knowledge.moderation.drafts): /cancel, a restart or simply
walking away keeps it, and /add offers to continue it. The role is checked again at every step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers.context import TekserContext
from handlers.moderation import add_views as mr_add
from handlers.moderation import callback_data as cb
from handlers.moderation import views as mr
from handlers.moderation.access import (
    Acting,
    acting,
    moderation,
    next_prompt,
    say,
    user_input,
)
from handlers.moderation.delivery import deliver_answers
from handlers.public.views import Reply
from knowledge.debunks.tables import VERDICTS
from knowledge.moderation import editing
from knowledge.moderation.drafts import DraftDebunk
from knowledge.moderation.editing import LANGUAGE_CHOICES, EditError

END = ConversationHandler.END
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


Step = Callable[[TekserContext, Acting, DraftDebunk, str], Awaitable[Next]]


def prompt(who: Acting, draft: DraftDebunk, state: object, bot_username: str) -> Reply:
    """The question of a step (also to continue an abandoned draft where it stopped)."""
    tr = who.tr
    prompts: dict[object, Callable[[], Reply]] = {
        CLAIM: lambda: mr_add.add_intro(tr),
        LANG: lambda: mr_add.claim_language(tr, draft),
        VERDICT: lambda: mr.verdict_prompt(tr),
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


def ask(context: TekserContext, who: Acting, draft: DraftDebunk, state: object) -> Next:
    return Next(prompt(who, draft, state, context.bot.username), state)


def step(
    stay: object, body: Step
) -> Callable[[Update, TekserContext], Coroutine[Any, Any, object]]:
    """A conversation step: checks the role now, loads the draft, runs `body`, stores the
    draft and asks the next question; a refused input is explained and asked again."""

    async def handler(update: Update, context: TekserContext) -> object:
        who = await acting(update, context)
        if who is None:
            return END
        service = moderation(context)
        draft = await asyncio.to_thread(service.draft, who.user_id) or DraftDebunk()
        try:
            outcome = await body(context, who, draft, user_input(update))
        except EditError as error:
            await say(context, who, mr.edit_error(who.tr, error))
            return stay
        if outcome.state not in (END, RESUME):
            draft.stage = str(outcome.state)
        await asyncio.to_thread(service.save_draft, who.user_id, None if outcome.discard else draft)
        await next_prompt(update, context, who, outcome.reply)
        return outcome.state

    return handler


# ---------------------------------------------------------------- the steps


async def start(context: TekserContext, who: Acting, draft: DraftDebunk, text: str) -> Next:
    """/add [claim]: continue an unfinished draft, or start one (with the claim if given)."""
    if draft.claim and not text:
        return Next(mr_add.draft_found(who.tr, draft), RESUME)
    fresh = DraftDebunk()
    if text:
        return await claim(context, who, fresh, text)
    _replace(draft, fresh)
    return ask(context, who, draft, CLAIM)


async def resume(context: TekserContext, who: Acting, draft: DraftDebunk, choice: str) -> Next:
    """Continue it / Start over."""
    if choice == "restart" or not draft.claim:
        _replace(draft, DraftDebunk())
        return ask(context, who, draft, CLAIM)
    return ask(context, who, draft, draft.stage or LANG)


async def claim(context: TekserContext, who: Acting, draft: DraftDebunk, text: str) -> Next:
    """The claim as it circulates; its language is detected and offered for confirmation."""
    draft.claim = editing.check_text(text, limit=editing.WORDING_MAX)
    draft.lang = editing.detect_language(draft.claim)
    return ask(context, who, draft, LANG)


async def language(context: TekserContext, who: Acting, draft: DraftDebunk, lang: str) -> Next:
    if lang in LANGUAGE_CHOICES:
        draft.lang = draft.editing = lang
    return ask(context, who, draft, VERDICT)


async def verdict(context: TekserContext, who: Acting, draft: DraftDebunk, value: str) -> Next:
    if value not in VERDICTS:
        return ask(context, who, draft, VERDICT)
    draft.verdict = value
    draft.editing = draft.editing or draft.lang
    return ask(context, who, draft, TITLE)


async def title(context: TekserContext, who: Acting, draft: DraftDebunk, text: str) -> Next:
    lang = draft.editing or draft.lang
    draft.titles[lang] = editing.check_text(text, limit=editing.TITLE_MAX)
    return ask(context, who, draft, DISPROOF)


async def disproof(context: TekserContext, who: Acting, draft: DraftDebunk, text: str) -> Next:
    lang = draft.editing or draft.lang
    draft.disproofs[lang] = editing.check_text(text, limit=editing.DISPROOF_MAX)
    return ask(context, who, draft, LANGS)


async def other_language(
    context: TekserContext, who: Acting, draft: DraftDebunk, lang: str
) -> Next:
    """➕ a language: its title and disproof next."""
    if lang not in LANGUAGE_CHOICES:
        return ask(context, who, draft, LANGS)
    draft.editing = lang
    return ask(context, who, draft, TITLE)


async def to_sources(context: TekserContext, who: Acting, draft: DraftDebunk, _: str) -> Next:
    if not draft.languages:
        return ask(context, who, draft, TITLE)
    return ask(context, who, draft, SOURCES)


async def source(context: TekserContext, who: Acting, draft: DraftDebunk, text: str) -> Next:
    """ "https://… Title": a source; without a title, the title is asked next."""
    url, _, label = text.partition(" ")
    url = editing.check_url(url.strip())
    if len(draft.sources) >= MAX_SOURCES:
        return ask(context, who, draft, WORDINGS)
    if not label.strip():
        draft.pending_url = url
        return ask(context, who, draft, SOURCE_TITLE)
    title_text = editing.check_text(label, limit=editing.SOURCE_TITLE_MAX)
    draft.sources.append({"url": url, "title": title_text})
    return ask(context, who, draft, SOURCES)


async def source_title(context: TekserContext, who: Acting, draft: DraftDebunk, text: str) -> Next:
    label = "" if text == "notitle" else editing.check_text(text, limit=editing.SOURCE_TITLE_MAX)
    if draft.pending_url:
        draft.sources.append({"url": draft.pending_url, "title": label})
    draft.pending_url = ""
    return ask(context, who, draft, SOURCES)


async def to_wordings(context: TekserContext, who: Acting, draft: DraftDebunk, _: str) -> Next:
    return ask(context, who, draft, WORDINGS)


async def wording(context: TekserContext, who: Acting, draft: DraftDebunk, text: str) -> Next:
    text = editing.check_text(text, limit=editing.WORDING_MAX)
    known = {" ".join(c["text"].casefold().split()) for c in draft.claims()}
    if " ".join(text.casefold().split()) in known:
        raise EditError("duplicate", slug=draft.slug or "…")
    if len(draft.wordings) < MAX_WORDINGS:
        draft.wordings.append({"lang": editing.detect_language(text), "text": text})
    return ask(context, who, draft, WORDINGS)


async def to_preview(context: TekserContext, who: Acting, draft: DraftDebunk, _: str) -> Next:
    if not draft.slug:
        base = draft.titles.get("en") or next(iter(draft.titles.values()), draft.claim)
        draft.slug = await asyncio.to_thread(moderation(context).suggest_slug, base)
    return ask(context, who, draft, PREVIEW)


async def new_slug(context: TekserContext, who: Acting, draft: DraftDebunk, text: str) -> Next:
    slug = editing.check_slug(text)
    if slug != draft.slug and not await asyncio.to_thread(moderation(context).slug_free, slug):
        raise EditError("slug-taken", slug=slug)
    draft.slug = slug
    return ask(context, who, draft, PREVIEW)


async def finish(context: TekserContext, who: Acting, draft: DraftDebunk, choice: str) -> Next:
    """Publish / Save as draft / Cancel / Change the slug."""
    if choice == "slug":
        return ask(context, who, draft, SLUG)
    if choice == "cancel":
        return Next(mr_add.discarded(who.tr), END, discard=True)
    status = "published" if choice == "publish" else "draft"
    service = moderation(context)
    change = await asyncio.to_thread(service.create, draft, status=status, actor=who.actor)
    delivered = await deliver_answers(context, change.slug) if status == "published" else 0
    return Next(mr_add.published(who.tr, change, delivered=delivered), END, discard=True)


def _replace(draft: DraftDebunk, fresh: DraftDebunk) -> None:
    draft.__dict__.update(fresh.__dict__)


# ---------------------------------------------------------------- entry, cancel, stray input


async def on_add(update: Update, context: TekserContext) -> object:
    """/add [claim]: start (or continue) a new debunk."""
    return await step(CLAIM, start)(update, context)


async def on_cancel(update: Update, context: TekserContext) -> object:
    """/cancel at any step: stop; the draft (if any) is kept for /add."""
    who = await acting(update, context)
    if who is None:
        return END
    service = moderation(context)
    draft = await asyncio.to_thread(service.draft, who.user_id)
    await asyncio.to_thread(service.save_task, who.user_id, None)
    await say(context, who, mr_add.stopped(who.tr, has_draft=draft is not None))
    return END


async def on_discard(update: Update, context: TekserContext) -> None:
    """🗑 Discard the draft (under the /cancel answer)."""
    who = await acting(update, context)
    if who is None:
        return
    await asyncio.to_thread(moderation(context).save_draft, who.user_id, None)
    await next_prompt(update, context, who, mr_add.discarded(who.tr))


async def on_use_buttons(update: Update, context: TekserContext) -> object:
    """Text where a button is expected: ask the same question again."""
    who = await acting(update, context)
    if who is None:
        return END
    draft = await asyncio.to_thread(moderation(context).draft, who.user_id) or DraftDebunk()
    state = draft.stage or CLAIM
    await say(context, who, prompt(who, draft, state, context.bot.username))
    return state


def _button(action: str) -> str:
    return rf"^{cb.ADD}:{action}(:|$)"


TEXT = filters.TEXT & ~filters.COMMAND
STRAY_TEXT = MessageHandler(TEXT, on_use_buttons)

ENTRY_POINTS: list[BaseHandler[Update, Any, Any]] = [
    CommandHandler("add", on_add, filters=filters.UpdateType.MESSAGE),
]
STATES: dict[object, list[BaseHandler[Update, Any, Any]]] = {
    RESUME: [CallbackQueryHandler(step(RESUME, resume), pattern=_button("(continue|restart)"))],
    CLAIM: [MessageHandler(TEXT, step(CLAIM, claim))],
    LANG: [CallbackQueryHandler(step(LANG, language), pattern=_button("lang"))],
    VERDICT: [CallbackQueryHandler(step(VERDICT, verdict), pattern=_button("verdict"))],
    TITLE: [MessageHandler(TEXT, step(TITLE, title))],
    DISPROOF: [MessageHandler(TEXT, step(DISPROOF, disproof))],
    LANGS: [
        CallbackQueryHandler(step(LANGS, other_language), pattern=_button("addlang")),
        CallbackQueryHandler(step(LANGS, to_sources), pattern=_button("sources")),
    ],
    SOURCES: [
        MessageHandler(TEXT, step(SOURCES, source)),
        CallbackQueryHandler(step(SOURCES, to_wordings), pattern=_button("wordings")),
    ],
    SOURCE_TITLE: [
        MessageHandler(TEXT, step(SOURCE_TITLE, source_title)),
        CallbackQueryHandler(step(SOURCE_TITLE, source_title), pattern=_button("notitle")),
    ],
    WORDINGS: [
        MessageHandler(TEXT, step(WORDINGS, wording)),
        CallbackQueryHandler(step(WORDINGS, to_preview), pattern=_button("preview")),
    ],
    PREVIEW: [
        CallbackQueryHandler(step(PREVIEW, finish), pattern=_button("(publish|draft|cancel|slug)")),
    ],
    SLUG: [MessageHandler(TEXT, step(SLUG, new_slug))],
}
BUTTON_STATES = (RESUME, LANG, VERDICT, LANGS, PREVIEW)
for _state in BUTTON_STATES:
    STATES[_state].append(STRAY_TEXT)

HANDLERS: list[BaseHandler[Update, Any, Any]] = [
    CallbackQueryHandler(on_discard, pattern=_button("discard")),
]
