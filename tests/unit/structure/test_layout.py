"""The package's layout rules, checked on its source: no import circles, SQL only in
`handoff/storage`, no module that grew past its one job."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "handoff"
STORAGE = PACKAGE / "storage"
MAX_LINES = 420  # "about 400"
# Modules allowed past MAX_LINES: their docstring says why one job needs the length.
LONG_ON_PURPOSE: set[str] = set()


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except inside `if TYPE_CHECKING:` blocks (annotations only, never run)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            todo.extend(node.orelse)
        else:
            todo.extend(ast.iter_child_nodes(node))


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of the package `name` imports when it runs, anywhere in its source (lazy
    imports inside functions too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports the module pkg.mod when it is one
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_package_has_no_import_circle() -> None:
    modules = dict(_modules())
    known = set(modules)
    graph = {name: _imports(name, path, known) for name, path in modules.items()}
    # a package's __init__ re-exporting its own modules is not a circle of design
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    assert _cycles(graph) == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


_SQL = re.compile(
    r"\b(SELECT\s+.+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE"
    r"|pg_advisory|pg_try_advisory)\b",
    re.IGNORECASE | re.DOTALL,
)


def _query_names() -> set[str]:
    names: set[str] = set()
    for sql in (STORAGE / "sql").glob("*.sql"):
        names |= set(re.findall(r"^--\s*name:\s*(\w+)", sql.read_text(), re.MULTILINE))
    return names


def _string_constants(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            value = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            yield node.lineno, value


def test_sql_lives_only_in_storage() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {text.strip()[:60]!r}"
        for _, path in _modules()
        if STORAGE not in path.parents
        for line, text in _string_constants(path)
        if _SQL.search(text)
    ]
    assert offenders == []


def test_no_query_name_is_used_outside_storage() -> None:
    # Storage modules run their queries as attributes of `Queries(...)`; nothing else may
    # name one. Names shared with ordinary words (get, page, ...) are excluded: they are
    # attribute names elsewhere too.
    distinctive = {n for n in _query_names() if "_" in n}
    uses = re.compile(
        r"\bQueries\(|\bq\(|" + "|".join(rf"['\"]{re.escape(n)}['\"]" for n in distinctive)
    )
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}"
        for _, path in _modules()
        if STORAGE not in path.parents and uses.search(path.read_text())
    ]
    assert offenders == []


def test_the_sql_and_query_checks_see_offenders() -> None:
    sample = 'cur = await conn.execute("SELECT count(*) FROM people WHERE id = %s")'
    assert _SQL.search(sample)
    assert "claim_due" in _query_names()


@pytest.mark.parametrize(("name", "path"), list(_modules()), ids=lambda v: str(v))
def test_no_module_outgrew_its_job(name: str, path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES or name in LONG_ON_PURPOSE, (
        f"{name} has {lines} lines; split it, or add it to LONG_ON_PURPOSE with a docstring "
        "that says why its one job needs the length"
    )
