"""The data carried by the moderators' buttons, typed (pure): each kind of button is a dataclass
that packs to `<prefix>:<field>:<field>...` and parses back (None when the data is not its kind).

Debunks and submissions are named by numeric id (slugs can be longer than Telegram's 64 bytes);
every prefix starts with "m", which no public button uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self, cast, dataclass_transform

ANY_PATTERN = r"^m[a-z]:"


@dataclass_transform(frozen_default=True)
class ButtonData:
    """A kind of button: `prefix` names it, its fields (str or int) follow in order. Each kind
    is declared as `class Kind(ButtonData, prefix="m…"):` with its fields, and becomes a frozen
    dataclass."""

    PREFIX: ClassVar[str] = ""

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.PREFIX = prefix or cls.PREFIX
        dataclass(frozen=True)(cls)

    def pack(self) -> str:
        values = (str(getattr(self, f.name)) for f in fields(cast(Any, self)))
        return ":".join([self.PREFIX, *values])

    @classmethod
    def parse(cls, data: object) -> Self | None:
        if not isinstance(data, str) or not (data + ":").startswith(cls.PREFIX + ":"):
            return None
        parts = data[len(cls.PREFIX) + 1 :].split(":") if data != cls.PREFIX else []
        kinds = fields(cast(Any, cls))
        if len(parts) != len(kinds):
            return None
        try:
            values = [int(p) if f.type == "int" else p for f, p in zip(kinds, parts, strict=True)]
        except ValueError:
            return None
        return cls(*values)

    @classmethod
    def pattern(cls, values: str = "") -> str:
        """A handler's pattern for this kind (`values`: a regex for the first field)."""
        first = f":{values}" if values else ""
        return rf"^{re.escape(cls.PREFIX)}{first}(:|$)"


# ---------------------------------------------------------------- /add


class Choice(ButtonData):
    """A step's button, with the step's answer when it has several: `<prefix>:<step>[:<choice>]`
    (a language, a verdict, a field, …)."""

    step: str
    choice: str = ""

    def pack(self) -> str:
        return f"{self.PREFIX}:{self.step}" + (f":{self.choice}" if self.choice else "")

    @classmethod
    def parse(cls, data: object) -> Self | None:
        if not isinstance(data, str) or not data.startswith(cls.PREFIX + ":"):
            return None
        step, _, choice = data[len(cls.PREFIX) + 1 :].partition(":")
        return cls(step, choice)

    @property
    def answer(self) -> str:
        return self.choice or self.step


class AddChoice(Choice, prefix="ma"):
    """A button of an /add step (continue, lang, verdict, addlang, sources, publish, …)."""


# ---------------------------------------------------------------- /edit


class EditOpen(ButtonData, prefix="me:open"):
    """✏️ Edit under /show."""

    debunk_id: int


class EditChoice(Choice, prefix="me"):
    """A button of /edit: a field of the menu (`f`), a verdict, or done."""


class EditLanguage(ButtonData, prefix="me:l"):
    """The language whose title or disproof to change."""

    field: str
    lang: str


class EditRemove(ButtonData, prefix="me:rm"):
    """✖️ a wording or a source."""

    kind: str
    child_id: int


class EditResend(ButtonData, prefix="me:rs"):
    """📨 Send the correction of `version` to the readers who received the card."""

    debunk_id: int
    version: int


# ---------------------------------------------------------------- debunks


class DebunkButton(ButtonData, prefix="mv"):
    """A debunk from /find or /list (open it), or under /show (retire, publish, history)."""

    debunk_id: int
    action: str = "open"

    def pack(self) -> str:
        action = "" if self.action == "open" else f"{self.action}:"
        return f"{self.PREFIX}:{action}{self.debunk_id}"

    @classmethod
    def parse(cls, data: object) -> Self | None:
        if not isinstance(data, str) or not data.startswith(cls.PREFIX + ":"):
            return None
        action, _, number = data[len(cls.PREFIX) + 1 :].rpartition(":")
        return cls(int(number), action or "open") if number.isdigit() else None


class ListPage(ButtonData, prefix="ml"):
    """◀️ / ▶️ under /list."""

    status: str
    page: int


# ---------------------------------------------------------------- the review queue


class QueueNext(ButtonData, prefix="mq:k"):
    """⏭ Next: the group after `position`."""

    position: int


class QueueAction(ButtonData, prefix="mq"):
    """A button about one group of submissions (named by its head): `action` is one of the
    QUEUE_* codes below."""

    action: str
    submission: int


QUEUE_BACK = "q"  # ↩️ Back / ⏭ Next after a dismissal: the queue from its start
QUEUE_LINK = "l"  # 🔗 Link to a debunk: the candidates
QUEUE_NEW = "n"  # ➕ New debunk from the submission
QUEUE_SEARCH = "f"  # 🔎 Search for the debunk to link
QUEUE_BLOCK = "b"  # 🚫 Block whoever sent the (spam) submission


class QueueDismiss(ButtonData, prefix="mq:d"):
    """🙅 / ✅ / 🚫: `reason` is a code of queue_views.REASON_CODES."""

    submission: int
    reason: str


class QueuePick(ButtonData, prefix="mq:p"):
    """A debunk picked for the submission (`add_wording`: 1 to add its text as a wording)."""

    submission: int
    debunk_id: int
    add_wording: int


class QueueToggle(QueuePick, prefix="mq:t"):
    """☑️ / ⬜️ Add the text as a wording."""


class QueueConfirm(QueuePick, prefix="mq:y"):
    """✅ Link."""


class Unblock(ButtonData, prefix="mu"):
    block_id: int


# ---------------------------------------------------------------- /import


class ImportAnswer(ButtonData, prefix="mi"):
    """Import / Replace them too / Cancel under the summary: `answer` is one of the IMPORT_*
    codes below."""

    answer: str


IMPORT_GO = "go"  # ✅ Import, leaving the debunks the file would make poorer as they are
IMPORT_REPLACE = "all"  # ♻️ Import, replacing those too
IMPORT_CANCEL = "no"
