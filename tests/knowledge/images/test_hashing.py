"""Perceptual hashes: a re-shared copy finds its original, another photo does not."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.images import hashing
from knowledge.images.reading import open_picture
from tests.support.pictures import copies, encode, photo


@pytest.fixture(scope="module")
def stored() -> np.ndarray:
    return np.stack([h.bits for h in hashing.stored_hashes(photo(1))])


@pytest.mark.parametrize("kind", sorted(hashing.HASHERS))
@pytest.mark.parametrize("copy", ["half size", "JPEG 40", "4% crop", "caption bar"])
def test_a_reshared_copy_is_within_the_match_distance(kind: str, copy: str) -> None:
    original = np.stack([h.bits for h in hashing.stored_hashes(photo(1), kind)])
    asked = hashing.query_hashes(open_picture(copies(photo(1))[copy]), kind)
    assert hashing.distances(asked, original).min() <= hashing.MATCH_DISTANCE


def test_other_photos_are_far_from_it(stored: np.ndarray) -> None:
    for seed in range(2, 12):
        asked = hashing.query_hashes(open_picture(encode(photo(seed))))
        assert hashing.distances(asked, stored).min() > hashing.MATCH_DISTANCE * 1.5


def test_without_the_bar_variants_a_caption_bar_hides_the_copy(stored: np.ndarray) -> None:
    """Why query_hashes cuts bands off: the whole captioned copy alone is not found."""
    captioned = open_picture(copies(photo(1))["caption bar"])
    alone = [hashing.picture_hash(captioned)]
    assert hashing.distances(alone, stored).min() > hashing.MATCH_DISTANCE


def test_hashes_are_256_bits_in_hex_and_round_trip() -> None:
    value = hashing.picture_hash(photo(3)).value
    assert hashing.is_hash(value) and len(value) == 64
    assert hashing.pack(hashing.unpack(value)) == value
    assert not hashing.is_hash("zz" * 32) and not hashing.is_hash("ab")
