"""Alembic sees the whole schema: every module that defines a table is imported by
knowledge/db/migrations/env_tables.py (one left out is invisible to the models check)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import knowledge

KNOWLEDGE = Path(knowledge.__file__).parent
TABLE_RE = re.compile(r"^class \w+\(SQLModel, table=True\):", re.M)


def test_every_module_that_defines_a_table_is_registered() -> None:
    defining = sorted(
        ".".join(path.relative_to(KNOWLEDGE.parent).with_suffix("").parts)
        for path in KNOWLEDGE.rglob("*.py")
        if TABLE_RE.search(path.read_text(encoding="utf-8"))
    )
    probe = (
        "import sys, knowledge.db.migrations.env_tables; "
        "print('\\n'.join(m for m in sys.modules if m.startswith('knowledge.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    registered = set(done.stdout.split())
    assert defining and [m for m in defining if m not in registered] == []
