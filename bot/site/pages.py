"""The public site's pages as pure functions: a debunk card (and what the request asked) in, HTML,
JSON-LD, feeds out. Templates are autoescaped; JSON inside <script> goes through `tojson`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from babel.core import Locale
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape

from handlers.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator
from handlers.public.views import badge, shorten
from knowledge.debunks.cards import DebunkCard, SourceRef
from knowledge.debunks.checking import Answer
from knowledge.formats.claimreview import TEKSER_AUTHOR, to_claimreviews
from knowledge.formats.pack import pack_entry

TEMPLATES = Path(__file__).resolve().parent / "templates"
SITE_NAME = "Tekser"
DESCRIPTION_LIMIT = 200
FEED_SIZE = 50
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
OG_LOCALES = {"en": "en_GB", "ru": "ru_RU", "kk": "kk_KZ"}

ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(("html", "xml"), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page_language(asked: str | None, accept_language: str | None) -> str:
    """`?lang=` when it names one of ours, else the best of Accept-Language, else Russian."""
    if asked in LANGUAGES:
        return asked
    offered: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        code, _, params = part.strip().partition(";")
        base = code.strip().split("-")[0].lower()
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if base in LANGUAGES and quality > 0:
            offered.append((-quality, position, base))
    return min(offered)[2] if offered else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Site:
    """Where the site lives: its public base URL without a trailing slash."""

    base: str

    def url(self, path: str, **query: str) -> str:
        wanted = {k: v for k, v in query.items() if v}
        return self.base + path + (("?" + urlencode(wanted)) if wanted else "")

    def debunk_url(self, slug: str, lang: str | None = None) -> str:
        return self.url(f"/d/{slug}", lang=lang or "")


def long_date(moment: date | None, lang: str) -> str:
    if moment is None:
        return ""
    return format_date(moment, format="long", locale=_locale(lang))


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def source_label(source: SourceRef) -> str:
    return source.title or source.publisher or urlsplit(source.url).netloc or source.url


def first_date(card: DebunkCard) -> date | None:
    """When the debunk was first published: its own date, else when it entered the base."""
    if card.published is not None:
        return card.published
    return card.created.date() if card.created is not None else None


def first_published(card: DebunkCard) -> str | None:
    first = first_date(card)
    return first.isoformat() if first is not None else None


def claimreview(card: DebunkCard, lang: str, site: Site) -> dict[str, Any]:
    """The page's ClaimReview: knowledge.formats.claimreview's object for the page's language,
    whose `url` is the page itself (the review lives here, not at its first source)."""
    reviews = to_claimreviews(pack_entry(card))
    review = next((r for r in reviews if r["inLanguage"] == lang), None)
    if review is None:
        review = next((r for r in reviews if r["inLanguage"] in (DEFAULT_LANGUAGE, "en")), None)
    review = dict(review or reviews[0])
    review["url"] = site.debunk_url(card.slug, review["inLanguage"])
    review["author"] = {**TEKSER_AUTHOR, "url": site.url("/")}
    published = first_published(card)
    if published is not None:
        review["datePublished"] = published
    if card.updated is not None:
        review["dateModified"] = card.updated.date().isoformat()
    return review


def alternates(path: str, site: Site) -> list[tuple[str, str]]:
    """hreflang alternates of a page: each language, and x-default (language negotiated)."""
    links = [(lang, site.url(path, lang=lang)) for lang in LANGUAGES]
    return [*links, ("x-default", site.url(path))]


def _common(tr: Translator, site: Site, path: str) -> dict[str, Any]:
    return {
        "_": tr.gettext,
        "lang": tr.lang,
        "site": site,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "path": path,
        "alternates": alternates(path, site),
        "feed_url": site.url("/feed.xml", lang=tr.lang),
    }


def render(name: str, **context: Any) -> str:
    return ENVIRONMENT.get_template(name).render(**context)


def debunk_view(card: DebunkCard, tr: Translator, site: Site) -> dict[str, Any]:
    """What the templates show of one debunk, in the page's language."""
    lang = tr.lang
    wordings = sorted(card.claims, key=lambda c: (c.lang != lang, c.lang))
    return {
        "slug": card.slug,
        "verdict": card.verdict,
        "badge": badge(card.verdict, tr),
        "title": card.title(lang),
        "disproof": card.disproof(lang),
        "sources": [
            {
                "url": s.url,  # "" for a citation without a link known to be right
                "label": source_label(s),
                "publisher": s.publisher if s.title else "",
                "date": long_date(s.published, lang),
            }
            for s in card.sources
        ],
        "wordings": [{"lang": c.lang, "text": c.text} for c in wordings],
        "appearances": [{"url": u, "host": urlsplit(u).netloc or u} for u in card.appearances],
        "published": long_date(first_date(card), lang),
        "updated": long_date(card.updated.date() if card.updated else None, lang),
        "url": site.debunk_url(card.slug, lang),
    }


