"""The benches read the shared data sets from `--data DIR` when given (never a copy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_bench_looks_for_its_data_where_data_points(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "clef.py"), "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert f"missing CLEF-2020 claims: {tmp_path}/clef2020/" in result.stdout
