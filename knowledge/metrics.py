"""Prometheus metrics of one Tekser process, served at /metrics (bot/web.py).

Recorded where things happen: every Telegram update and its handling time by the update
processor (bot/ordering.py); the bot's checks by verdict and source once logged
(knowledge/audience/service.py), their matching time in handlers/public/checks.py; the API's and
the site's checks in bot/web.py and bot/site; unhandled errors by each error handler; link
fetches by the link expander (knowledge/links/preview.py).

Each worker process serves its own numbers; Prometheus scrapes every worker and sums them.
"""

from __future__ import annotations

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    exposition,
    generate_latest,
)

disable_created_metrics()  # no `*_created` series: they double the output and nobody graphs them

REGISTRY = CollectorRegistry(auto_describe=True)
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):  # memory, CPU, GC
    REGISTRY.register(_collector)
CONTENT_TYPE = exposition.CONTENT_TYPE_LATEST

# Seconds; a check is usually a few milliseconds, an update with a reply tens to hundreds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

UPDATES = Counter(
    "tekser_updates", "Telegram updates received, by type", ["type"], registry=REGISTRY
)
UPDATE_SECONDS = Histogram(
    "tekser_update_seconds",
    "Time from taking a Telegram update to having handled it",
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
CHECKS = Counter(
    "tekser_checks",
    "Checks answered, by verdict (match, possible, none) and where they came from",
    ["verdict", "source"],
    registry=REGISTRY,
)
CHECK_SECONDS = Histogram(
    "tekser_check_seconds",
    "Time to match one message against the base",
    ["source"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
ERRORS = Counter(
    "tekser_errors",
    "Unhandled errors, by where they happened (handler, api, webhook, sync, ...)",
    ["where"],
    registry=REGISTRY,
)
API_REQUESTS = Counter(
    "tekser_api_requests",
    "Newsroom API requests, by endpoint and HTTP status",
    ["endpoint", "status"],
    registry=REGISTRY,
)
LINK_FETCHES = Counter(
    "tekser_link_fetches",
    "Linked articles fetched for matching, by outcome (ok, failed, cached)",
    ["outcome"],
    registry=REGISTRY,
)
INDEX_SIZE = Gauge(
    "tekser_index_debunks", "Debunks in this process's matching index", registry=REGISTRY
)

UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
    "business_message",
    "poll",
    "poll_answer",
    "pre_checkout_query",
    "shipping_query",
)


def update_type(update: object) -> str:
    """The kind of a Telegram update ("message", "callback_query", ...), or "other"."""
    for name in UPDATE_TYPES:
        if getattr(update, name, None) is not None:
            return name
    return "other"


def render() -> bytes:
    """The current metrics in Prometheus' text format."""
    return generate_latest(REGISTRY)
