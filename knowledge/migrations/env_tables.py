"""Imports every module that defines tables, so SQLModel.metadata holds the whole schema."""

import knowledge.api_keys
import knowledge.audience
import knowledge.audit
import knowledge.bot_state
import knowledge.deliveries
import knowledge.drafts
import knowledge.held_forwards
import knowledge.models
import knowledge.review
import knowledge.roles  # noqa: F401
