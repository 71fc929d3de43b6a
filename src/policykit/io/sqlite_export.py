"""The city as one SQLite file: every list and record kind, one table each, with keys.

``export_sqlite(repo, path)`` writes the tables of ``policykit.io.tables`` into a new SQLite database
(the standard library's ``sqlite3``): a primary key on every table, foreign keys between them (which
department an item, a unit duty or a boundary role belongs to; which item a basis or a claim belongs
to …), an index on every foreign key, and two tables about the file itself: ``meta`` (city, revision,
policykit version) and ``column_titles`` (the Chinese title of every column). Datasette, DuckDB or
any SQLite client reads it (docs/export.md).

Values are bound as parameters, never written into SQL; the only names in SQL are this module's own
constants. The database is built in memory and written all or nothing (``io.writing``). The lists
are taken as the repository holds them: a row whose key repeats one before it (a duplicated item
code, which ``policykit check`` reports) is left out and counted, and references that lead nowhere
are kept and counted (``PRAGMA foreign_key_check``), so a file is written even for lists with
problems, and the caller says what it left out.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .tables import KINDS as KIND_TITLES, Table, city_tables
from .writing import write_files_atomically


@dataclass
class SqliteExport:
    """What ``export_sqlite`` wrote: the path, rows per table, rows left out for a repeated key
    (per table) and references that lead nowhere (``(table, referenced table)`` → count)."""
    path: Path
    rows: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    dangling: dict = field(default_factory=dict)
    written: bool = True


def _quote(name: str) -> str:
    """An identifier of this module's own schema (letters, digits, underscore only)."""
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"not a schema identifier: {name!r}")
    return f'"{name}"'


def create_statement(table: Table) -> str:
    """``CREATE TABLE`` for ``table``, with a comment giving its Chinese title."""
    cols = [f"  {_quote(c.name)} {c.type}" + (" NOT NULL" if c.name in table.primary_key else "")
            for c in table.columns]
    cols.append(f"  PRIMARY KEY ({', '.join(_quote(c) for c in table.primary_key)})")
    for mine, other, theirs in table.foreign_keys:
        cols.append(f"  FOREIGN KEY ({', '.join(_quote(c) for c in mine)}) REFERENCES {_quote(other)} "
                    f"({', '.join(_quote(c) for c in theirs)})")
    title = table.title.replace("\n", " ").replace("*/", "")
    return f"CREATE TABLE {_quote(table.name)} ( -- {title}\n" + ",\n".join(cols) + "\n)"


def build_database(tables: list[Table], meta: dict) -> tuple[sqlite3.Connection, SqliteExport]:
    """An in-memory database holding ``tables`` and ``meta``; the report of what went in."""
    con = sqlite3.connect(":memory:")
    report = SqliteExport(Path())
    con.execute("CREATE TABLE meta ( -- 导出信息\n  key TEXT PRIMARY KEY NOT NULL,\n  value TEXT\n)")
    con.executemany("INSERT INTO meta VALUES (?, ?)", [(str(k), None if v is None else str(v)) for k, v in meta.items()])
    con.execute("CREATE TABLE column_titles ( -- 字段中文名\n  table_name TEXT NOT NULL,\n  column_name TEXT NOT NULL,\n"
                "  title TEXT,\n  PRIMARY KEY (table_name, column_name)\n)")
    con.execute("CREATE TABLE table_titles ( -- 表中文名\n  table_name TEXT PRIMARY KEY NOT NULL,\n  kind TEXT,\n"
                "  title TEXT\n)")
    for t in tables:
        con.execute(create_statement(t))
        con.execute("INSERT INTO table_titles VALUES (?, ?, ?)", (t.name, t.kind, t.title))
        con.executemany("INSERT INTO column_titles VALUES (?, ?, ?)", [(t.name, c.name, c.title) for c in t.columns])
        placeholders = ", ".join("?" for _ in t.columns)
        before = con.total_changes
        con.executemany(f"INSERT OR IGNORE INTO {_quote(t.name)} VALUES ({placeholders})", t.rows)
        kept = con.total_changes - before
        report.rows[t.name] = kept
        if kept != len(t.rows) or t.skipped:
            report.skipped[t.name] = len(t.rows) - kept + t.skipped
        for n, (mine, _other, _theirs) in enumerate(t.foreign_keys):
            con.execute(f"CREATE INDEX {_quote(f'{t.name}_fk{n}')} ON {_quote(t.name)} "
                        f"({', '.join(_quote(c) for c in mine)})")
    for table, _rowid, parent, _fk in con.execute("PRAGMA foreign_key_check"):
        report.dangling[(table, parent)] = report.dangling.get((table, parent), 0) + 1
    con.commit()
    return con, report


def export_sqlite(repo, out_path, *, kinds=None, meta: dict | None = None, protect_uncommitted: bool = False,
                  is_dirty=None) -> SqliteExport:
    """Write ``repo`` (every list and record kind, or those in ``kinds``) to the SQLite file ``out_path``.

    ``meta`` adds rows to the ``meta`` table (the command line records its ``--at``). The file is
    replaced all or nothing; with ``protect_uncommitted`` an output git tracks with uncommitted
    changes (``is_dirty``) is refused. Returns what went in and what was left out."""
    from .._version import __version__
    info = {"city": getattr(repo.config, "city", None), "revision": getattr(repo, "revision", None),
            "policykit": __version__, "format": "policykit-sqlite/1"}
    info.update(meta or {})
    con, report = build_database(city_tables(repo, kinds), info)
    try:
        data = con.serialize()
    finally:
        con.close()
    report.path = Path(out_path)
    report.written = bool(write_files_atomically({report.path: data}, protect_uncommitted=protect_uncommitted,
                                                 is_dirty=is_dirty)) or report.path.exists()
    return report


# tables whose rows are best named by a column other than their key (Datasette shows it beside links)
LABELS = {"departments": "name", "power_items": "full_name", "boundary_matters": "name", "catalogs": "name",
          "laws": "title", "bodies": "name", "divisions": "name", "indicator_systems": "name"}
FACETS = {"power_items": ["department", "category", "status"], "boundary_roles": ["department", "role"],
          "problems": ["boundary", "status", "district"], "catalog_items": ["leads"]}


def datasette_metadata(repo, database: str, kinds=None) -> dict:
    """Datasette's metadata for the file (``datasette serve city.sqlite -m metadata.json``): the
    city as the title, each table's and column's Chinese title, the column that names a row, and
    default facets. Text only (no ``description_html``)."""
    tables = {}
    for t in city_tables(repo, kinds):
        entry = {"title": t.title, "description": f"{KIND_TITLES.get(t.kind, t.kind)} · {t.name}",
                 "columns": {c.name: c.title for c in t.columns}}
        if t.name in LABELS:
            entry["label_column"] = LABELS[t.name]
        if t.name in FACETS:
            entry["facets"] = FACETS[t.name]
        tables[t.name] = entry
    city = str(getattr(repo.config, "city", "") or "")
    return {"title": f"{city}政府部门职责清单", "description": "由 policykit 从版本库中的清单导出",
            "databases": {database: {"title": f"{city}职责清单", "tables": tables}}}

