"""The benches read the shared data sets from `--data DIR` when given (never a copy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("script", "missing"),
    [
        ("clef.py", "missing CLEF-2020 claims: {data}/clef2020/"),
        ("restatements.py", "missing EUvsDisinfo case list: {data}/euvsdisinfo/posts.csv"),
    ],
)
def test_a_bench_looks_for_its_data_where_data_points(
    tmp_path: Path, script: str, missing: str
) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert missing.format(data=tmp_path) in result.stdout
