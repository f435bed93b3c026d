"""A small debunk pack the end-to-end tests know by heart (independent of the bundled seed)."""

from __future__ import annotations

from typing import Any

from knowledge.formats.pack import PackDebunk, parse_pack

BIOLABS = "us-biolabs-spread-disease"
RUSSIAN_BAN = "russian-language-ban"
FIVE_G = "5g-towers-coronavirus"
BAIKONUR = "baikonur-sold-to-china"
LONG_SLUG = "x" * 70  # too long for a deep link or button: shown without them

ENTRIES: list[dict[str, Any]] = [
    {
        "slug": BIOLABS,
        "verdict": "false",
        "title": {
            "en": "US military biolabs in Kazakhstan spread dangerous diseases",
            "ru": "Американские военные биолаборатории в Казахстане распространяют опасные болезни",
            "kk": "Қазақстандағы американдық әскери биозертханалар қауіпті ауру таратады",
        },
        "disproof": {
            "en": "The Central Reference Laboratory in Almaty belongs to Kazakhstan's health "
            "ministry <script>alert(1)</script> & is open to inspectors.",
            "ru": "Центральная референс-лаборатория в Алматы принадлежит Минздраву Казахстана "
            "<script>alert(1)</script> & открыта для инспекций.",
            "kk": "Алматыдағы Орталық референс-зертхана Қазақстан Денсаулық сақтау министрлігіне "
            "тиесілі <script>alert(1)</script> & тексерушілерге ашық.",
        },
        "claims": [
            {
                "lang": "ru",
                "text": "Американские биолаборатории в Казахстане распространяют болезни",
            },
            {
                "lang": "ru",
                "text": "Пентагон разрабатывает биологическое оружие в лаборатории в Алматы",
            },
            {"lang": "en", "text": "The Pentagon runs secret bioweapons labs in Kazakhstan"},
            {"lang": "kk", "text": "Алматыдағы зертханада Пентагон биологиялық қару жасап жатыр"},
        ],
        "sources": [
            {
                "url": "https://factcheck.kz/biolabs?a=1&b=<2>",
                "title": "Biolabs <b>myth</b> & facts",
                "publisher": "Factcheck.kz",
            },
            {"url": "https://www.gov.kz/memleket/entities/dsm", "publisher": "Ministry of Health"},
        ],
        "appearances": ["https://fakenews.example/biolabs-kz"],
    },
    {
        "slug": RUSSIAN_BAN,
        "verdict": "misleading",
        "title": {
            "en": "Kazakhstan will ban the Russian language",
            "ru": "В Казахстане запретят русский язык",
            "kk": "Қазақстанда орыс тіліне тыйым салынады",
        },
        "disproof": {
            "en": "Russian keeps its status under the Constitution; the language law "
            "only widens the use of Kazakh.",
            "ru": "Русский язык сохраняет статус по Конституции; закон о языках лишь расширяет "
            "использование казахского.",
            "kk": "Орыс тілі Конституция бойынша мәртебесін сақтайды; тіл туралы заң тек қазақ "
            "тілінің қолданылуын кеңейтеді.",
        },
        "claims": [
            {"lang": "ru", "text": "В Казахстане полностью запретят русский язык"},
            {"lang": "en", "text": "Russian language to be banned in Kazakhstan"},
            {"lang": "kk", "text": "Қазақстанда орыс тіліне толық тыйым салынады"},
        ],
        "sources": [{"url": "https://adilet.zan.kz/rus/docs/K950001000_", "title": "Constitution"}],
    },
    {
        "slug": FIVE_G,
        "verdict": "false",
        "title": {
            "en": "5G towers in Almaty spread the coronavirus",
            "ru": "Вышки 5G в Алматы распространяют коронавирус",
            "kk": "Алматыдағы 5G мұнаралары коронавирус таратады",
        },
        "disproof": {
            "en": "Radio waves cannot carry viruses; COVID-19 spread in places without 5G.",
            "ru": "Радиоволны не переносят вирусы; COVID-19 распространялся и там, где нет 5G.",
            "kk": "Радиотолқындар вирус тасымалдамайды; COVID-19 5G жоқ жерлерде де таралды.",
        },
        "claims": [
            {"lang": "ru", "text": "Вышки 5G распространяют коронавирус"},
            {"lang": "en", "text": "5G towers spread the coronavirus"},
        ],
        "sources": [{"url": "https://www.who.int/5g-myth", "title": "WHO: 5G mythbuster"}],
    },
    {
        "slug": BAIKONUR,
        "verdict": "unproven",
        "title": {
            "en": "Kazakhstan secretly sold the Baikonur cosmodrome to China",
            "ru": "Казахстан тайно продал космодром Байконур Китаю",
        },
        "disproof": {
            "en": "Baikonur is leased to Russia until 2050; no sale to China was ever signed.",
            "ru": "Байконур арендован Россией до 2050 года; никакой продажи Китаю не было.",
        },
        "claims": [
            {"lang": "ru", "text": "Казахстан тайно продал космодром Байконур Китаю"},
            {"lang": "en", "text": "Kazakhstan sold Baikonur cosmodrome to China"},
        ],
        "sources": [],
    },
]


def pack_entries() -> list[PackDebunk]:
    parsed = parse_pack({"format": "debunk-pack/1", "debunks": ENTRIES})
    assert parsed.problems == [], parsed.problems
    return parsed.debunks