def debunk_page(card: DebunkCard, tr: Translator, site: Site) -> str:
    view = debunk_view(card, tr, site)
    path = f"/d/{card.slug}"
    return render(
        "debunk.html",
        **_common(tr, site, path),
        debunk=view,
        canonical=view["url"],
        description=shorten(view["disproof"], DESCRIPTION_LIMIT),
        og_locale=OG_LOCALES[tr.lang],
        jsonld=claimreview(card, tr.lang, site),
        embed_snippet=embed_snippet(card.slug, tr.lang, view["title"], site),
    )


def embed_snippet(slug: str, lang: str, title: str, site: Site) -> str:
    """What a newsroom pastes: the box (a plain link to the page until embed.js replaces it, so
    readers without JavaScript still get there) and the loader. Escaped by the template."""
    link = f'<a href="{site.debunk_url(slug, lang)}">Tekser: {escape(title)}</a>'
    return (
        f'<div class="tekser-debunk" data-slug="{slug}" data-lang="{lang}">{link}</div>\n'
        f'<script src="{site.url("/embed.js")}" async></script>'
    )


def gone_page(tr: Translator, site: Site, slug: str) -> str:
    return render("gone.html", **_common(tr, site, f"/d/{slug}"), canonical=None)


def not_found_page(tr: Translator, site: Site, path: str) -> str:
    return render("not_found.html", **_common(tr, site, path), canonical=None)


def findings_view(answer: Answer, tr: Translator, site: Site) -> list[dict[str, Any]]:
    return [
        {
            **debunk_view(f.card, tr, site),
            "score": round(max(0.0, min(f.score, 1.0)) * 100),
            "decision": f.decision,
        }
        for f in answer.findings
    ]


def search_page(
    query: str,
    answer: Answer | None,
    tr: Translator,
    site: Site,
    *,
    limited: bool = False,
    embedded: bool = False,
) -> str:
    """The check of `query`: the search page, or (`embedded`) the newsroom's check box."""
    return render(
        "embed_check.html" if embedded else "search.html",
        **_common(tr, site, "/search"),
        canonical=None,
        query=query,
        verdict=answer.verdict if answer is not None else None,
        findings=findings_view(answer, tr, site) if answer is not None else [],
        limited=limited,
    )


def home_page(cards: Sequence[DebunkCard], tr: Translator, site: Site) -> str:
    return render(
        "home.html",
        **_common(tr, site, "/"),
        canonical=site.url("/", lang=tr.lang),
        latest=[debunk_view(c, tr, site) for c in cards],
    )


def embed_card_page(card: DebunkCard | None, tr: Translator, site: Site) -> str:
    view = debunk_view(card, tr, site) if card is not None else None
    return render("embed_card.html", **_common(tr, site, "/embed"), debunk=view)


# ------------------------------------------------------------------ feeds and the sitemap


def _stamp(moment: datetime | None) -> str:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom_feed(cards: Sequence[DebunkCard], tr: Translator, site: Site) -> str:
    items = [
        {**debunk_view(c, tr, site), "stamp": _stamp(c.updated), "first": first_published(c)}
        for c in cards
    ]
    return render(
        "feed.xml",
        _=tr.gettext,
        lang=tr.lang,
        site=site,
        self_url=site.url("/feed.xml", lang=tr.lang),
        updated=_stamp(max((c.updated for c in cards if c.updated), default=None)),
        items=items,
    )


def json_feed(cards: Sequence[DebunkCard], tr: Translator, site: Site) -> dict[str, Any]:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    items = []
    for card in cards:
        view = debunk_view(card, tr, site)
        item: dict[str, Any] = {
            "id": site.debunk_url(card.slug),
            "url": view["url"],
            "title": f"{view['badge']}: {view['title']}",
            "content_text": view["disproof"],
            "date_modified": _stamp(card.updated),
            "tags": list(card.tags),
        }
        first = first_published(card)
        if first is not None:
            item["date_published"] = first + "T00:00:00Z"
        items.append(item)
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{SITE_NAME}: {tr.gettext('Debunked claims')}",
        "home_page_url": site.url("/", lang=tr.lang),
        "feed_url": site.url("/feed.json", lang=tr.lang),
        "language": tr.lang,
        "items": items,
    }


def sitemap(stamps: Sequence[tuple[str, datetime | None]], site: Site) -> str:
    pages = [
        {"path": f"/d/{slug}", "updated": _stamp(updated)[:10] if updated else None}
        for slug, updated in stamps
    ]
    return render("sitemap.xml", site=site, languages=LANGUAGES, pages=[{"path": "/"}, *pages])
