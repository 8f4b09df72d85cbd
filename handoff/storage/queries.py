"""Named SQL queries, loaded from the package's `sql/<aggregate>.sql` files.

A file holds blocks that start with `-- name: <query_name>`; parameters are `%(name)s`
placeholders. Each storage module owns one file (`Queries("people")`) and is the only
code that runs its queries. Files are read on first use, never at import.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

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
def _file(stem: str) -> dict[str, bytes]:
    text = resources.files("handoff.storage").joinpath("sql").joinpath(f"{stem}.sql").read_text()
    # bytes: psycopg's cheapest query form
    return {name: sql.encode() for name, sql in parse(text, f"{stem}.sql").items()}


def sql_files() -> list[str]:
    """The stems of every query file shipped with the package."""
    folder = resources.files("handoff.storage").joinpath("sql")
    return sorted(p.name.removesuffix(".sql") for p in folder.iterdir() if p.name.endswith(".sql"))


class Queries:
    """The named queries of one `sql/<stem>.sql` file."""

    def __init__(self, stem: str) -> None:
        self.stem = stem

    def __getattr__(self, name: str) -> bytes:
        try:
            return _file(self.stem)[name]
        except KeyError:
            raise AttributeError(f"no SQL query named {name!r} in sql/{self.stem}.sql") from None

    def names(self) -> list[str]:
        """Every query name of the file."""
        return list(_file(self.stem))
