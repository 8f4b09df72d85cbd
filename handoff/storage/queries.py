"""Named SQL queries loaded from `sql/*.sql`.

A file holds blocks that start with `-- name: <query_name>`; parameters are
`%(name)s` placeholders. Names are unique across files.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

QUERIES_DIR = Path(__file__).parent / "sql"
_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


def parse(text: str, source: str = "<string>") -> dict[str, str]:
    """Split a .sql file into {name: sql}."""
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"query {name!r} defined twice in {source}")
        queries[name] = body.strip().rstrip(";")
    return queries


@cache
def all_queries() -> dict[str, str]:
    """Every named query of every file, read once per process."""
    merged: dict[str, str] = {}
    for path in sorted(QUERIES_DIR.glob("*.sql")):
        for name, sql in parse(path.read_text(), path.name).items():
            if name in merged:
                raise ValueError(f"query {name!r} defined in two files ({path.name})")
            merged[name] = sql
    return merged


def q(name: str) -> bytes:
    """The SQL of query `name` (bytes: psycopg's cheapest query form)."""
    return _encoded(name)


@cache
def _encoded(name: str) -> bytes:
    try:
        return all_queries()[name].encode()
    except KeyError:
        raise KeyError(f"no SQL query named {name!r} in {QUERIES_DIR}") from None
