"""schema.org ClaimReview JSON-LD: debunks to ClaimReview objects and back.

One ClaimReview is written per debunk and language (claimReviewed is single-language); reading
groups them back by `identifier` (our slug) or, for foreign files, by the review's `url`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from knowledge.formats.pack import SLUG_RE

RATING_NAMES = {
    "false": "False",
    "misleading": "Misleading",
    "unproven": "Unproven",
    "missing-context": "Missing context",
}
_RATING_WORDS = (
    ("missing-context", ("missing context", "lacks context", "out of context", "needs context")),
    (
        "misleading",
        ("misleading", "mixture", "partly false", "half true", "mostly false", "distort"),
    ),
    ("unproven", ("unproven", "unverified", "unsupported", "no evidence", "unsubstantiated")),
    (
        "false",
        ("false", "fake", "pants on fire", "incorrect", "wrong", "hoax", "fabricat", "disinfo"),
    ),
)
TEKSER_AUTHOR = {"@type": "Organization", "name": "Tekser"}
PICTURE_KINDS = ("pdq", "phash")


def verdict_from_rating(name: str) -> str | None:
    """Map a ClaimReview alternateName ("Pants on Fire", "Mostly false", ...) to our verdicts."""
    lowered = name.strip().lower()
    for verdict, words in _RATING_WORDS:
        if any(word in lowered for word in words):
            return verdict
    return None


def citation(source: Mapping[str, Any]) -> dict[str, Any]:
    """A source as a schema.org CreativeWork: its link only when it has one, its date if known."""
    work: dict[str, Any] = {"@type": "CreativeWork", "name": source.get("title", "")}
    if source.get("url"):
        work["url"] = source["url"]
    if source.get("publisher"):
        work["publisher"] = {"@type": "Organization", "name": source["publisher"]}
    if source.get("published"):
        work["datePublished"] = source["published"]
    return work


def to_claimreviews(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A pack entry as ClaimReview objects, one per language of its title."""
    sources = entry.get("sources") or []
    review_url = next((s["url"] for s in sources if s.get("url")), None)
    citations = [citation(s) for s in sources]
    reviews = []
    titles = dict(entry["title"])
    for claim in entry.get("claims", []):  # a wording's language without a title still travels
        titles.setdefault(claim["lang"], claim["text"])
    for lang, title in titles.items():
        wordings = [c["text"] for c in entry.get("claims", []) if c["lang"] == lang]
        review: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "identifier": entry["slug"],
            "inLanguage": lang,
            "claimReviewed": title,
            "reviewBody": entry["disproof"].get(lang, ""),
            "reviewRating": {
                "@type": "Rating",
                "alternateName": RATING_NAMES[entry["verdict"]],
                "ratingValue": 1,
                "bestRating": 5,
                "worstRating": 1,
            },
            "author": TEKSER_AUTHOR,
            "itemReviewed": {
                "@type": "Claim",
                "alternateName": wordings,
                "appearance": [
                    {"@type": "CreativeWork", "url": u} for u in entry.get("appearances", [])
                ]
                + [image_object(p) for p in entry.get("pictures", [])],
            },
            "citation": citations,
            "keywords": ",".join(entry.get("tags", [])),
        }
        if review_url:
            review["url"] = review_url
        if entry.get("published"):
            review["datePublished"] = entry["published"]
        reviews.append(review)
    return reviews


def image_object(picture: Mapping[str, Any]) -> dict[str, Any]:
    """A picture the claim travels with, as an ImageObject identified by its perceptual hashes
    (`propertyID` the algorithm; `<algorithm>-crop` for the hashes of its centre crops)."""
    kind = picture["kind"]
    hashes = [{"@type": "PropertyValue", "propertyID": kind, "value": picture["hash"]}]
    hashes += [
        {"@type": "PropertyValue", "propertyID": f"{kind}-crop", "value": crop}
        for crop in picture.get("crops", [])
    ]
    image: dict[str, Any] = {"@type": "ImageObject", "identifier": hashes}
    if picture.get("name"):
        image["name"] = picture["name"]
    if picture.get("url"):
        image["contentUrl"] = picture["url"]
    return image


def picture_from(image: Mapping[str, Any]) -> dict[str, Any] | None:
    """A pack picture from an ImageObject with a perceptual hash, else None."""
    values = [v for v in _as_list(image.get("identifier")) if isinstance(v, dict)]
    whole = [v for v in values if v.get("propertyID") in PICTURE_KINDS]
    if not whole:
        return None
    kind = str(whole[0]["propertyID"])
    picture: dict[str, Any] = {"kind": kind, "hash": str(whole[0].get("value", ""))}
    crops = [str(v.get("value", "")) for v in values if v.get("propertyID") == f"{kind}-crop"]
    if crops:
        picture["crops"] = crops
    if image.get("name"):
        picture["name"] = str(image["name"])
    if isinstance(image.get("contentUrl"), str):
        picture["url"] = image["contentUrl"]
    return picture


