"""The picture index: every attached picture's hashes in memory, looked up by a copy's hashes or
by Telegram's `file_unique_id` (an exact re-forward, recognised without downloading it).

The index reloads itself when the pictures table changed (one small statement per lookup compares
its row count and newest id), so a picture attached through any worker is matched by every worker.
Retired debunks keep their pictures here; the answer shows published cards only.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from knowledge.debunks.tables import Debunk
from knowledge.images.hashing import HASH_BITS, MATCH_DISTANCE, PictureHash, distances, unpack
from knowledge.images.tables import DebunkPicture


@dataclass(frozen=True)
class PictureHit:
    """A debunk whose attached picture the asked one is a copy of."""

    slug: str
    name: str  # how the answer names the picture
    distance: int  # bits between the two hashes; 0 for the very same file

    @property
    def score(self) -> float:
        return round(1.0 - self.distance / HASH_BITS, 4)


@dataclass(frozen=True)
class _Loaded:
    version: tuple[int, int]
    kinds: np.ndarray  # per hash row: its picture's algorithm
    rows: np.ndarray  # one row of 256 bools per stored hash (a picture has several)
    owners: list[tuple[str, str]]  # per hash row: (slug, picture name)
    files: dict[str, tuple[str, str]]  # file_unique_id -> (slug, picture name)


class PictureIndex:
    """The attached pictures of every debunk, for lookups; thread-safe."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None

    def _current(self) -> _Loaded:
        with Session(self.engine) as session:
            count, newest = session.execute(
                select(func.count(), func.max(col(DebunkPicture.id)))
            ).one()
            version = (int(count), int(newest or 0))
            with self._lock:
                if self._loaded is not None and self._loaded.version == version:
                    return self._loaded
            found = session.execute(
                select(DebunkPicture, col(Debunk.slug))
                .join(Debunk, col(Debunk.id) == col(DebunkPicture.debunk_id))
                .order_by(col(DebunkPicture.id))
            ).all()
        kinds: list[str] = []
        rows: list[np.ndarray] = []
        owners: list[tuple[str, str]] = []
        files: dict[str, tuple[str, str]] = {}
        for picture, slug in found:
            for value in (picture.hash, *picture.crops):
                kinds.append(picture.kind)
                rows.append(unpack(value))
                owners.append((slug, picture.name))
            if picture.file_unique_id:
                files[picture.file_unique_id] = (slug, picture.name)
        matrix = np.stack(rows) if rows else np.zeros((0, HASH_BITS), dtype=bool)
        loaded = _Loaded(version, np.array(kinds), matrix, owners, files)
        with self._lock:
            self._loaded = loaded
        return loaded

    def by_file(self, file_unique_id: str) -> PictureHit | None:
        """The debunk whose picture is this very Telegram file."""
        owner = self._current().files.get(file_unique_id)
        return PictureHit(owner[0], owner[1], 0) if owner else None

    def nearest(self, hashes: Sequence[PictureHash]) -> PictureHit | None:
        """The closest attached picture within MATCH_DISTANCE bits of any of `hashes`."""
        loaded = self._current()
        best: PictureHit | None = None
        for kind in {h.kind for h in hashes}:
            wanted = np.flatnonzero(loaded.kinds == kind)
            if not len(wanted):
                continue
            found = distances([h for h in hashes if h.kind == kind], loaded.rows[wanted])
            row = int(found.argmin())
            distance = int(found[row])
            if distance <= MATCH_DISTANCE and (best is None or distance < best.distance):
                slug, name = loaded.owners[int(wanted[row])]
                best = PictureHit(slug, name, distance)
        return best

    def pictures_of(self, slug: str) -> list[tuple[str, str]]:
        """(name, whole-picture hash) of one debunk's pictures, oldest first."""
        with Session(self.engine) as session:
            found = session.execute(
                select(col(DebunkPicture.name), col(DebunkPicture.hash), col(DebunkPicture.kind))
                .join(Debunk, col(Debunk.id) == col(DebunkPicture.debunk_id))
                .where(col(Debunk.slug) == slug)
                .order_by(col(DebunkPicture.id))
            ).all()
        return [(name, f"{kind}:{value}") for name, value, kind in found]
