"""A database's schema as readable, stable text, from `pg_catalog` queries.

What the migrations build, object by object: schemas, extensions, enum and domain
types, tables (storage options such as fillfactor; columns with type, nullability,
default, identity and generated expressions; constraints; indexes; triggers; row-level
security policies), views, sequences and functions. Everything is sorted by name, so
two databases with the same schema give the same text whatever order it was built in,
and a diff of two texts reads like a review of the schema change.

Left out on purpose: owners and grants (they depend on who ran the migrations),
statistics, comments, and NOT NULL constraints as catalogue rows (PostgreSQL 18 keeps
them in pg_constraint as well; nullability is on each column already). Objects that
belong to an extension are left out; the extension's name is listed.

Used by tests/integration/test_migrations.py against `schema/postgres-catalogue.txt`.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import psycopg

SNAPSHOT = Path(__file__).resolve().parents[2] / "schema" / "postgres-catalogue.txt"
REGENERATE = "`make schema`"

HEADER = """\
# The PostgreSQL catalogue of a database migrated from scratch with
# handoff/storage/migrations: tables, columns, constraints, indexes, sequences,
# functions, triggers, ... Generated; do not edit by hand. After adding a migration,
# regenerate it with `make schema` (which runs `pytest tests/integration/
# test_migrations.py --update-catalogue`), read the diff and commit it;
# tests/integration/test_migrations.py fails while a fresh migration differs.
# Lines starting with '#' are not compared.
"""

# Namespaces that hold the database's own objects (not the system's).
_USER_NAMESPACES = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
# Objects created by an extension are the extension's business, not the migrations'.
_NOT_FROM_EXTENSION = """NOT EXISTS (
    SELECT 1 FROM pg_depend dep
    WHERE dep.classid = '{catalog}'::regclass AND dep.objid = {oid} AND dep.deptype = 'e'
)"""

_RELKINDS = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
}


def _not_from_extension(catalog: str, oid: str) -> str:
    return _NOT_FROM_EXTENSION.format(catalog=catalog, oid=oid)


def _rows(conn: psycopg.Connection, query: str, params: tuple[object, ...] = ()) -> list[tuple]:
    return conn.execute(query, params).fetchall()


def _indent(text: str, prefix: str = "    ") -> list[str]:
    return [prefix + line if line.strip() else "" for line in text.strip("\n").splitlines()]


def catalogue(url: str) -> str:
    """The schema of the database at `url`, as text (without the header)."""
    with psycopg.connect(url) as conn:
        conn.execute("SET search_path = public")
        lines: list[str] = []
        lines += _schemas(conn)
        lines += _extensions(conn)
        lines += _types(conn)
        lines += _relations(conn)
        lines += _sequences(conn)
        lines += _functions(conn)
    return "\n".join(lines).rstrip("\n") + "\n"


def server_major(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.info.server_version // 10000


def render(body: str, major: int) -> str:
    """The snapshot file: header, the server it was made on, the catalogue."""
    return f"{HEADER}# made on PostgreSQL {major}\n\n{body}"


def compared(text: str) -> list[str]:
    """The lines that count when comparing a snapshot (comments dropped)."""
    return [line for line in text.splitlines() if not line.startswith("#")]


def difference(
    expected: str,
    actual: str,
    fromfile: str = f"{SNAPSHOT.name} (committed)",
    tofile: str = "migrated from scratch",
) -> str:
    """A unified diff of the compared lines, empty when they agree."""
    return "\n".join(
        difflib.unified_diff(compared(expected), compared(actual), fromfile, tofile, lineterm="")
    )


# --- sections -----------------------------------------------------------------------------


def _schemas(conn: psycopg.Connection) -> list[str]:
    names = _rows(
        conn,
        f"""SELECT n.nspname FROM pg_namespace n
        WHERE {_USER_NAMESPACES} AND {_not_from_extension("pg_namespace", "n.oid")}
        ORDER BY n.nspname COLLATE "C" """,
    )
    return [f"schema {name}" for (name,) in names] + [""]


def _extensions(conn: psycopg.Connection) -> list[str]:
    names = _rows(
        conn,
        """SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'
        ORDER BY extname COLLATE "C" """,
    )
    return [f"extension {name}" for (name,) in names] + ([""] if names else [])


def _types(conn: psycopg.Connection) -> list[str]:
    lines: list[str] = []
    enums = _rows(
        conn,
        f"""SELECT format_type(t.oid, NULL),
                   array_agg(e.enumlabel ORDER BY e.enumsortorder)
        FROM pg_type t
        JOIN pg_namespace n ON n.oid = t.typnamespace
        JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE {_USER_NAMESPACES} AND {_not_from_extension("pg_type", "t.oid")}
        GROUP BY t.oid
        ORDER BY format_type(t.oid, NULL) COLLATE "C" """,
    )
    for name, labels in enums:
        lines += [f"enum {name}: {', '.join(labels)}", ""]
    domains = _rows(
        conn,
        f"""SELECT t.oid, format_type(t.oid, NULL), format_type(t.typbasetype, t.typtypmod),
                   t.typnotnull, t.typdefault
        FROM pg_type t
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typtype = 'd' AND {_USER_NAMESPACES}
          AND {_not_from_extension("pg_type", "t.oid")}
        ORDER BY format_type(t.oid, NULL) COLLATE "C" """,
    )
    for oid, name, base, notnull, default in domains:
        lines.append(f"domain {name}: {base}{' NOT NULL' if notnull else ''}")
        if default is not None:
            lines.append(f"  default {default}")
        for conname, definition in _rows(
            conn,
            """SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint
            WHERE contypid = %s AND contype <> 'n' ORDER BY conname COLLATE "C" """,
            (oid,),
        ):
            lines.append(f"  constraint {conname}: {definition}")
        lines.append("")
    composites = _rows(
        conn,
        f"""SELECT c.oid, format_type(t.oid, NULL)
        FROM pg_type t
        JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_USER_NAMESPACES} AND {_not_from_extension("pg_type", "t.oid")}
        ORDER BY format_type(t.oid, NULL) COLLATE "C" """,
    )
    for oid, name in composites:
        lines.append(f"composite type {name}")
        lines += _columns(conn, oid)
        lines.append("")
    return lines


def _relations(conn: psycopg.Connection) -> list[str]:
    lines: list[str] = []
    relations = _rows(
        conn,
        f"""SELECT c.oid, c.oid::regclass::text, c.relkind, c.relpersistence,
                   c.relrowsecurity, c.relforcerowsecurity,
                   pg_get_partkeydef(c.oid), pg_get_expr(c.relpartbound, c.oid),
                   (SELECT string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno)
                    FROM pg_inherits i WHERE i.inhrelid = c.oid),
                   array_to_string(c.reloptions, ', ')
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_NAMESPACES}
          AND {_not_from_extension("pg_class", "c.oid")}
        ORDER BY c.oid::regclass::text COLLATE "C" """,
    )
    for oid, name, kind, persistence, rls, force_rls, partkey, bound, parents, opts in relations:
        title = _RELKINDS[kind]
        if persistence == "u":
            title = f"unlogged {title}"
        lines.append(f"{title} {name}")
        if parents:
            lines.append(f"  inherits {parents}" + (f" {bound}" if bound else ""))
        if partkey:
            lines.append(f"  partition by {partkey}")
        if rls:
            lines.append("  row level security" + (" (forced)" if force_rls else ""))
        if opts:
            lines.append(f"  with ({opts})")
        lines.append("  columns")
        lines += _columns(conn, oid)
        if kind in ("v", "m"):
            (definition,) = _rows(conn, "SELECT pg_get_viewdef(%s::oid, true)", (oid,))[0]
            lines.append("  definition")
            lines += _indent(definition)
        lines += _section(
            conn,
            "constraints",
            """SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint
            WHERE conrelid = %s AND contype <> 'n' ORDER BY conname COLLATE "C" """,
            oid,
        )
        lines += _section(
            conn,
            "indexes",
            """SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s ORDER BY c.relname COLLATE "C" """,
            oid,
        )
        lines += _section(
            conn,
            "triggers",
            """SELECT tgname, pg_get_triggerdef(oid, true) FROM pg_trigger
            WHERE tgrelid = %s AND NOT tgisinternal ORDER BY tgname COLLATE "C" """,
            oid,
        )
        lines += _section(
            conn,
            "policies",
            """SELECT polname,
                      CASE WHEN polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END
                      || ' FOR ' || CASE polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'
                         WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
                      || coalesce(' USING (' || pg_get_expr(polqual, polrelid) || ')', '')
                      || coalesce(' WITH CHECK (' || pg_get_expr(polwithcheck, polrelid)
                                  || ')', '')
               FROM pg_policy WHERE polrelid = %s ORDER BY polname COLLATE "C" """,
            oid,
        )
        lines.append("")
    return lines


def _columns(conn: psycopg.Connection, oid: int) -> list[str]:
    lines = []
    for name, type_, notnull, default, identity, generated, collation in _rows(
        conn,
        """SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
                  CASE WHEN a.attcollation <> t.typcollation THEN co.collname END
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
        WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum""",
        (oid,),
    ):
        parts = [name, type_]
        if collation:
            parts.append(f'COLLATE "{collation}"')
        if notnull:
            parts.append("NOT NULL")
        if identity:
            parts.append(
                "GENERATED " + ("ALWAYS" if identity == "a" else "BY DEFAULT") + " AS IDENTITY"
            )
        if generated:
            parts.append(
                f"GENERATED ALWAYS AS ({default}) " + ("STORED" if generated == "s" else "VIRTUAL")
            )
        elif default is not None:
            parts.append(f"DEFAULT {default}")
        lines.append("    " + " ".join(parts))
    return lines


def _section(conn: psycopg.Connection, title: str, query: str, oid: int) -> list[str]:
    rows = _rows(conn, query, (oid,))
    if not rows:
        return []
    return [f"  {title}"] + [f"    {name}: {definition}" for name, definition in rows]


def _sequences(conn: psycopg.Connection) -> list[str]:
    lines: list[str] = []
    for (
        name,
        type_,
        start,
        increment,
        minimum,
        maximum,
        cache,
        cycle,
        owner,
        kind,
    ) in _rows(
        conn,
        f"""SELECT c.oid::regclass::text, format_type(s.seqtypid, NULL), s.seqstart,
                   s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                   dep.refobjid::regclass::text || '.' || a.attname, dep.deptype
        FROM pg_sequence s
        JOIN pg_class c ON c.oid = s.seqrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = c.oid
             AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
        LEFT JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
        WHERE {_USER_NAMESPACES} AND {_not_from_extension("pg_class", "c.oid")}
        ORDER BY c.oid::regclass::text COLLATE "C" """,
    ):
        owned = ""
        if owner:
            owned = f", owned by {owner}" + (" (identity)" if kind == "i" else "")
        lines += [
            f"sequence {name}: {type_} start {start} increment {increment} "
            f"min {minimum} max {maximum} cache {cache}{' cycle' if cycle else ''}{owned}",
        ]
    return [*lines, ""] if lines else []


def _functions(conn: psycopg.Connection) -> list[str]:
    lines: list[str] = []
    for signature, kind, definition in _rows(
        conn,
        f"""SELECT p.oid::regprocedure::text, p.prokind,
                   CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {_USER_NAMESPACES} AND {_not_from_extension("pg_proc", "p.oid")}
        ORDER BY p.oid::regprocedure::text COLLATE "C" """,
    ):
        what = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}
        lines.append(f"{what.get(kind, 'function')} {signature}")
        if definition:
            lines += _indent(definition)
        lines.append("")
    return lines
