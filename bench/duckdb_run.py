#!/usr/bin/env python3
"""Run one of bench/*.sql in DuckDB and write its last statement's result as CSV.

Usage: duckdb_run.py SQL_FILE OUT_CSV NAME=JSON_VALUE...

A line `-- include: FILE` is replaced by FILE's text (FILE beside SQL_FILE),
so files that share the rules need not copy them.

Each NAME=VALUE becomes a DuckDB variable (`SET VARIABLE`), read in the SQL
with getvariable('NAME'); VALUE is JSON (a list of paths, a number, a string).
bench/run times this whole process, interpreter start included, as a data
team's nightly script would run it.
"""

import json
import sys
from pathlib import Path

import duckdb


def read_sql(path: Path) -> str:
    """The SQL of `path` with every `-- include: FILE` line expanded."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("-- include: "):
            out.append(read_sql(path.parent / line.split(":", 1)[1].strip()))
        else:
            out.append(line)
    return "".join(out)


def main() -> None:
    sql_file, out = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    for arg in sys.argv[3:]:
        name, value = arg.split("=", 1)
        con.execute(f"SET VARIABLE {name} = ?", [json.loads(value)])
    statements = [s for s in read_sql(Path(sql_file)).split(";\n") if s.strip()]
    for s in statements[:-1]:
        # Consume any result: DuckDB refuses new work on the connection until then.
        rel = con.sql(s)
        if rel is not None:
            rel.fetchall()
    con.sql(statements[-1]).write_csv(out)


if __name__ == "__main__":
    main()
