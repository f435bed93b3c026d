"""The pictures service the bot and the command line use: the picture index, the OCR pool and the
largest picture worth downloading."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from knowledge.images.index import PictureIndex
from knowledge.images.ocr import LANGUAGES
from knowledge.images.reading import PicturePool


@dataclass
class Pictures:
    index: PictureIndex
    pool: PicturePool
    max_bytes: int = 10 * 1024 * 1024

    @classmethod
    def compose(
        cls, engine: Engine, *, processes: int, max_bytes: int, languages: str = LANGUAGES
    ) -> Pictures:
        pool = PicturePool(processes=processes, languages=languages)
        return cls(PictureIndex(engine), pool, max_bytes)

    def close(self) -> None:
        self.pool.close()
