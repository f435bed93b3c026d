"""Normalisation shared by indexing and querying: plain tables of input → expected output."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from knowledge.matching.lexical import char_ngrams, kazakh_stem, word_terms
from knowledge.matching.normalise import (
    extract_urls,
    fold,
    latin_script_language,
    latin_to_cyrillic,
    normalise,
    normalise_url,
    split_sentences,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        # zero-width and bidi characters inside words
        ("НА\u200bТО\u200d в Ал\u2066ма\u2069ты", "НАТО в Алматы"),
        # NFKC: full-width letters, compatibility characters
        ("ＮＡＴＯ in Almaty", "NATO in Almaty"),
        # homoglyphs inside mixed-script words, and an all-look-alike word in Cyrillic context
        ("В Aлмaты oткрыли цeнтp HATO", "В Алматы открыли центр НАТО"),
        ("НАТ0 в Казахстане", "НАТО в Казахстане"),
        ("NАТО opеned a сentre", "NATO opened a centre"),
        # Latin-script Russian is transliterated; English is not
        ("V Almaty otkryli centr NATO", "В Алматы открыли центр НАТО"),
        ("Tokayev vstretilsya s Putinym v Moskve", "Токаев встретился с Путиным в Москве"),
        ("NATO opened a centre in Almaty", "NATO opened a centre in Almaty"),
        # URLs, mentions, e-mails, emoji and markup go; hashtag words stay, split
        (
            "🔥🔥 <b>СРОЧНО</b>: **НАТО** в Алматы https://t.me/voenkor/1 @voenkor a@b.kz",
            "СРОЧНО: НАТО в Алматы",
        ),
        ("#НатоВКазахстане #FakeNews", "Нато ВКазахстане Fake News"),
        ("[центр НАТО](https://example.com/x) открыт", "центр НАТО открыт"),
        # a pasted tweet's signature: the author's name stays (who said it), handle and date go
        (
            "STOP POSING AS MY DAD https://t.co/x"
            " — Morgan Eastwood (@MorganEastwood) November 9, 2016",
            "STOP POSING AS MY DAD — Morgan Eastwood",
        ),
        # channel boilerplate
        ("Forwarded from Военкор\nЦентр НАТО в Алматы", "Центр НАТО в Алматы"),
        # ... the header only, when the post follows it on the same line
        ("Forwarded from Geopolitika: NATO opened a centre", "NATO opened a centre"),
        ("Переслано из канала «Военкор»: центр НАТО в Алматы", "центр НАТО в Алматы"),
        ("Центр НАТО в Алматы\nПодписывайтесь на наш канал 👉 @voenkor", "Центр НАТО в Алматы"),
        ("NATO centre in Almaty. Subscribe to our channel!", "NATO centre in Almaty."),
        # question framing
        ("Правда ли, что в Алматы открыли центр НАТО?", "в Алматы открыли центр НАТО?"),
        ("Is it true that NATO opened a centre in Almaty?", "NATO opened a centre in Almaty?"),
        ("Рас па, Алматыда НАТО орталығы ашылды?", "Алматыда НАТО орталығы ашылды?"),
        ("В Алматы открыли центр НАТО, это правда?", "В Алматы открыли центр НАТО"),
        # nothing left
        ("👍👍👍 https://t.me/x/1", ""),
        ("", ""),
    ],
)
def test_normalise(raw: str, clean: str) -> None:
    assert normalise(raw) == clean


# one function of a word or a text: each input and the output expected of it
EXPECTED: dict[Callable[[str], object], list[tuple[str, object]]] = {
    fold: [
        ("Ёлка", "елка"),
        ("Қазақстан", "казакстан"),
        ("ӘҒҚҢӨҰҮҺІ", "агкноуухи"),
        ("Café NAÏVE", "cafe naive"),
    ],
    latin_to_cyrillic: [
        ("otkryli", "открыли"),
        ("Almaty", "Алматы"),
        ("NATO", "НАТО"),
        ("centr", "центр"),
        ("Kazakhstan", "Казахстан"),
        ("Tokayev", "Токаев"),
        ("novyy", "новый"),
        ("voennye", "военные"),
        ("biolaboratorii", "биолаборатории"),
        ("shchit", "щит"),
        ("Qazaqstan", "Казакстан"),
    ],
    latin_script_language: [
        ("V Almaty otkryli centr NATO", "translit"),
        ("eto feyk, nikakogo centra net", "translit"),
        # Kazakh in Latin letters: q for қ (in English q stands before u only)
        ("Qantar oqigasy Almatyda boldy", "translit"),
        ("Qatar and Iraq signed the deal", "en"),
        ("NATO opened a centre in Almaty", "en"),
        ("The vaccine contains microchips", "en"),
        ("Almaty NATO", "unknown"),
        ("В Алматы открыли центр", "unknown"),
    ],
    word_terms: [
        ("привет", ["привет"]),
        ("Это и то", []),  # stop words only
        ("the and of", []),
    ],
    kazakh_stem: [
        ("алматыда", "алматы"),
        ("казакстанга", "казакс"),
        ("орталыгы", "орталы"),
        ("орталык", "орталы"),
        ("зертханалар", "зертха"),
        ("ашылды", "ашыл"),
        ("ашылган", "ашыл"),
        ("нато", "нато"),
        # a suffix only where it fits the sound before it
        ("алматы", "алматы"),  # no "-ты" after a vowel
        ("маскеуде", "маскеу"),  # Мәскеу-де, not "-уде"
        ("орталыкты", "орталы"),
        ("мектепке", "мектеп"),
    ],
    extract_urls: [
        ("see https://t.me/s/voenkor/12, ok", ["https://t.me/s/voenkor/12"]),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("bare t.me/voenkor/12 and tengrinews.kz.", ["t.me/voenkor/12", "tengrinews.kz"]),
        ("www.example.com/a?b=1!", ["www.example.com/a?b=1"]),
        ("mail a@b.com, e.g. Mr.Smith", []),
        ("twice https://x.kz/1 https://x.kz/1", ["https://x.kz/1"]),
    ],
}


@pytest.mark.parametrize(
    ("function", "given", "expected"),
    [
        pytest.param(function, given, expected, id=f"{function.__name__}-{given}")
        for function, cases in EXPECTED.items()
        for given, expected in cases
    ],
)
def test_each_input_gives_its_expected_output(
    function: Callable[[str], object], given: str, expected: object
) -> None:
    assert function(given) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # the same claim in different scripts, spellings and inflections shares its stems
        ("V Almaty otkryli centr NATO", "В Алматы открыли центр НАТО"),
        ("Almaty NATO centr", "Алматы НАТО центр"),
        ("Алматыда НАТО орталығы ашылды", "Алматыда НАТО орталыгы ашылды ма"),
        ("американские биолаборатории", "американских биолабораторий"),
        ("vaccines contain microchips", "vaccine contained a microchip"),
    ],
)
def test_word_terms_meet(a: str, b: str) -> None:
    assert set(word_terms(normalise(a))) >= set(word_terms(normalise(b))) - {"ма"}


def test_char_ngrams_survive_a_typo() -> None:
    right = set(char_ngrams("биолаборатории"))
    typo = set(char_ngrams("биолабаратории"))
    assert len(right & typo) / len(right | typo) > 0.6


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.t.me/s/voenkor/12/", "t.me/voenkor/12"),
        ("http://telegram.me/voenkor/12?single", "https://t.me/voenkor/12"),
        ("https://example.com/news/1/?utm_source=tg", "example.com/news/1"),
        ("https://youtu.be/abc", "https://www.youtube.com/watch?v=abc"),
        ("https://x.com/user/status/1", "https://twitter.com/user/status/1"),
    ],
)
def test_normalise_url_same(a: str, b: str) -> None:
    assert normalise_url(a) == normalise_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("t.me/voenkor/12", "t.me/voenkor/13"),
        ("example.com/news?id=1", "example.com/news?id=2"),
    ],
)
def test_normalise_url_different(a: str, b: str) -> None:
    assert normalise_url(a) != normalise_url(b)


def test_split_sentences() -> None:
    text = "Первое предложение. Второе! Third one? Четвёртое\nпятое"
    assert split_sentences(text) == [
        "Первое предложение.",
        "Второе!",
        "Third one?",
        "Четвёртое",
        "пятое",
    ]
