#!/usr/bin/env python3
"""Read a tracker store directly with DuckDB, as a data warehouse would.

    python3 -m venv /tmp/duck && /tmp/duck/bin/pip install duckdb
    cargo run --release -- demo --dir tracker-demo
    /tmp/duck/bin/python examples/read_store_duckdb.py tracker-demo/store

The Hive partitions (`school=`, `window=`) become columns. Only the files the
manifest names are read, so this is safe while a writer is running too.
"""
import json
import sys
from pathlib import Path

import duckdb

store = Path(sys.argv[1] if len(sys.argv) > 1 else "tracker-store")
manifest = json.loads((store / "manifest.json").read_text())


def files(table):
    return [str(store / f["path"]) for f in manifest["files"] if f["table"] == table]


con = duckdb.connect()
for table in ("pupils", "bge", "senior"):
    paths = files(table)
    if not paths:
        continue
    rows = con.execute(
        "SELECT school, \"window\", count(*) FROM read_parquet(?, hive_partitioning = true) "
        "GROUP BY ALL ORDER BY ALL",
        [paths],
    ).fetchall()
    for school, window, n in rows:
        print(f"{table}\t{school}\t{window}\t{n}")

# The same through a glob, for a quiet store:
glob = str(store / "bge" / "**" / "*.parquet")
n = con.execute("SELECT count(*) FROM read_parquet(?, hive_partitioning = true)", [glob]).fetchone()[0]
print(f"bge rows by glob\t{n}")
