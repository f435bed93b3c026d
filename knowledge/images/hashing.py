"""Perceptual hashes of pictures, and the variants that let a re-shared copy find its original.

A copy of a picture is usually resized, recompressed, cropped a little or given a caption bar.
A global perceptual hash survives the first two; for the others the stored side keeps the hashes
of a few centre crops of the original, and the asking side adds hashes of itself with a caption
bar (a band with a line of text, above or below) cut off. Two pictures are the
same when any stored hash is within `MATCH_DISTANCE` bits of any hash of the copy.

PDQ (Meta's open standard, 256 bits) is the algorithm; pHash (imagehash, 16x16 = 256 bits) is kept
for comparison in bench/images.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from PIL import Image

HASH_BITS = 256
DEFAULT_KIND = "pdq"
# Bits that may differ between a picture and its copy; unrelated pictures differ in ~128.
MATCH_DISTANCE = 40
# Centre crops stored besides the whole picture (share of each side cut off).
STORED_CROPS = (0.02, 0.04, 0.06)
HASH_SIDE = 256  # pictures are shrunk to this before hashing (both algorithms work on ~64 px)
# A caption bar cut off the copy: the copy is also looked up without a band of each of these
# heights (shares of its height) at the top, then at the bottom. A 90-px bar over a 300-1280 px
# picture is 6-23% of the copy.
BAR_SHARES = tuple(round(0.04 + 0.02 * step, 2) for step in range(14))  # 4% .. 30%


def _pdq(image: Image.Image) -> np.ndarray:
    import pdqhash

    bits, _quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    return np.asarray(bits, dtype=bool)


def _phash(image: Image.Image) -> np.ndarray:
    import imagehash

    return np.asarray(imagehash.phash(image, hash_size=16).hash, dtype=bool).reshape(-1)


HASHERS: dict[str, Callable[[Image.Image], np.ndarray]] = {"pdq": _pdq, "phash": _phash}


@dataclass(frozen=True)
class PictureHash:
    """One perceptual hash: the algorithm and 256 bits as 64 hex digits."""

    kind: str
    value: str

    @property
    def bits(self) -> np.ndarray:
        return unpack(self.value)


def pack(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(bool)).tobytes().hex()


def unpack(value: str) -> np.ndarray:
    return np.unpackbits(np.frombuffer(bytes.fromhex(value), dtype=np.uint8)).astype(bool)


def is_hash(value: str) -> bool:
    """64 hex digits (256 bits)."""
    try:
        return len(bytes.fromhex(value)) * 8 == HASH_BITS
    except ValueError:
        return False


def shrunk(image: Image.Image, side: int = HASH_SIDE) -> Image.Image:
    image = image.convert("RGB")
    if max(image.size) > side:
        image = image.copy()
        image.thumbnail((side, side), Image.Resampling.BILINEAR)
    return image


def picture_hash(image: Image.Image, kind: str = DEFAULT_KIND) -> PictureHash:
    return PictureHash(kind, pack(HASHERS[kind](shrunk(image))))


def centre_crop(image: Image.Image, share: float) -> Image.Image:
    width, height = image.size
    dx, dy = round(width * share), round(height * share)
    return image.crop((dx, dy, width - dx, height - dy))


def stored_hashes(image: Image.Image, kind: str = DEFAULT_KIND) -> list[PictureHash]:
    """What is kept of an attached picture: its hash and those of a few centre crops."""
    small = shrunk(image)
    variants = [small, *(centre_crop(small, share) for share in STORED_CROPS)]
    return [PictureHash(kind, pack(HASHERS[kind](v))) for v in variants]


def query_hashes(image: Image.Image, kind: str = DEFAULT_KIND) -> list[PictureHash]:
    """The hashes a forwarded picture is looked up by: itself, and without a caption bar."""
    small = shrunk(image)
    width, height = small.size
    variants = [small]
    for share in BAR_SHARES:
        cut = round(height * share)
        variants.append(small.crop((0, cut, width, height)))
        variants.append(small.crop((0, 0, width, height - cut)))
    return [PictureHash(kind, pack(HASHERS[kind](v))) for v in variants]


def distances(query: Iterable[PictureHash], stored: np.ndarray) -> np.ndarray:
    """For a matrix of stored hashes (rows of 256 bools): the smallest distance to any query."""
    queries = [q.bits for q in query]
    if not queries or stored.size == 0:
        return np.full(len(stored), HASH_BITS, dtype=np.int32)
    found = np.stack([(stored != q).sum(axis=1) for q in queries])
    return np.asarray(found.min(axis=0), dtype=np.int32)
