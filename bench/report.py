"""How the benches print their result tables."""

from __future__ import annotations


def print_header(header: str) -> None:
    """A table's column names, and a rule as wide under them."""
    print(header)
    print("-" * len(header))