def to_datafeed(entries: list[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [review for entry in entries for review in to_claimreviews(entry)],
    }


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _reviews_in(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if document.get("@type") == "DataFeed":
            items = _as_list(document.get("dataFeedElement"))
            # DataFeedItem wrappers carry the review in `item`
            return [i.get("item", i) if isinstance(i, dict) else i for i in items]
        if "@graph" in document:
            return _as_list(document["@graph"])
        return [document]
    return []


def source_from(work: Mapping[str, Any]) -> dict[str, Any]:
    """A cited CreativeWork as a pack source (a citation without a link keeps an empty url)."""
    url = work.get("url")
    source = {
        "url": str(url) if isinstance(url, str) else "",
        "title": str(work.get("name") or ""),
        "publisher": _name(work.get("publisher")),
    }
    published = work.get("datePublished")
    if isinstance(published, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", published[:10]):
        source["published"] = published[:10]
    return source


def _slug_for(review: Mapping[str, Any]) -> str:
    identifier = review.get("identifier")
    if isinstance(identifier, str) and SLUG_RE.match(identifier):
        return identifier
    basis = str(review.get("url") or review.get("claimReviewed") or "")
    words = re.sub(r"[^a-z0-9]+", "-", str(review.get("claimReviewed", "")).lower()).strip("-")
    digest = hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{words[:60].strip('-') or 'claim'}-{digest}"


def _name(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name", ""))
    if isinstance(value, list) and value:
        return _name(value[0])
    return str(value or "")


def _urls(value: Any) -> list[str]:
    urls = [i.get("url") if isinstance(i, dict) else i for i in _as_list(value)]
    return [str(u) for u in urls if u and isinstance(u, str)]


def from_claimreviews(document: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Pack entries built from a ClaimReview object, list or DataFeed; plus problems found."""
    grouped: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for index, review in enumerate(_reviews_in(document)):
        where = f"claimReview[{index}]"
        if not isinstance(review, dict) or review.get("@type") != "ClaimReview":
            problems.append(f"{where}: not a ClaimReview object")
            continue
        claim = str(review.get("claimReviewed") or "").strip()
        if not claim:
            problems.append(f"{where}.claimReviewed: required")
            continue
        rating = _name({"name": _as_dict(review.get("reviewRating")).get("alternateName", "")})
        verdict = verdict_from_rating(rating)
        if verdict is None:
            problems.append(f"{where}.reviewRating.alternateName: {rating!r} is not a known rating")
            continue
        lang = str(review.get("inLanguage") or "en")[:2].lower()
        url = review.get("url")
        body = str(review.get("reviewBody") or "").strip()
        if not body:
            body = f"Fact-checked as {rating}: see {url}" if url else f"Fact-checked as {rating}."
        entry = grouped.setdefault(
            _slug_for(review),
            {
                "slug": _slug_for(review),
                "verdict": verdict,
                "title": {},
                "disproof": {},
                "claims": [],
                "sources": [],
                "appearances": [],
                "tags": [
                    t.strip() for t in str(review.get("keywords") or "").split(",") if t.strip()
                ],
            },
        )
        if review.get("datePublished"):
            entry["published"] = str(review["datePublished"])[:10]
        entry["title"].setdefault(lang, claim)
        entry["disproof"].setdefault(lang, body)
        item = _as_dict(review.get("itemReviewed"))
        for text in _as_list(item.get("alternateName")) or [claim]:
            if str(text).strip():
                entry["claims"].append({"lang": lang, "text": str(text).strip()})
        sources = [
            source_from(c)
            for c in _as_list(review.get("citation"))
            if isinstance(c, dict)
            and (isinstance(c.get("url"), str) or c.get("name") or c.get("publisher"))
        ]
        if not sources and url:
            sources = [{"url": url, "title": claim, "publisher": _name(review.get("author"))}]
        for source in sources:
            if source not in entry["sources"]:
                entry["sources"].append(source)
        for appearance in _urls(item.get("appearance")) + _urls(item.get("firstAppearance")):
            if appearance not in entry["appearances"]:
                entry["appearances"].append(appearance)
        for image in _as_list(item.get("appearance")):
            picture = picture_from(image) if isinstance(image, dict) else None
            if picture is not None and picture not in entry.setdefault("pictures", []):
                entry["pictures"].append(picture)
    return list(grouped.values()), problems
