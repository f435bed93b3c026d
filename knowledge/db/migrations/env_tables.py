"""Imports every module that defines tables, so SQLModel.metadata holds the whole schema."""

import knowledge.audience.chat_settings
import knowledge.audience.check_log
import knowledge.audience.held_forwards
import knowledge.audience.languages
import knowledge.audience.quotas
import knowledge.audience.reply_links
import knowledge.audience.submissions
import knowledge.audience.votes
import knowledge.db.bot_state
import knowledge.db.handled_updates
import knowledge.db.link_cache
import knowledge.debunks.tables
import knowledge.debunks.terms
import knowledge.images.tables
import knowledge.moderation.audit
import knowledge.moderation.deliveries
import knowledge.moderation.drafts
import knowledge.moderation.review
import knowledge.moderation.roles
import knowledge.newsroom.api_keys
import knowledge.newsroom.digests  # noqa: F401
