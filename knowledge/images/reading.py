"""Reading a picture: decoding it safely, its lookup hashes and the words in it; in a process
pool for the bot, so neither the event loop nor text checks wait for Tesseract."""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from PIL import Image, UnidentifiedImageError

from knowledge.images.hashing import PictureHash, query_hashes, stored_hashes
from knowledge.images.ocr import LANGUAGES, OcrUnavailable, Reader

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_PIXELS = 40_000_000  # larger pictures are refused (a "decompression bomb" is tiny as a file)
MIN_SIDE = 16


class UndecodablePicture(ValueError):
    """The bytes are not a picture Pillow can read (or it is too large or too small)."""


@dataclass(frozen=True)
class PictureReading:
    """What a picture is looked up by: its hashes, and the words read in it."""

    hashes: tuple[PictureHash, ...]
    text: str


def open_picture(data: bytes) -> Image.Image:
    """Decode `data` fully, or raise UndecodablePicture."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS or min(width, height) < MIN_SIDE:
                raise UndecodablePicture(f"{width}x{height} pixels")
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise UndecodablePicture(str(error) or type(error).__name__) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UndecodablePicture(str(error)) from None
    return image.convert("RGB")


_readers: dict[str, Reader] = {}
_readers_lock = threading.Lock()


def _reader(languages: str) -> Reader:
    """This process's Tesseract for `languages`, loaded once."""
    with _readers_lock:
        if languages not in _readers:
            _readers[languages] = Reader(languages)
        return _readers[languages]


def read_picture(data: bytes, *, languages: str = LANGUAGES) -> PictureReading:
    """Decode, hash and read one picture (blocking: seconds of CPU). Without Tesseract the
    picture is still hashed (known pictures are recognised) and its words are left unread."""
    image = open_picture(data)
    hashes = tuple(query_hashes(image))
    try:
        reader = _reader(languages)
    except OcrUnavailable as error:
        log.warning("pictures are not read: %s", error)
        return PictureReading(hashes, "")
    return PictureReading(hashes, reader.read(image))


def picture_hashes(data: bytes) -> list[str]:
    """The hashes kept of an attached picture (the whole one first): blocking."""
    return [h.value for h in stored_hashes(open_picture(data))]


def load_reader(languages: str = LANGUAGES) -> None:
    """Load this process's Tesseract now; raises OcrUnavailable with what to install."""
    _reader(languages)


def _warm(languages: str) -> None:
    try:
        _reader(languages)
    except OcrUnavailable as error:  # the pool still hashes pictures
        log.warning("pictures are not read: %s", error)


class PicturePool:
    """`processes` worker processes reading pictures; started at the first picture."""

    def __init__(self, *, processes: int, languages: str = LANGUAGES) -> None:
        self.processes = processes
        self.languages = languages
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("spawn"),  # no forked threads/loops
                    initializer=_warm,
                    initargs=(self.languages,),
                )
            return self._executor

    async def read(self, data: bytes) -> PictureReading:
        return await self._run(_read_in_worker, data, self.languages)

    async def hashes(self, data: bytes) -> list[str]:
        return await self._run(picture_hashes, data)

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        """Run `work` in a worker process; a worker that died (a picture crashed the decoder)
        is replaced and the picture counts as unreadable."""
        pool = self._pool()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, work, *args)
        except BrokenProcessPool:
            log.warning("a picture-reading process stopped: starting new ones")
            with self._lock:
                if self._executor is pool:
                    self._executor = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise UndecodablePicture("the reading process stopped") from None

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None


def _read_in_worker(data: bytes, languages: str) -> PictureReading:
    return read_picture(data, languages=languages)
