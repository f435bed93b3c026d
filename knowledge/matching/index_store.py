"""The matcher's built index kept on disk, so that a start on an unchanged base reads it instead
of analysing every wording again (normalising and stemming 31k wordings takes seconds).

One directory per version of the base, named by :func:`index_key`: a hash of what the index is
built from (every published debunk's slug, verdict, titles and claims, in load order) and of the
code that builds it.  A changed debunk gives a new key, so a stale index is never read.  In it:

* ``meta.json`` (the key, row counts and each lexical index's scalars), ``rows.json`` (each row's
  wording as written, normalised and folded), ``rows.*.npy`` and ``words.*.npy`` /
  ``grams.*.npy`` (the BM25 indexes' arrays; the column matrices are memory-mapped);
* ``vectors-<model>.npy``, the rows' passage vectors, memory-mapped (processes on one machine
  share them in the page cache), and from 50k rows ``graph-<model>.usearch``, the HNSW graph.

The lexical part is written to a temporary directory renamed into place, the vectors and the
graph to temporary files renamed into place: a crash never leaves a half-written index under
its final name, and workers sharing the directory each see a whole index or none.  A damaged
index (truncated file, parts that disagree) is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.matching.embedding import Progress
from knowledge.matching.matcher import GRAPH_MIN_ROWS, DebunkEntry, IndexState, Matcher, _Graph

log = logging.getLogger(__name__)

__all__ = ["IndexStore", "index_key"]

FORMAT = 1
# the code whose output the stored index is: a change to any of these builds it again
_BUILDERS = ("normalise.py", "lexical.py", "matcher.py")
_LEXICAL_ARRAYS = (
    "indptr",
    "indices",
    "data",
    "row_indptr",
    "row_terms",
    "row_tf",
    "length",
    "alive",
    "df",
)
_MAPPED = frozenset({"indptr", "indices", "data"})  # only ever replaced, never written to
DAMAGED = "ignoring the damaged matcher index %s (%s): building it again"
KEEP = 3  # index directories kept: the newest ones (another worker may still read an older one)
STALE_TEMPORARY_SECONDS = 3600.0


@cache
def _code_fingerprint() -> bytes:
    here = Path(__file__).parent
    digest = hashlib.sha256(f"tekser-index/{FORMAT}".encode())
    for name in _BUILDERS:
        try:
            digest.update((here / name).read_bytes())
        except OSError:  # installed without its sources: the release names the code
            digest.update(f"{name}@{_release()}".encode())
    return digest.digest()


def _release() -> str:
    try:
        return metadata.version("tekser")
    except metadata.PackageNotFoundError:
        return "unknown"


def index_key(entries: Sequence[DebunkEntry]) -> str:
    """The version of the base as the matcher sees it: equal keys, equal indexes."""
    parts: list[str] = []
    for entry in entries:
        parts += (entry.slug, entry.verdict)
        for lang, title in entry.titles.items():  # in order: documents follow it
            parts += (lang, title)
        parts.append("\x1e")
        for claim in entry.claims:
            parts += (claim.lang, claim.text)
        parts.append("\x1d")
    digest = hashlib.sha256(_code_fingerprint())
    digest.update("\x1f".join(parts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:40]


def _model_key(model_id: str) -> str:
    return hashlib.sha256(model_id.encode()).hexdigest()[:16]


def _save_array(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, np.ascontiguousarray(array), allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


def _write_json(path: Path, value: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())


def _load_array(path: Path, *, mapped: bool = False) -> np.ndarray:
    array = np.load(path, mmap_mode="r" if mapped else None, allow_pickle=False)
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{path.name}: not an array")
    return array


class IndexStore:
    """Built indexes under ``directory`` (created when first written)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._damaged: set[Path] = set()  # found damaged by load(): save() replaces them

    def path_for(self, entries: Sequence[DebunkEntry]) -> Path:
        return self.directory / index_key(entries)

    # ------------------------------------------------------------------ reading
    def load(
        self,
        matcher: Matcher,
        entries: Sequence[DebunkEntry],
        *,
        embed_missing: bool = True,
        progress: Progress | None = None,
    ) -> bool:
        """Fill ``matcher`` from the stored index of ``entries``; False when there is none (or
        it is damaged): the caller builds it. Vectors not in the index are looked up in the
        matcher's vector cache (and embedded when ``embed_missing``), then kept beside it."""
        key = index_key(entries)
        path = self.directory / key
        if not (path / "meta.json").is_file():
            return False
        try:
            state = self._read_state(path, key)
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning(DAMAGED, path, error)
            self._damaged.add(path)
            return False
        vectors, graph, pending = None, None, 0
        space = matcher.vector_space
        if space is not None and state.row_clean:
            model = _model_key(space)
            vectors = self._read_vectors(path / f"vectors-{model}.npy", len(state.row_clean))
            if vectors is None:
                vectors, pending = matcher.vectors_of(
                    state.row_clean, embed_missing=embed_missing, progress=progress
                )
                if vectors is not None:
                    vectors = self._write_vectors(path, model, vectors)
            if vectors is not None and len(vectors) >= GRAPH_MIN_ROWS:
                graph = self._read_graph(path / f"graph-{model}.usearch", vectors.shape)
        try:
            matcher.restore(entries, state, vectors, graph=graph, pending=pending)
        except ValueError as error:
            log.warning(DAMAGED, path, error)
            self._damaged.add(path)
            return False
        if vectors is not None and graph is None and space is not None:
            self._write_graph(path, _model_key(space), matcher)
        log.info("matcher index read from %s", path)
        return True

    def _read_state(self, path: Path, key: str) -> IndexState:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("key") != key:
            raise ValueError("written for another base")
        rows = json.loads((path / "rows.json").read_text(encoding="utf-8"))
        lexical = []
        for name in ("words", "grams"):
            arrays = {
                part: _load_array(path / f"{name}.{part}.npy", mapped=part in _MAPPED)
                for part in _LEXICAL_ARRAYS
            }
            terms = json.loads((path / f"{name}.terms.json").read_text(encoding="utf-8"))
            lexical.append((arrays, dict(meta[name]), list(terms)))
        return IndexState(
            slugs=list(rows["slugs"]),
            row_text=list(rows["text"]),
            row_clean=list(rows["clean"]),
            row_folded=list(rows["folded"]),
            row_slot=_load_array(path / "rows.slot.npy"),
            row_document=_load_array(path / "rows.document.npy"),
            words=lexical[0],
            grams=lexical[1],
        )

    def _read_vectors(self, path: Path, rows: int) -> np.ndarray | None:
        if not path.is_file():
            return None
        try:
            vectors = _load_array(path, mapped=True)
        except (OSError, ValueError) as error:
            log.warning("ignoring damaged vectors %s (%s)", path, error)
            return None
        if vectors.ndim != 2 or vectors.shape[0] != rows or vectors.dtype != np.float32:
            log.warning("ignoring vectors %s: they do not fit the index", path)
            return None
        return vectors

    def _read_graph(self, path: Path, shape: tuple[int, ...]) -> _Graph | None:
        if not path.is_file():
            return None
        try:
            return _Graph.read(str(path), dim=shape[1], rows=shape[0])
        except ValueError as error:
            log.warning("ignoring the damaged graph %s (%s): building it again", path, error)
            return None

    # ------------------------------------------------------------------ writing
    def save(self, matcher: Matcher, entries: Sequence[DebunkEntry]) -> Path | None:
        """Keep ``matcher``'s freshly built index of ``entries`` (and its vectors, when it has
        every one). A failure to write is logged, never raised: the next start builds again."""
        key = index_key(entries)
        path = self.directory / key
        try:
            state = matcher.state()
            self.directory.mkdir(parents=True, exist_ok=True)
            self._write_state(path, key, state)
            vectors = matcher.row_vectors()
            space = matcher.vector_space
            if vectors is not None and space is not None and len(vectors):
                model = _model_key(space)
                self._write_vectors(path, model, vectors)
                self._write_graph(path, model, matcher)
            self._prune(keep=path)
        except (OSError, ValueError) as error:
            log.warning("could not keep the matcher index in %s: %s", self.directory, error)
            return None
        return path

    def _write_state(self, path: Path, key: str, state: IndexState) -> None:
        temporary = self.directory / f".tmp-{uuid.uuid4().hex}"
        temporary.mkdir()
        try:
            meta: dict[str, Any] = {"format": FORMAT, "key": key, "rows": len(state.row_text)}
            for name, (arrays, scalars, terms) in (("words", state.words), ("grams", state.grams)):
                for part in _LEXICAL_ARRAYS:
                    _save_array(temporary / f"{name}.{part}.npy", arrays[part])
                _write_json(temporary / f"{name}.terms.json", terms)
                meta[name] = scalars
            _save_array(temporary / "rows.slot.npy", state.row_slot)
            _save_array(temporary / "rows.document.npy", state.row_document)
            rows = {
                "slugs": state.slugs,
                "text": state.row_text,
                "clean": state.row_clean,
                "folded": state.row_folded,
            }
            _write_json(temporary / "rows.json", rows)
            _write_json(temporary / "meta.json", meta)  # last: a directory without it is partial
            if path.exists() and path not in self._damaged:
                return  # another process built the same index meanwhile: its copy stays
            if path.exists():  # set the damaged one aside (unlinked files stay readable)
                self._damaged.discard(path)
                aside = self.directory / f".tmp-{uuid.uuid4().hex}"
                try:
                    path.rename(aside)
                except OSError:
                    pass  # another process moved it first
                else:
                    shutil.rmtree(aside, ignore_errors=True)
            try:
                temporary.rename(path)
            except OSError:
                if not (path / "meta.json").is_file():  # not another process's whole index
                    raise
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    def _write_vectors(self, path: Path, model: str, vectors: np.ndarray) -> np.ndarray:
        """Keep the vectors beside the index; returns them memory-mapped from there (or as
        they are, when they cannot be written)."""
        target = path / f"vectors-{model}.npy"
        temporary = path / f".vectors-{uuid.uuid4().hex}.tmp"
        try:
            _save_array(temporary, np.asarray(vectors, dtype=np.float32))
            temporary.replace(target)
            return _load_array(target, mapped=True)
        except (OSError, ValueError) as error:
            log.warning("could not keep the vectors in %s: %s", path, error)
            temporary.unlink(missing_ok=True)
            return vectors

    def _write_graph(self, path: Path, model: str, matcher: Matcher) -> None:
        target = path / f"graph-{model}.usearch"
        if target.is_file():
            return
        temporary = path / f".graph-{uuid.uuid4().hex}.tmp"
        try:
            if matcher.save_graph(str(temporary)):
                temporary.replace(target)
        except (OSError, RuntimeError) as error:
            log.warning("could not keep the graph in %s: %s", path, error)
        finally:
            temporary.unlink(missing_ok=True)

    def _prune(self, *, keep: Path) -> None:
        """Remove all but the newest KEEP indexes, and temporary files of crashed writers."""
        now = time.time()
        indexes = []
        for child in self.directory.iterdir():
            try:
                modified = child.stat().st_mtime
            except OSError:
                continue
            if child.name.startswith(".tmp-"):
                if now - modified > STALE_TEMPORARY_SECONDS:
                    shutil.rmtree(child, ignore_errors=True)
            elif child.is_dir() and child != keep and (child / "meta.json").exists():
                indexes.append((modified, child))
        for _, child in sorted(indexes, reverse=True)[KEEP - 1 :]:
            shutil.rmtree(child, ignore_errors=True)
