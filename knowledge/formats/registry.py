"""Reading exchange files (debunk packs, ClaimReview, EUvsDisinfo CSV) into validated entries."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from knowledge.formats.claimreview import from_claimreviews, to_datafeed
from knowledge.formats.euvsdisinfo import from_euvsdisinfo_csv
from knowledge.formats.pack import PACK_FORMAT, PackDebunk, build_pack, parse_pack, validate_entries

Format = Literal["pack", "claimreview", "euvsdisinfo"]
FORMATS: tuple[Format, ...] = ("pack", "claimreview", "euvsdisinfo")
MAX_FILE_BYTES = 50 * 1024 * 1024


class ExchangeError(Exception):
    """A file cannot be read at all; the message is one line for the user."""


@dataclass
class ReadResult:
    """Valid entries of one or more files, and every problem found (with file names)."""

    debunks: list[PackDebunk] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def detect_format(name: str, text: str) -> Format:
    """Guess the format from the content: JSON with `format` is a pack, JSON-LD is ClaimReview."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        document = _json(name, stripped)
        if isinstance(document, dict) and document.get("format") == PACK_FORMAT:
            return "pack"
        if isinstance(document, dict) and "format" in document:
            raise ExchangeError(f"{name}: unknown format {document.get('format')!r}")
        return "claimreview"
    if stripped.lower().startswith("date,") or name.lower().endswith(".csv"):
        return "euvsdisinfo"
    raise ExchangeError(
        f"{name}: cannot tell the format; pass --format pack|claimreview|euvsdisinfo"
    )


def _json(name: str, text: str) -> Any:
    """The file's JSON document, or ExchangeError in one line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExchangeError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise ExchangeError(f"{name}: the JSON is nested too deeply to be a debunk file") from None
    except ValueError as exc:  # a number too long to convert, and the like
        raise ExchangeError(f"{name}: not valid JSON ({exc})") from None


def read_text(name: str, text: str, *, fmt: Format | None = None) -> ReadResult:
    """Parse one file's text in the given (or detected) format and validate every entry."""
    fmt = fmt or detect_format(name, text)
    text = text.lstrip("\ufeff")
    if fmt == "euvsdisinfo":
        entries, problems = from_euvsdisinfo_csv(text)
        parsed = validate_entries(entries)
    else:
        document = _json(name, text)
        if fmt == "pack":
            problems = []
            parsed = parse_pack(document)
        else:
            entries, problems = from_claimreviews(document)
            parsed = validate_entries(entries)
            if not entries and not problems:
                problems = ["no ClaimReview objects found"]
    prefix = f"{name}: "
    return ReadResult(
        debunks=parsed.debunks,
        problems=[prefix + p for p in problems + parsed.problems],
        rejected=parsed.rejected,
    )


def read_file(path: Path, *, limit: int, limit_name: str = "", kind: str = "a file") -> bytes:
    """The bytes of a file a user named, or ExchangeError with one line saying why not (absent,
    a directory, larger than `limit` bytes, unreadable)."""
    try:
        if path.stat().st_size > limit:
            setting = f" ({limit_name})" if limit_name else ""
            raise ExchangeError(f"{path}: larger than {limit // 2**20} MB{setting}")
        return path.read_bytes()
    except FileNotFoundError:
        raise ExchangeError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ExchangeError(f"{path}: is a directory, not {kind}") from None
    except OSError as exc:
        raise ExchangeError(f"{path}: cannot read ({exc.strerror})") from None


def read_files(paths: Iterable[Path], *, fmt: Format | None = None) -> ReadResult:
    """Read and validate several files; duplicate slugs across files are problems too."""
    result = ReadResult()
    seen: dict[str, str] = {}
    for path in paths:
        try:
            text = read_file(path, limit=MAX_FILE_BYTES).decode("utf-8")
        except UnicodeDecodeError:
            raise ExchangeError(f"{path}: not UTF-8 text") from None
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # as text mode reads it
        one = read_text(str(path), text, fmt=fmt)
        for debunk in one.debunks:
            if debunk.slug in seen:
                one.problems.append(f"{path}: {debunk.slug}: also defined in {seen[debunk.slug]}")
                one.rejected.append(debunk.slug)
            else:
                seen[debunk.slug] = str(path)
                result.debunks.append(debunk)
        result.problems += one.problems
        result.rejected += one.rejected
    return result


def render_export(entries: Sequence[Mapping[str, Any]], *, fmt: Format = "pack") -> str:
    """The base as a file's text: a debunk pack or a ClaimReview DataFeed."""
    if fmt == "claimreview":
        document = to_datafeed(list(entries))
    elif fmt == "pack":
        document = build_pack(entries)
    else:
        raise ExchangeError(f"cannot export in {fmt} format; use pack or claimreview")
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
