#!/usr/bin/env python3
"""Run one of bench/*.sql in DuckDB and write its last statement's result as CSV.

Usage: duckdb_run.py SQL_FILE OUT_CSV NAME=JSON_VALUE...

Each NAME=VALUE becomes a DuckDB variable (`SET VARIABLE`), read in the SQL
with getvariable('NAME'); VALUE is JSON (a list of paths, a number, a string).
bench/run times this whole process, interpreter start included, as a data
team's nightly script would run it.
"""

import json
import sys

import duckdb


def main() -> None:
    sql_file, out = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    for arg in sys.argv[3:]:
        name, value = arg.split("=", 1)
        con.execute(f"SET VARIABLE {name} = ?", [json.loads(value)])
    statements = [s for s in open(sql_file, encoding="utf-8").read().split(";\n") if s.strip()]
    for s in statements[:-1]:
        # Consume any result: DuckDB refuses new work on the connection until then.
        rel = con.sql(s)
        if rel is not None:
            rel.fetchall()
    con.sql(statements[-1]).write_csv(out)


if __name__ == "__main__":
    main()
