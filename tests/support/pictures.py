"""Pictures drawn with Pillow for the tests and bench/images.py: screenshots of posts (light and
dark), memes (outlined capitals on a busy background), photos, and a photo's re-shared copies."""

from __future__ import annotations

import io
import random
import textwrap

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
CAPTION_BAR = 90  # px: the caption bar a re-shared copy gets


def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (Cyrillic and Kazakh letters), from fonts-dejavu-core."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        try:
            return ImageFont.truetype(f"{folder}/{name}", size)
        except OSError:
            continue
    raise RuntimeError("DejaVu fonts not found: install fonts-dejavu-core")


def encode(image: Image.Image, *, quality: int = 85, kind: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, kind, quality=quality)
    return buffer.getvalue()


def screenshot(
    text: str, *, dark: bool = False, width: int = 720, size: int = 26, channel: str = "Новости"
) -> Image.Image:
    """A channel post as a phone screenshot: a header with the channel's name, then the text."""
    background, ink, muted = (
        ((24, 25, 28), (232, 232, 232), (120, 160, 220))
        if dark
        else ((255, 255, 255), (20, 20, 20), (40, 110, 200))
    )
    body = font(size)
    per_line = int((width - 60) / (size * 0.6))  # DejaVu letters are ~0.6 of the size wide
    lines = [row for line in text.splitlines() for row in textwrap.wrap(line, per_line)]
    height = 110 + len(lines) * (size + 12) + 60
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((24, 24, 74, 74), fill=muted)
    draw.text((90, 34), channel, font=font(size, bold=True), fill=muted)
    draw.multiline_text((30, 110), "\n".join(lines), font=body, fill=ink, spacing=12)
    draw.text((width - 120, height - 44), "12:47", font=font(18), fill=muted)
    return image


def busy_background(seed: int, size: tuple[int, int]) -> Image.Image:
    """Shapes, colours and noise: what a meme's photo looks like to OCR."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randrange(15, 40)):
        x, y = rng.randrange(width), rng.randrange(height)
        box = (x, y, x + rng.randrange(20, width // 2), y + rng.randrange(20, height // 2))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(1, 4)))
    noise = np.random.default_rng(seed).normal(0, 10, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(image, dtype=float) + noise, 0, 255).astype("uint8"))


def meme(text: str, *, seed: int = 0, width: int = 800, height: int = 600) -> Image.Image:
    """White outlined capitals over a busy background, split between the top and the bottom."""
    image = busy_background(seed, (width, height))
    draw = ImageDraw.Draw(image)
    face = font(44, bold=True)
    rows = textwrap.wrap(text.upper(), 26)
    half = (len(rows) + 1) // 2
    for block, top in ((rows[:half], 20), (rows[half:], height - 20 - 56 * len(rows[half:]))):
        for index, row in enumerate(block):
            left = max(10, (width - int(draw.textlength(row, font=face))) // 2)
            draw.text(
                (left, top + index * 56), row, font=face, fill="white",
                stroke_width=3, stroke_fill="black",
            )  # fmt: skip
    return image


def photo(seed: int, *, width: int = 800, height: int = 600) -> Image.Image:
    """A photo-like picture without words (blurred shapes, light noise)."""
    return busy_background(seed + 100_000, (width, height))


def copies(image: Image.Image) -> dict[str, bytes]:
    """A photo as others re-share it: half size, JPEG quality 40, 4% cropped off (2% a side),
    and with a 90-px caption bar above it."""
    width, height = image.size
    dx, dy = round(width * 0.02), round(height * 0.02)
    bar = Image.new("RGB", (width, height + CAPTION_BAR), "white")
    bar.paste(image, (0, CAPTION_BAR))
    ImageDraw.Draw(bar).text((16, 24), "ВОТ ЧТО ОТ НАС СКРЫВАЮТ!", font=font(36), fill="black")
    return {
        "half size": encode(image.resize((width // 2, height // 2)), quality=85),
        "JPEG 40": encode(image, quality=40),
        "4% crop": encode(image.crop((dx, dy, width - dx, height - dy)), quality=85),
        "caption bar": encode(bar, quality=85),
    }
