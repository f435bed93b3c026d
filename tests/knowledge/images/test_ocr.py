"""Reading the words in pictures: screenshots light and dark, memes, and photos without words."""

from __future__ import annotations

import pytest
from rapidfuzz.distance import Levenshtein

from knowledge.images.ocr import Reader, one_script, tidy
from knowledge.images.reading import PictureReading, UndecodablePicture, open_picture, read_picture
from tests.support.pictures import encode, meme, photo, screenshot

pytestmark = pytest.mark.ocr  # Tesseract reads the pictures

RU = "Пентагон перевозит свои биолаборатории из Украины в Казахстан"
KK = "Алматыдағы зертханада Пентагон биологиялық қару жасап жатыр"
EN = "The Pentagon runs secret bioweapons labs in Kazakhstan"


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader()


def close_to(read: str, truth: str) -> bool:
    a, b = " ".join(read.lower().split()), " ".join(truth.lower().split())
    return Levenshtein.distance(a, b) / len(b) < 0.05


@pytest.mark.parametrize("text", [RU, KK, EN])
@pytest.mark.parametrize("dark", [False, True])
def test_a_screenshot_is_read_without_its_chrome(reader: Reader, text: str, dark: bool) -> None:
    picture = open_picture(encode(screenshot(text, dark=dark), quality=50))
    assert close_to(reader.read(picture), text)  # the channel's name and the time are dropped


def test_a_memes_outlined_capitals_over_a_photo_are_read(reader: Reader) -> None:
    picture = open_picture(encode(meme(RU, seed=3), quality=60))
    assert close_to(reader.read(picture), RU.upper())


def test_a_photo_without_words_reads_as_nothing(reader: Reader) -> None:
    assert reader.read(open_picture(encode(photo(4)))) == ""


def test_wrapped_lines_join_into_paragraphs_and_short_chrome_goes() -> None:
    raw = "© Новости\n\nСрочно! Вышки 5G в Алматы распро-\nстраняют коронавирус\n\n12:47 5K"
    assert tidy(raw) == "Срочно! Вышки 5G в Алматы распространяют коронавирус"
    assert tidy("НАТО\n\n12:47") == "НАТО\n12:47"  # nothing wordier: kept
    assert tidy("НАТО УЖЕ\n\nЗДЕСЬ И СЕЙЧАС", chrome=False) == "НАТО УЖЕ\nЗДЕСЬ И СЕЙЧАС"


@pytest.mark.parametrize(
    "data",
    [b"", b"not a picture", encode(photo(1))[:200], b"GIF89a" + b"\x00" * 40],
    ids=["empty", "text", "truncated", "broken gif"],
)
def test_bytes_that_are_not_a_picture_are_refused(data: bytes) -> None:
    with pytest.raises(UndecodablePicture):
        read_picture(data)


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    huge = photo(1).resize((9000, 6000))  # 54 megapixels
    with pytest.raises(UndecodablePicture):
        open_picture(encode(huge, quality=10))


def test_reading_gives_the_hashes_and_the_words() -> None:
    reading = read_picture(encode(screenshot(EN)))
    assert isinstance(reading, PictureReading)
    assert close_to(reading.text, EN)
    assert len(reading.hashes) > 1 and reading.hashes[0].kind == "pdq"


def test_lookalike_letters_follow_the_paragraphs_script() -> None:
    assert one_script("Тһе Pentagon runs secret labs") == "The Pentagon runs secret labs"
    assert one_script("HACA и СССР открыли центр") == "НАСА и СССР открыли центр"
    assert one_script("В Алматы открыли центр NATO") == "В Алматы открыли центр NATO"
