"""The one place Tekser's services are composed from the settings and the knowledge base: the bot
(bot/app.py), the command line and the HTTP API all call these same ones."""

from __future__ import annotations

from handlers.context import Services
from handlers.public.limits import CheckLimiter
from knowledge.audience.held_forwards import ForwardHolds
from knowledge.audience.service import Audience
from knowledge.db.transactions import Transactions
from knowledge.debunks.checking import CardCache
from knowledge.debunks.knowledge_base import KnowledgeBase
from knowledge.images.service import Pictures
from knowledge.links.preview import DatabasePreviewCache, LinkExpander
from knowledge.moderation.service import Moderation
from knowledge.newsroom.api_keys import ApiKeys
from knowledge.settings import Settings


def compose_services(settings: Settings, kb: KnowledgeBase) -> Services:
    """Every service on `kb`'s database. Nothing here reads the database: the card cache is
    filled by whoever needs it (`services.cards.prime()`, the bot at start-up)."""
    secret = settings.secret.get_secret_value()
    audience = Audience(kb.engine, secret=secret)
    moderation = Moderation.compose(kb, owner_ids=settings.owner_ids, secret=secret)
    # shared by every worker through the database: the per-reader quota and the link cache
    limiter = CheckLimiter(kb.engine, per_minute=settings.checks_per_minute, key=audience.key)
    links = LinkExpander(cache=DatabasePreviewCache(kb.engine)) if settings.link_preview else None
    return Services(
        settings=settings,
        kb=kb,
        audience=audience,
        limiter=limiter,
        cards=CardCache(kb),
        holds=ForwardHolds(kb.engine),  # so the reader's words may reach any worker
        moderation=moderation,
        api_keys=ApiKeys(Transactions(kb.engine), moderation.roles),
        links=links,
        pictures=Pictures.compose(
            kb.engine,
            processes=settings.ocr_processes,
            max_bytes=settings.picture_max_bytes,
            languages=settings.ocr_languages,
        ),
    )
