"""An article's text from its HTML: decoding under a charset allow-list and parsing under a
depth budget, so that no page can make either take more than linear time.

Pages are decoded and parsed in a process of their own (`python -m knowledge.links.extract`,
started by knowledge.links.fetch), killed when the fetch's deadline passes: this module imports
nothing heavier than the HTML parser.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import re
import resource
import sys
from dataclasses import dataclass
from typing import BinaryIO

from selectolax.lexbor import LexborHTMLParser, LexborNode

MAX_PARAGRAPHS = 5
MAX_TEXT_CHARS = 3000
MIN_PARAGRAPH_CHARS = 40
# Elements whose end tag is required, open at once: real articles nest a few dozen; the parser's
# scope checks walk this stack for every start tag, so 100,000 nested <div>s take minutes.
MAX_DEPTH = 256
MAX_ELEMENTS = 50_000  # start tags parsed (a long news page has a few thousand)

# Text encodings web pages really use (the WHATWG Encoding Standard's, as Python names them):
# each decodes in linear time. Any other codec Python knows (punycode, idna, the rot13/base64/zlib
# "codecs", ...) is no page's charset, and some decode in quadratic time.
TEXT_CHARSETS = frozenset(
    codecs.lookup(name).name
    for name in (
        "utf-8",
        "utf-16-le",
        "utf-16-be",
        "ascii",
        "latin-1",
        "iso8859-2",
        "iso8859-3",
        "iso8859-4",
        "iso8859-5",
        "iso8859-6",
        "iso8859-7",
        "iso8859-8",
        "iso8859-10",
        "iso8859-13",
        "iso8859-14",
        "iso8859-15",
        "iso8859-16",
        "cp866",
        "cp874",
        "cp1250",
        "cp1251",
        "cp1252",
        "cp1253",
        "cp1254",
        "cp1255",
        "cp1256",
        "cp1257",
        "cp1258",
        "koi8-r",
        "koi8-u",
        "mac-cyrillic",
        "mac-roman",
        "gbk",
        "gb18030",
        "big5",
        "big5hkscs",
        "euc-jp",
        "iso2022-jp",
        "shift_jis",
        "euc-kr",
    )
)
_CONTENT_TYPE_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_TAG_OR_COMMENT = re.compile(r"<!--|<(/?)([A-Za-z][A-Za-z0-9-]*)")
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed"})
# Elements that never stay open (void) or that the parser closes by itself (optional end tags):
# they do not deepen the stack of open elements.
_VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source")
_OPTIONAL_END = ("p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody")
_IMPLIED = ("tfoot", "rp", "rt", "colgroup", "caption", "html", "head", "body")
_NOT_NESTING = frozenset((*_VOID, "track", "wbr", *_OPTIONAL_END, *_IMPLIED))


@dataclass(frozen=True)
class LinkPreview:
    """What an article says about itself: enough text to match it against the base."""

    url: str  # where the text came from, after redirects
    title: str = ""
    description: str = ""
    paragraphs: tuple[str, ...] = ()

    def text(self) -> str:
        """Title, description and first paragraphs as one text for the matcher (capped)."""
        parts: list[str] = []
        for part in (self.title, self.description, *self.paragraphs):
            if part and part not in parts:
                parts.append(part)
        return "\n\n".join(parts)[:MAX_TEXT_CHARS]

    @property
    def empty(self) -> bool:
        return not (self.title or self.description or self.paragraphs)


def charset(content_type: str, head: bytes) -> str:
    """The document's encoding: from Content-Type, else a <meta charset>, else UTF-8; UTF-8 too
    for a name that is not a text encoding web pages use."""
    match = _CONTENT_TYPE_CHARSET.search(content_type)
    found = match.group(1) if match else None
    if found is None:
        meta = _META_CHARSET.search(head[:4096])
        found = meta.group(1).decode("ascii", "ignore") if meta else None
    try:
        name = codecs.lookup(found or "utf-8").name
    except LookupError:
        return "utf-8"
    return name if name in TEXT_CHARSETS else "utf-8"


def within_budget(html: str, max_depth: int = MAX_DEPTH, max_elements: int = MAX_ELEMENTS) -> str:
    """`html` cut where more than `max_depth` elements would be open at once, or at the start
    tag after `max_elements` (a linear scan; comments and raw-text elements are skipped whole).
    Everything before the cut is kept: the head, the title, the first paragraphs."""
    depth = 0
    elements = 0
    pos = 0
    while (found := _TAG_OR_COMMENT.search(html, pos)) is not None:
        start = found.start()
        if found.group(1) is None:  # a comment: skipped to its end
            end = html.find("-->", found.end())
            if end < 0:
                return html
            pos = end + 3
            continue
        closing, name = found.group(1), found.group(2).lower()
        pos = found.end()
        if closing:
            depth = max(0, depth - (name not in _NOT_NESTING))
            continue
        elements += 1
        if elements > max_elements:
            return html[:start]
        if name in _RAW_TEXT:
            closed = re.compile(f"</{name}", re.I).search(html, pos)  # (compiled once, cached)
            if closed is None:
                return html
            pos = closed.end()  # its end tag closes nothing that was counted
            continue
        if name in _NOT_NESTING:
            continue
        depth += 1
        if depth > max_depth:
            return html[:start]
    return html


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _meta(tree: LexborHTMLParser, *selectors: str) -> str:
    for selector in selectors:
        node = tree.css_first(selector)
        if node is not None:
            value = _clean(node.attributes.get("content"))
            if value:
                return value
    return ""


def extract_preview(url: str, html: str) -> LinkPreview:
    """Title (og:title, twitter:title, <title>, <h1>), description and first paragraphs."""
    tree = LexborHTMLParser(within_budget(html))
    title = _meta(tree, 'meta[property="og:title"]', 'meta[name="twitter:title"]')
    if not title:
        node = tree.css_first("title") or tree.css_first("h1")
        title = _clean(node.text()) if node is not None else ""
    description = _meta(
        tree,
        'meta[property="og:description"]',
        'meta[name="description"]',
        'meta[name="twitter:description"]',
    )
    for junk in tree.css("script, style, noscript, template, nav, header, footer, aside, form"):
        junk.decompose()
    container: LexborNode | LexborHTMLParser = tree
    for selector in ("article", "main", '[role="main"]'):
        node = tree.css_first(selector)
        if node is not None:
            container = node
            break
    paragraphs: list[str] = []
    size = 0
    for node in container.css("p"):
        text = _clean(node.text(separator=" "))
        if len(text) < MIN_PARAGRAPH_CHARS or text in paragraphs:
            continue
        paragraphs.append(text)
        size += len(text)
        if len(paragraphs) >= MAX_PARAGRAPHS or size >= MAX_TEXT_CHARS:
            break
    return LinkPreview(url=url, title=title, description=description, paragraphs=tuple(paragraphs))


def decode_and_extract(url: str, body: bytes, content_type: str) -> LinkPreview:
    """The preview of a page's raw bytes (what the extraction worker runs)."""
    html = body.decode(charset(content_type, body), errors="replace")
    return extract_preview(url, html)


# ------------------------------------------------------------------ the extraction process


def serve_one(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Read one page (a JSON header line, then its bytes), write its preview as one JSON line."""
    header = json.loads(stdin.readline())
    body = stdin.read(int(header["size"]))
    preview = decode_and_extract(str(header["url"]), body, str(header["content_type"]))
    stdout.write(json.dumps(dataclasses.asdict(preview), ensure_ascii=False).encode() + b"\n")
    stdout.flush()


if __name__ == "__main__":  # `python -m knowledge.links.extract MEMORY_LIMIT_BYTES`
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    serve_one(sys.stdin.buffer, sys.stdout.buffer)
