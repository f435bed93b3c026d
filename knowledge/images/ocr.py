"""Reading the words in a picture with Tesseract (through tesserocr, the C++ API kept loaded), with
the preprocessing screenshots and memes need: grayscale, upscaling of small text, inverted
colours for dark-mode screenshots, and page segmentation that finds the blocks of a post or meme.

One `Reader` holds a loaded Tesseract (about 0.3 s to load rus+kaz+eng): the bot keeps one per
process of its OCR pool (`knowledge.images.reading`), the command line one for its run.
"""

from __future__ import annotations

import glob
import os
import re
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

LANGUAGES = "rus+kaz+eng"
# Tesseract reads best when capitals are ~30 px tall; Telegram sends photos at most 1280 px wide,
# where a phone screenshot's text is half that: such pictures are enlarged up to this long side.
UPSCALE_BELOW = 1400
UPSCALE_TO = 2000
DARK_MEAN = 110  # mean grey below which a picture is a dark-mode screenshot (light text): inverted
# A screenshot's chrome (channel name, time, views, buttons) comes out as paragraphs of a word or
# two; they are dropped when the picture has wordier ones, so they do not dilute the claim.
MIN_PARAGRAPH_WORDS = 3
MIN_WORD_CONFIDENCE = 30  # a reading whose surest word is below this is a photo's texture
CONFIDENT = 80  # mean word confidence from which the first reading is kept as it is
WHITE_LEVEL = 200  # a meme's letters: every channel at least this bright
WHITE_SHARE = (0.005, 0.4)  # ... covering this share of the picture
TESSDATA_GLOBS = (
    "/usr/share/tesseract-ocr/*/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)
_SPACES_RE = re.compile(r"[ \t]+")
_PARAGRAPH_RE = re.compile(r"\n\s*\n")
_WORD_RE = re.compile(r"[^\W\d_]{2,}")
_LOOKALIKES = ("АВЕКМНОРСТУХаеорсухһіјѕ", "ABEKMHOPCTYXaeopcyxhijs")
_TO_LATIN = str.maketrans(*_LOOKALIKES)
_TO_CYRILLIC = str.maketrans(_LOOKALIKES[1], _LOOKALIKES[0])
_ALL_CYRILLIC_LOOKALIKES_RE = re.compile(rf"\b[{_LOOKALIKES[0]}]+\b")
_ALL_LATIN_LOOKALIKES_RE = re.compile(rf"\b[{_LOOKALIKES[1]}]+\b")
_LATIN_RE = re.compile(r"[A-Za-z]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")


class OcrUnavailable(RuntimeError):
    """Tesseract or its language data is not installed; the message says what to install."""


def tessdata_path() -> str:
    """Where the language data is: TESSDATA_PREFIX, else the usual system locations."""
    configured = os.environ.get("TESSDATA_PREFIX")
    if configured:
        return configured
    for pattern in TESSDATA_GLOBS:
        for path in sorted(glob.glob(pattern), reverse=True):
            if os.path.exists(os.path.join(path, "eng.traineddata")):
                return path
    raise OcrUnavailable(
        "Tesseract language data not found: install tesseract-ocr, tesseract-ocr-rus, "
        "tesseract-ocr-kaz and tesseract-ocr-eng (or set TESSDATA_PREFIX)"
    )


def prepare(image: Image.Image) -> Image.Image:
    """Grayscale, light background, small text enlarged."""
    grey = ImageOps.exif_transpose(image).convert("L")
    if float(np.asarray(grey).mean()) < DARK_MEAN:
        grey = ImageOps.invert(grey)
    longest = max(grey.size)
    if longest < UPSCALE_BELOW:
        scale = UPSCALE_TO / longest
        size = (round(grey.width * scale), round(grey.height * scale))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    return grey


def tidy(text: str, *, chrome: bool = True) -> str:
    """Tesseract's text as a message: a paragraph's wrapped lines joined into one line (a word
    hyphenated across lines joined again), paragraphs one per line, runs of spaces collapsed,
    and (with `chrome`) paragraphs of fewer than MIN_PARAGRAPH_WORDS words dropped when there
    are longer ones."""
    paragraphs = []
    for block in _PARAGRAPH_RE.split(text):
        lines = [_SPACES_RE.sub(" ", line).strip() for line in block.splitlines()]
        joined = ""
        for line in filter(None, lines):
            if joined.endswith("-") and line[:1].islower():
                joined = joined[:-1] + line
            else:
                joined = f"{joined} {line}" if joined else line
        if joined:
            paragraphs.append(one_script(joined))
    wordy = [p for p in paragraphs if len(_WORD_RE.findall(p)) >= MIN_PARAGRAPH_WORDS]
    return "\n".join(wordy if chrome and wordy else paragraphs)


def one_script(paragraph: str) -> str:
    """Words Tesseract spelt in look-alike letters of the other script ("Тһе" in an English
    line, "HACA" in a Russian one) respelt in the paragraph's main script."""
    latin = len(_LATIN_RE.findall(paragraph))
    cyrillic = len(_CYRILLIC_RE.findall(paragraph))
    if latin > cyrillic:
        alien, table = _ALL_CYRILLIC_LOOKALIKES_RE, _TO_LATIN
    elif cyrillic > latin:
        alien, table = _ALL_LATIN_LOOKALIKES_RE, _TO_CYRILLIC
    else:
        return paragraph
    return alien.sub(lambda word: word.group().translate(table), paragraph)


def white_letters(image: Image.Image) -> Image.Image | None:
    """Black on white, the picture's white pixels (a meme's letters); None when white is too
    rare or too common to be letters."""
    rgb = np.asarray(image.convert("RGB"))
    white = rgb.min(axis=2) >= WHITE_LEVEL
    if not WHITE_SHARE[0] <= float(white.mean()) <= WHITE_SHARE[1]:
        return None
    return Image.fromarray(np.where(white, 0, 255).astype(np.uint8))


@dataclass
class Reader:
    """A loaded Tesseract for `languages`; `read` is not thread-safe, so calls are serialised."""

    languages: str = LANGUAGES

    def __post_init__(self) -> None:
        try:
            import tesserocr
        except ImportError as error:  # pragma: no cover - a broken installation
            raise OcrUnavailable(f"tesserocr is not installed ({error})") from None
        path = tessdata_path()
        try:
            self._api = tesserocr.PyTessBaseAPI(
                path=path.rstrip("/") + "/", lang=self.languages, psm=tesserocr.PSM.AUTO
            )
        except RuntimeError:
            raise OcrUnavailable(
                f"Tesseract cannot load {self.languages} from {path}: install "
                "tesseract-ocr-rus, tesseract-ocr-kaz and tesseract-ocr-eng"
            ) from None
        self._lock = threading.Lock()

    def read(self, image: Image.Image) -> str:
        """The words in `image`, a paragraph per line (empty when there are none). A picture
        read with little confidence is read again as white letters only (a meme's outlined
        capitals over a photo), and the more confident reading wins."""
        with self._lock:
            text, confidence = self._recognise(prepare(image), chrome=True)
            if confidence >= CONFIDENT and len(_WORD_RE.findall(text)) >= MIN_PARAGRAPH_WORDS:
                return text
            letters = white_letters(image)
            if letters is None:
                return text
            other, other_confidence = self._recognise(prepare(letters), chrome=False)
        if other_confidence * len(other) > confidence * len(text):
            return other
        return text

    def _recognise(self, prepared: Image.Image, *, chrome: bool) -> tuple[str, float]:
        """Tesseract's tidied text and its mean word confidence (0 when it found no words).
        `chrome`: drop the short paragraphs of a screenshot's interface."""
        self._api.SetImage(prepared)
        text = self._api.GetUTF8Text()
        confidences = self._api.AllWordConfidences()
        if not confidences or max(confidences) < MIN_WORD_CONFIDENCE:
            return "", 0.0  # nothing, or a photo's texture read as letters
        return tidy(text, chrome=chrome), float(self._api.MeanTextConf())

    def close(self) -> None:
        self._api.End()
