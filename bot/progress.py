"""Progress of long work on the command line: a tqdm bar on a terminal, a line every tenth of
the way otherwise (a log or a CI job is not redrawn in place)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm

STEPS = 10  # lines printed when the output is not a terminal


class ProgressReport:
    """Called with (done, total) as the work goes on (a `knowledge.matching.embedding.Progress`);
    `close()` when it is over."""

    def __init__(self, what: str, *, unit: str = "wording", stream: TextIO | None = None) -> None:
        self.what = what
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self._bar: tqdm[None] | None = None
        self._started = 0.0
        self._step = -1
        self._total = 0
        self._done = 0

    def _terminal(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def __call__(self, done: int, total: int) -> None:
        if not self._started:
            self._started = time.monotonic()
            if self._terminal():
                self._bar = tqdm(total=total, desc=self.what, unit=self.unit, file=self.stream)
        self._total, self._done = total, done
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
            return
        step = done * STEPS // total if total else STEPS
        if step != self._step:
            self._step = step
            elapsed = time.monotonic() - self._started
            print(
                f"{self.what}: {done}/{total} {self.unit}s ({100 * done // max(total, 1)}%), "
                f"{elapsed:.0f} s",
                file=self.stream,
                flush=True,
            )

    @property
    def started(self) -> bool:
        return bool(self._started)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
