"""Text normalisation shared by indexing and querying.

Two layers:

* :func:`normalise` turns a raw message (a forwarded post with emoji, links, markup, channel
  boilerplate, homoglyphs, Latin-script Russian...) into clean readable text.  It keeps case and the
  Kazakh letters, so the same text is what the embedding model sees.
* :func:`fold` turns clean text into its lexical form: casefolded, ``ё`` → ``е``, Kazakh letters
  folded to their Russian look-alikes, Latin diacritics removed.

:func:`extract_urls` and :func:`normalise_url` serve appearance matching.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = [
    "extract_urls",
    "fold",
    "is_latin_word",
    "latin_script_language",
    "latin_to_cyrillic",
    "normalise",
    "normalise_url",
    "split_sentences",
    "word_set",
]

# --------------------------------------------------------------------------------------------
# URLs

_TLDS = (
    "com|ru|kz|org|net|me|io|info|news|tv|be|ly|su|ua|by|eu|uk|de|fr|gov|edu|co|cc|to|us|uz|kg"
    "|tj|am|ge|az|site|online|media|press|club|live|am|fm|gl|gd|link|page|app"
)
_URL_RE = re.compile(
    r"(?:(?:https?|ftp)://|www\.)[^\s<>\"'«»]+"  # explicit scheme or www.
    r"|\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}/[^\s<>\"'«»]*"  # host/path
    rf"|\b(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})\b(?![\w@-]|\.\w)",  # bare host
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?…»\"'”’)]}>"
_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|yclid|igshid|si|ref|ref_src|s|t|feature)$")
_HOST_ALIASES = {
    "telegram.me": "t.me",
    "telegram.dog": "t.me",
    "x.com": "twitter.com",
    "mobile.twitter.com": "twitter.com",
    "m.facebook.com": "facebook.com",
    "m.youtube.com": "youtube.com",
    "m.vk.com": "vk.com",
}


def _trim_url(url: str) -> str:
    while url and url[-1] in _URL_TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def extract_urls(text: str) -> list[str]:
    """URLs in ``text`` (explicit, ``www.`` and bare ``host/path`` forms), in order, unique."""
    text = unicodedata.normalize("NFKC", _strip_format_chars(text or ""))
    found: list[str] = []
    for m in _URL_RE.finditer(text):
        start = m.start()
        if start and (text[start - 1] == "@" or text[start - 1].isalnum()):
            continue  # part of an e-mail address or a word
        url = _trim_url(m.group(0))
        if url and url not in found:
            found.append(url)
    return found


def normalise_url(url: str) -> str:
    """Canonical key of a URL: no scheme, ``www.``, tracking parameters, fragment or trailing slash.

    ``https://www.t.me/s/channel/12/`` and ``t.me/channel/12`` give the same key.
    """
    url = _trim_url(url.strip())
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:  # "http://[oops": not a URL a browser would open; keep it as written
        return url.lower()
    if host.startswith("www."):
        host = host[4:]
    host = _HOST_ALIASES.get(host, host)
    path = re.sub(r"/{2,}", "/", parts.path or "")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    if host == "t.me":
        if path.startswith("/s/"):
            path = path[2:]
        query = []  # ?single, ?comment=... point to the same post
        path = path.lower()
    elif host == "youtu.be" and path.strip("/"):
        host, path, query = "youtube.com", "/watch", [("v", path.strip("/"))]
    query = [(k, v) for k, v in query if not _TRACKING_PARAMS.match(k.lower())]
    key = host + path.rstrip("/")
    if query:
        key += "?" + urlencode(sorted(query))
    return key


# --------------------------------------------------------------------------------------------
# Character-level cleaning


class _CharTable(dict[int, str | None]):
    """str.translate table filled on first sight of each character (C-speed afterwards)."""

    def __init__(self, *, drop_symbols: bool) -> None:
        super().__init__()
        self.drop_symbols = drop_symbols

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        cat = unicodedata.category(ch)
        value: str | None = ch
        if cat == "Cf":  # zero-width spaces/joiners, bidi marks and overrides, soft hyphen, BOM
            value = None
        elif self.drop_symbols and (
            cat in ("So", "Sk", "Cs", "Co")
            or ch in "\ufe0e\ufe0f"
            or (cat == "Cc" and ch not in "\n\t")
        ):
            value = " "  # emoji, pictographs, control characters
        self[code] = value
        return value


_FORMAT_CHARS = _CharTable(drop_symbols=False)
_FORMAT_AND_SYMBOLS = _CharTable(drop_symbols=True)


def _strip_format_chars(text: str) -> str:
    return text if text.isascii() else text.translate(_FORMAT_CHARS)


def _drop_symbols(text: str) -> str:
    return text.translate(_FORMAT_AND_SYMBOLS)


# Latin letters that look like Cyrillic ones and vice versa (case-sensitive, before casefolding).
_LAT_TO_CYR = str.maketrans(
    "AaBCcEeHKkMOoPpTXxYyi03",
    "АаВСсЕеНКкМОоРрТХхУуіОЗ",
)
_CYR_TO_LAT = str.maketrans(
    "АаВСсЕеНКкМОоРрТХхУуІіЈјЅѕ",
    "AaBCcEeHKkMOoPpTXxYyIiJjSs",
)
_LAT_LOOKALIKES = frozenset("AaBCcEeHKkMOoPpTXxYyi")
_CYR_LOOKALIKES = frozenset("АаВСсЕеНКкМОоРрТХхУуІіЈјЅѕ")
_WORD_RE = re.compile(r"\w+")
_LETTER_RUN_RE = re.compile(r"[^\W_]+")


_CYRILLIC_RE = re.compile(r"[\u0400-\u052f]")
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC_DIGIT_RE = re.compile(r"[\u0400-\u052f][03]|[03][\u0400-\u052f]")


def _script_counts(word: str) -> tuple[int, int]:
    """(Cyrillic letters, Latin letters) in ``word``."""
    return len(_CYRILLIC_RE.findall(word)), len(_LATIN_RE.findall(word))


@lru_cache(maxsize=65536)
def is_latin_word(word: str) -> bool:
    """True when every letter of ``word`` is Latin (digits allowed) and it has at least one."""
    return bool(_LATIN_RE.search(word)) and not _CYRILLIC_RE.search(word)


def _fold_homoglyphs(text: str) -> str:
    """Fold look-alike letters inside mixed-script words to the word's majority script.

    In a mostly Cyrillic text, a Latin word made only of look-alike capitals/letters (``HATO``
    for ``НАТО``) is folded to Cyrillic too.
    """
    has_cyrillic = _CYRILLIC_RE.search(text) is not None
    if not has_cyrillic or not (_LATIN_RE.search(text) or _CYRILLIC_DIGIT_RE.search(text)):
        return text  # one script only: nothing to fold
    cyr_words = lat_words = 0
    for word in _LETTER_RUN_RE.findall(text):
        cyr, lat = _script_counts(word)
        if cyr > lat:
            cyr_words += 1
        elif lat:
            lat_words += 1
    cyrillic_context = cyr_words >= 2 * max(lat_words, 1)

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        cyr, lat = _script_counts(word)
        if cyr and lat:
            # a letter that exists in one script only decides; else the majority, else the text
            latin_only = any(c not in _LAT_LOOKALIKES for c in _LATIN_RE.findall(word))
            cyrillic_only = any(c not in _CYR_LOOKALIKES for c in _CYRILLIC_RE.findall(word))
            if latin_only != cyrillic_only:
                to_cyrillic = cyrillic_only
            elif cyr != lat:
                to_cyrillic = cyr > lat
            else:
                to_cyrillic = cyrillic_context
            return word.translate(_LAT_TO_CYR if to_cyrillic else _CYR_TO_LAT)
        if (
            cyr >= 2
            and any(c in "03" for c in word)
            and not any(c.isdigit() and c not in "03" for c in word)
            and not re.search(r"\d\d", word)
        ):
            return word.translate(_LAT_TO_CYR)  # НАТ0, 3АПАД
        if (
            lat
            and cyrillic_context
            and len(word) >= 3
            and all(c in _LAT_LOOKALIKES and c != "i" for c in word)
            and sum(c.isupper() for c in word) >= len(word) - 1
        ):
            return word.translate(_LAT_TO_CYR)
        return word

    return _LETTER_RUN_RE.sub(fix, text)


# --------------------------------------------------------------------------------------------
# Latin-script Russian / Kazakh


_TRANSLIT_MULTI = (
    ("shch", "щ"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("tz", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ju", "ю"),
    ("ya", "я"),
    ("ja", "я"),
    ("yo", "е"),
    ("jo", "е"),
)
_TRANSLIT_SINGLE = {
    "a": "а",
    "b": "б",
    "d": "д",
    "e": "е",
    "f": "ф",
    "g": "г",
    "h": "х",
    "i": "и",
    "j": "й",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "q": "к",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "w": "в",
    "x": "кс",
    "z": "з",
    # Kazakh Latin alphabet (2021) and common diacritics
    "ä": "ә",
    "ğ": "ғ",
    "ı": "ы",
    "ñ": "ң",
    "ö": "ө",
    "ü": "ү",
    "ū": "ұ",
    "ş": "ш",
    "ç": "ч",
    "é": "е",
    "'": "ь",
}
_VOWELS = set("aeiouyаеиоуыэюяё")


@lru_cache(maxsize=65536)
def _latin_to_cyrillic_lower(word: str) -> str:
    out: list[str] = []
    i = 0
    n = len(word)
    while i < n:
        ch = word[i]
        if ch == "y":
            nxt = word[i + 1] if i + 1 < n else ""
            prev = word[i - 1] if i else ""
            if nxt == "e":
                if not prev or prev in _VOWELS:
                    out.append("е")
                else:
                    out.append("ые")
                i += 2
                continue
            if nxt in ("a", "u", "o"):
                out.append({"a": "я", "u": "ю", "o": "е"}[nxt])
                i += 2
                continue
            out.append("й" if prev and prev in _VOWELS else "ы")
            i += 1
            continue
        if ch == "c":
            if word.startswith(("ch",), i):
                out.append("ч")
                i += 2
                continue
            nxt = word[i + 1] if i + 1 < n else ""
            out.append("ц" if nxt in ("e", "i", "y") else "к")
            i += 1
            continue
        for latin, cyr in _TRANSLIT_MULTI:
            if word.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            out.append(_TRANSLIT_SINGLE.get(ch, ch))
            i += 1
    return "".join(out)


def latin_to_cyrillic(word: str) -> str:
    """Transliterate a Latin-script Russian/Kazakh word to Cyrillic (``otkryli`` → ``открыли``).

    Case is kept for a word's first letter and for all-capital words (``NATO`` → ``НАТО``).
    """
    if not word:
        return word
    cyr = _latin_to_cyrillic_lower(word.lower())
    if word.isupper() and len(word) > 1:
        return cyr.upper()
    if word[0].isupper():
        return cyr[:1].upper() + cyr[1:]
    return cyr


def word_set(words: str) -> frozenset[str]:
    """The whitespace-separated words of ``words`` as a set (for word lists kept as text)."""
    return frozenset(words.split())


_EN_MARKERS = word_set(
    "the a an of to in on and is are was were be been has have had that this these those with for"
    " from by at it its not but or as will would can could should what which who how why there"
    " their they them he she his her we our you your i my me do does did about into over after"
    " new says said just all more than"
)
_TRANSLIT_MARKERS = word_set(
    "v vo na chto eto ne po iz ot dlya kak vse vsyo uzhe tak ego ikh oni vy ya bylo byl byla"
    " budet yest est net da ili pri bez pod nad mezhdu posle seychas teper ochen takzhe tolko"
    " chtoby esli ob za li zhe dazhe tozhe kotoryy kotorye kotoraya kotorykh mozhno nado"
    " nuzhno pravda pravdu feyk vsekh svoi svoikh nashikh nas vas iz-za"
    # Kazakh in Latin script
    " jane jäne men bul bu osy degen turaly boyynsha boiynsha ushin üshin emes ras pa ma ba sheshim"
    " qazaqstan qazaqstanda qazaq"
)
_TRANSLIT_ENDINGS = re.compile(
    r"(?:yy|iy|oy|ogo|ego|omu|ykh|ikh|aya|yaya|oye|iye|yye|ami|yami|akh|yakh|ov|ev|zh\w*|kh\w*"
    r"|shch\w*|tsya|tsia|lis|li|la|ut|yut|at|yat|it|sya|yu|ye|nyy|skiy|skaya|skoe|skiye|stan\w+)$"
)
_EN_ENDINGS = re.compile(r"(?:ing|tion|tions|ness|ment|ments|ship|ed|ly|th\w*|wh\w*|ous|ful)$")
# Kazakh in Latin letters writes қ as q (Qazaqstan, oqiga); English has q only before u.  Half a
# vote: one such word (Iraq, Qatar) does not make an English title Kazakh, two do.
_KAZAKH_Q_RE = re.compile(r"q(?!u)")


@lru_cache(maxsize=65536)
def _latin_word_votes(word: str) -> tuple[float, float]:
    """(English, transliterated Russian/Kazakh) votes of one casefolded Latin word."""
    if word in _EN_MARKERS:
        return 1.0, 0.0
    if word in _TRANSLIT_MARKERS:
        return 0.0, 1.0
    if _KAZAKH_Q_RE.search(word):
        return 0.0, 0.5
    if len(word) >= 4:
        if _EN_ENDINGS.search(word) or "w" in word or word.endswith("e"):
            return 0.5, 0.0
        if _TRANSLIT_ENDINGS.search(word):
            return 0.0, 0.5
    return 0.0, 0.0


_LATIN_WORD_RE = re.compile(r"(?<![^\W\d_])[A-Za-z\u00c0-\u024f']+(?![^\W\d_])")


def latin_script_language(text: str) -> str:
    """Guess what the Latin-script words of ``text`` are written in.

    ``"en"`` (English or another Western language), ``"translit"`` (Russian or Kazakh typed in
    Latin letters) or ``"unknown"`` when there is too little to tell (a few names, acronyms).
    """
    en = translit = 0.0
    for word in _LATIN_WORD_RE.findall(text):
        e, t = _latin_word_votes(word.casefold())
        en += e
        translit += t
        if en >= translit + 4:
            return "en"  # decided: no need to read on
    if translit >= 1 and translit > en:
        return "translit"
    if en >= 1 and en >= translit:
        return "en"
    return "unknown"


def _transliterate_latin_words(text: str) -> str:
    return _LETTER_RUN_RE.sub(
        lambda m: latin_to_cyrillic(m.group(0)) if is_latin_word(m.group(0)) else m.group(0), text
    )


# --------------------------------------------------------------------------------------------
# Markup, mentions, boilerplate and question framing

_HTML_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_HTML_BREAK_RE = re.compile(r"<(?:br|/?p|/?div|/?li|/?blockquote)\b[^<>]*>", re.IGNORECASE)
_MD_LINK_RE = re.compile(r"\[([^\]\n]{1,300})\]\((?:[^)\s]{1,2000})\)")
_MD_MARK_RE = re.compile(r"(?:\*{1,3}|_{2,3}|~~|\|\||`{1,3})")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MENTION_RE = re.compile(r"(?<![\w@])@\w{2,}")
_HASHTAG_RE = re.compile(r"(?<![\w#])#(\w+)")
_CAMEL_RE = re.compile(r"(?<=[a-zа-яёәғқңөұүһі])(?=[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ])")
# "— Morgan Eastwood (@MorganEastwood) November 9, 2016" closing a pasted tweet: the author's
# name is kept (who said it is often the claim: CLEF MAP@5 +0.02), the handle and date dropped
_TWEET_SIGNATURE_RE = re.compile(
    r"[—–-]\s*([^—–\n]{0,80}?)\s*\(@\w+\)\s*(?:[A-Z][a-z]+\s+\d{1,2},\s+\d{4})?\s*$"
)
_BOILERPLATE_LINE_RE = re.compile(
    # the header up to its colon: "Forwarded from X: <the post>" keeps the post
    r"^\s*(?:forwarded from|переслано (?:от|из)|пересланное сообщение|репост|repost|via)\b"
    r"[^:\n]*:?",
    re.IGNORECASE | re.MULTILINE,
)
_BOILERPLATE_TAIL_RE = re.compile(
    r"(?:подписывайтесь|подпишитесь|подпишись|подписывайся|подписаться на (?:наш )?канал"
    r"|наш канал|наш телеграм|subscribe to|subscribe|follow us|join us|our channel"
    r"|жазылыңыз|жазылыныз|жазылып қойыңыз|арнамызға|ставьте лайк|поделитесь с друзьями"
    r"|перешлите (?:всем|друзьям)|распространите|share this|источник\s*:|source\s*:)"
    r"[^\n]*",
    re.IGNORECASE,
)
_FRAMING_HEAD_RE = re.compile(
    r"^\W*(?:"
    r"is it true(?: that)?|is this true(?: that)?|is that true|is it real(?: that)?|true or false"
    r"|fact[- ]?check(?: this| please)?|fake or not|is this fake"
    r"|(?:can|could) you (?:please )?check(?: this| if| whether)?|please check|check this"
    r"|i heard that|they say that|someone said that"
    r"|правда ли(?:,? что)?|это правда,? что|верно ли,? что|правда,? что|говорят,? что|пишут,? что"
    r"|проверьте(?:,? пожалуйста)?|проверь(?:,? пожалуйста)?|фейк или нет|правда или фейк"
    r"|рас па(?:,? (?:ол|бұл|осы))?|бұл рас па|шын ба|бұл шын ба|рас ба|тексеріңізші|тексеріңіз"
    r"|тексерiңiз|айтуларынша"
    r")(?=\W|$)[\s,:;!?.…-]*",
    re.IGNORECASE,
)
_FRAMING_TAIL_RE = re.compile(
    r"(?:[,;:\s-]*(?:is (?:it|this|that) true|true or (?:false|fake)|is (?:it|this) real"
    r"|fake or not|(?:это )?правда(?: ли)?|или фейк|(?:это )?фейк|правда или (?:нет|фейк)"
    r"|(?:бұл )?рас па|шын ба|рас ба|или нет)\s*[?!.…]*\s*)+$",
    re.IGNORECASE,
)
_SPACES_RE = re.compile(r"[^\S\n]+")
_BLANK_LINES_RE = re.compile(r"\s*\n\s*")


def _split_hashtag(m: re.Match[str]) -> str:
    return " " + _CAMEL_RE.sub(" ", m.group(1).replace("_", " ")) + " "


def _strip_markup(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    if "](" in text:
        text = _MD_LINK_RE.sub(r"\1", text)
    if "<" in text:
        text = _HTML_BREAK_RE.sub("\n", text)
        text = _HTML_TAG_RE.sub("", text)
    return _MD_MARK_RE.sub("", text)


# Cheap substring tests that let most texts skip the costlier patterns below.
_BOILERPLATE_HINTS = (
    "подпис",
    "подпиш",
    "наш канал",
    "наш телеграм",
    "subscribe",
    "follow us",
    "join us",
    "our channel",
    "жазыл",
    "арнамыз",
    "ставьте лайк",
    "поделитесь",
    "перешлите",
    "распростран",
    "share this",
    "источник",
    "source",
)
_BOILERPLATE_LINE_HINTS = ("forwarded", "переслан", "репост", "repost", "via")
_FRAMING_TAIL_HINTS = ("true", "real", "fake", "правд", "фейк", "рас", "шын", "нет")


def _has_any(text: str, hints: tuple[str, ...]) -> bool:
    return any(hint in text for hint in hints)


_URL_HINT_RE = re.compile(r"://|www\.|[a-z0-9]\.[a-z]{2}", re.IGNORECASE)


def _remove_urls(text: str) -> str:
    if not _URL_HINT_RE.search(text):
        return text
    spans = [(m.start(), m.end()) for m in _URL_RE.finditer(text)]
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(" ")
        last = end
    out.append(text[last:])
    return "".join(out)


def _drop_framing(text: str) -> str:
    for _ in range(2):
        stripped = _FRAMING_HEAD_RE.sub("", text, count=1)
        cut = max(0, len(stripped) - 80)  # the tail pattern only ever spans the last words
        if _has_any(stripped[cut:].casefold(), _FRAMING_TAIL_HINTS):
            stripped = stripped[:cut] + _FRAMING_TAIL_RE.sub("", stripped[cut:])
        if stripped == text:
            break
        text = stripped
    return text


def normalise(text: str) -> str:
    """Clean, readable text of a message: what is matched and what the embedder sees.

    NFKC; zero-width/bidi characters, emoji, markup, URLs, e-mail addresses and mentions removed;
    hashtag words kept (``#FakeNews`` → ``Fake News``); channel boilerplate and question framing
    dropped; look-alike letters folded inside mixed-script words; Latin-script Russian/Kazakh
    transliterated to Cyrillic.  Case, punctuation and Kazakh letters are kept.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", _drop_symbols(text))
    text = _strip_markup(text)
    if "@" in text:
        text = _EMAIL_RE.sub(" ", text)
    text = _remove_urls(text)
    lowered = text.casefold()
    if "@" in text:
        if "(@" in text:
            text = _TWEET_SIGNATURE_RE.sub(r" — \1", text)
        text = _MENTION_RE.sub(" ", text)
    if _has_any(lowered, _BOILERPLATE_LINE_HINTS):
        text = _BOILERPLATE_LINE_RE.sub(" ", text)
    if "#" in text:
        text = _HASHTAG_RE.sub(_split_hashtag, text)
    if _has_any(lowered, _BOILERPLATE_HINTS):
        text = _BOILERPLATE_TAIL_RE.sub(" ", text)
    text = _fold_homoglyphs(text)
    if latin_script_language(text) == "translit":
        text = _transliterate_latin_words(text)
    text = _SPACES_RE.sub(" ", text)
    text = _BLANK_LINES_RE.sub("\n", text).strip()
    text = _drop_framing(text).strip()
    return text


# --------------------------------------------------------------------------------------------
# Lexical folding

_FOLD_TABLE = str.maketrans(
    {
        "ё": "е",
        "ә": "а",
        "ғ": "г",
        "қ": "к",
        "ң": "н",
        "ө": "о",
        "ұ": "у",
        "ү": "у",
        "һ": "х",
        "і": "и",
        "ї": "и",
        "є": "е",
        "ў": "у",
        "’": "'",
        "ʼ": "'",
        "`": "'",
    }
)


_ACCENTED_RE = re.compile(r"[\u00c0-\u024f]")


@lru_cache(maxsize=4096)
def _strip_latin_diacritics(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lexical form of clean text: casefolded, ``ё``→``е``, Kazakh letters folded, no accents."""
    text = text.casefold().translate(_FOLD_TABLE)
    if _ACCENTED_RE.search(text):
        text = "".join(_strip_latin_diacritics(c) if "\u00c0" <= c <= "\u024f" else c for c in text)
    return text


# --------------------------------------------------------------------------------------------
# Sentences

_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+(?=[\"«“(]?[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ0-9])|\n+")


def split_sentences(text: str) -> list[str]:
    """Split clean text into sentences (end punctuation before a capital, or a line break)."""
    return [s.strip() for s in _SENTENCE_END_RE.split(text) if s and s.strip()]
