"""Shared helpers for the benchmark scripts: timing, ratios, tables, machine info.

Every ``tests/benchmarks/bench_*.py`` script is run by ``make bench`` from the repository
root with ``.venv/bin/python``. Scripts import this module after putting their own
directory on ``sys.path`` (``tests/benchmarks`` is not a package on the import path)::

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _common import median_us, print_table
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "fmt_ratio",
    "fmt_s",
    "fmt_us",
    "format_table",
    "machine_info",
    "median",
    "median_us",
    "pin_to_one_core",
    "print_table",
    "timed_s",
]


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence."""
    return statistics.median(values)


def median_us(fn: Callable[..., Any], *args: Any, repeat: int = 5, number: int = 1) -> float:
    """Median over ``repeat`` runs of the mean time of ``number`` calls ``fn(*args)``, in µs.

    Pass the callable and its arguments separately so no wrapper call is timed.
    """
    timer = time.perf_counter
    times = []
    loops = range(number)
    for _ in range(repeat):
        t0 = timer()
        for _ in loops:
            fn(*args)
        times.append((timer() - t0) / number)
    return statistics.median(times) * 1e6


def timed_s(fn: Callable[..., Any], *args: Any, collect: bool = True) -> tuple[float, Any]:
    """Run ``fn(*args)`` once; return (elapsed seconds, result). Collects garbage first."""
    if collect:
        gc.collect()
    t0 = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - t0, result


def fmt_us(us: float) -> str:
    """A duration in µs with sensible precision (``1.23``, ``85.4``, ``12,345``)."""
    if us < 10:
        return f"{us:.2f}"
    if us < 100:
        return f"{us:.1f}"
    return f"{us:,.0f}"


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f}"


def fmt_ratio(baseline: float, candidate: float) -> str:
    """How many times faster ``candidate`` is than ``baseline`` (both durations)."""
    if candidate <= 0:
        return "n/a"
    r = baseline / candidate
    if r >= 1:
        if r >= 100:
            return f"{r:,.0f}x faster"
        return f"{r:.1f}x faster"
    return f"{1 / r:.1f}x slower"


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None
) -> str:
    """A Markdown pipe table with padded columns (readable in a terminal, pasteable in docs).

    ``align`` is one character per column: ``l`` or ``r`` (default: first column left,
    the others right).
    """
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    ncol = len(headers)
    if align is None:
        align = "l" + "r" * (ncol - 1)
    widths = [max(len(r[i]) for r in cells) for i in range(ncol)]
    widths = [max(w, 3) for w in widths]

    def line(row: list[str]) -> str:
        parts = []
        for i, c in enumerate(row):
            parts.append(c.rjust(widths[i]) if align[i] == "r" else c.ljust(widths[i]))
        return "| " + " | ".join(parts) + " |"

    sep = []
    for i, w in enumerate(widths):
        sep.append("-" * (w - 1) + ":" if align[i] == "r" else "-" * w)
    out = [line(cells[0]), "| " + " | ".join(sep) + " |"]
    out.extend(line(r) for r in cells[1:])
    return "\n".join(out)


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: str | None = None,
    align: str | None = None,
) -> None:
    if title:
        print(f"\n{title}\n")
    print(format_table(headers, rows, align))
    sys.stdout.flush()


def pin_to_one_core() -> int | None:
    """Pin this process (and children started later) to one CPU; returns it, or None."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
        cpu = cpus[-1]
        os.sched_setaffinity(0, {cpu})
        return cpu
    except (AttributeError, OSError):
        return None


def machine_info() -> dict[str, str]:
    """nproc, CPU model name and Python version, as shown in the README tables."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for ln in f:
                if ln.lower().startswith("model name"):
                    model = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
    }


def restart_with_statement_stats(pg: Any, admin_url: str, *, utility: bool, planning: bool) -> str:
    """Restart an EmbeddedPostgres with pg_stat_statements loaded, tracking BEGIN, COMMIT and
    other utility statements with `utility` and planning time with `planning`; returns its
    URL. The extension still has to be created in the database whose view is read."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        c.execute(
            f"ALTER SYSTEM SET pg_stat_statements.track_utility = {'on' if utility else 'off'}"
        )
        c.execute(
            f"ALTER SYSTEM SET pg_stat_statements.track_planning = {'on' if planning else 'off'}"
        )
    pg.stop()
    return pg.start()
