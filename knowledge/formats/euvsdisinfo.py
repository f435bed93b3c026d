"""The EUvsDisinfo case-list CSV as pack entries.

Columns: `date,id,title,countries,keywords,languages,outlets`; `id` is the case URL.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from typing import Any

COLUMNS = ("date", "id", "title", "countries", "keywords", "languages", "outlets")
# Telegram caps button data, deep links and inline result ids at 64 bytes ("d-" + slug, ...).
MAX_SLUG = 60
DISPROOF = (
    "EUvsDisinfo recorded this claim as a case of pro-Kremlin disinformation; "
    "the case page sets out why it is false."
)


def _slug(case_url: str) -> str:
    tail = case_url.rstrip("/").rsplit("/", 1)[-1].lower()
    words = re.sub(r"[^a-z0-9]+", "-", tail).strip("-") or "case"
    if len(words) <= MAX_SLUG - 3:
        return f"eu-{words}"
    digest = hashlib.sha256(case_url.encode()).hexdigest()[:8]
    return f"eu-{words[: MAX_SLUG - 12].strip('-')}-{digest}"


def _tag(keyword: str) -> str:
    return re.sub(r"\s+", " ", keyword).strip()


def from_euvsdisinfo_csv(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Pack entries (English title and claim, the case URL as source) and the problems found."""
    reader = csv.DictReader(io.StringIO(text))
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    try:
        missing = [c for c in ("date", "id", "title") if c not in (reader.fieldnames or [])]
        if missing:
            return [], [
                f"header: missing column(s) {', '.join(missing)} (expected {','.join(COLUMNS)})"
            ]
        _read_rows(reader, entries, problems)
    except csv.Error as exc:  # past a malformed row the file cannot be read on
        reason = str(exc)
        if "field limit" in reason:
            reason = f"a field is longer than {csv.field_size_limit():,} characters"
        line = reader.line_num + 1  # (the row being read when it failed)
        problems.append(f"line {line}: {reason}; the rest of the file was not read")
    return entries, problems


def _read_rows(
    reader: csv.DictReader[str], entries: list[dict[str, Any]], problems: list[str]
) -> None:
    for line, row in enumerate(reader, start=2):
        title = (row.get("title") or "").strip()
        url = (row.get("id") or "").strip()
        if not title or not url:
            problems.append(f"line {line}: needs both id and title")
            continue
        entry: dict[str, Any] = {
            "slug": _slug(url),
            "verdict": "false",
            "title": {"en": title},
            "disproof": {"en": DISPROOF},
            "claims": [{"lang": "en", "text": title}],
            "sources": [{"url": url, "title": "EUvsDisinfo case", "publisher": "EUvsDisinfo"}],
            "tags": [_tag(k) for k in (row.get("keywords") or "").split("+") if k.strip()],
        }
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", (row.get("date") or "").strip()):
            entry["published"] = row["date"].strip()
        entries.append(entry)
