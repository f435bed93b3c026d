"""`tekser check --image` and `tekser image add|list` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bot.test_cli import database, run  # noqa: F401  (fixtures)
from tests.support.pictures import copies, encode, photo, screenshot

pytestmark = pytest.mark.ocr  # Tesseract reads the pictures

SLUG = "pentagon-biolabs-moved-to-kazakhstan"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_screenshot_is_checked_by_its_words(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "seed")
    shot = write(
        tmp_path / "post.jpg",
        encode(screenshot("Срочно! 30 биолабораторий Пентагона переносят с Украины в Казахстан")),
    )
    code, out, _ = run(capsys, "check", "--image", str(shot), "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["query"] == str(shot)
    assert "биолабораторий Пентагона" in payload["text"]
    assert payload["verdict"] == "match" and payload["matches"][0]["slug"] == SLUG


def test_an_attached_photos_copies_match_and_the_list_shows_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "seed")
    original = write(tmp_path / "ribbon.jpg", encode(photo(5), quality=90))
    code, out, _ = run(capsys, "image", "add", SLUG, str(original))
    assert code == 0 and f"Attached ribbon.jpg to {SLUG}" in out
    code, out, _ = run(capsys, "image", "list", SLUG)
    assert code == 0 and out.startswith("ribbon.jpg\tpdq:")
    paths = [
        str(write(tmp_path / f"copy{n}.jpg", c)) for n, c in enumerate(copies(photo(5)).values())
    ]
    code, out, _ = run(capsys, "check", "--json", "--image", *paths)
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(answers) == 4
    assert all(a["verdict"] == "match" and a["picture"]["slug"] == SLUG for a in answers)
    assert answers[0]["matches"][0]["matched"] == "picture: ribbon.jpg"


def test_picture_mistakes_get_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, "seed")
    broken = write(tmp_path / "broken.jpg", b"not a picture")
    good = write(tmp_path / "good.jpg", encode(photo(6)))
    code, out, err = run(capsys, "check", "--image", str(broken), str(good))
    assert code == 1  # the readable one is still answered
    assert err.strip() == f"tekser: {broken}: not a picture I can read"
    assert "Picture: " in out and str(good) in out
    code, _, err = run(capsys, "image", "add", SLUG, str(tmp_path / "missing.jpg"))
    assert code == 2 and err.count("\n") == 1 and "no such file" in err
    code, _, err = run(capsys, "image", "add", "no-such-debunk", str(good))
    assert code == 2 and "no debunk 'no-such-debunk'" in err
    run(capsys, "image", "add", SLUG, str(good))
    code, _, err = run(capsys, "image", "add", SLUG, str(good))
    assert code == 2 and "attached to" in err and "already" in err
    code, out, _ = run(capsys, "image", "list", "nato-centre-almaty")
    assert code == 0 and "No pictures attached" in out
