#!/usr/bin/env python3
"""Read a tracker store directly with DuckDB, as a data warehouse would.

    python3 -m venv /tmp/duck && /tmp/duck/bin/pip install duckdb
    cargo run --release -- demo --dir tracker-demo
    /tmp/duck/bin/python examples/read_store_duckdb.py tracker-demo/store

The Hive partitions (`school=`, `window=`) become columns. Only the files the
manifest names are read, under the store's shared lock (a writer holds it
exclusively for a whole ingest), so this never sees a write in progress.
A file that a killed writer committed but did not move into place yet is
read where it waits, `.txn/<id>/<path with / as +>.staged`.
"""
import fcntl
import json
import sys
from pathlib import Path

import duckdb

store = Path(sys.argv[1] if len(sys.argv) > 1 else "tracker-store")
# Held until the script ends. A store no writer ever locked has no `.lock`.
lock_path = store / ".lock"
if lock_path.exists():
    lock = open(lock_path)
    fcntl.flock(lock, fcntl.LOCK_SH)
manifest = json.loads((store / "manifest.json").read_text())
if manifest["format"] == 2:
    # Each school's records are in the segment `manifest.json` names for it
    # (a store written before format 2 holds them in `manifest.json` itself).
    manifest["files"] = [
        f
        for s in manifest["schools"]
        for f in json.loads((store / s["path"]).read_text())["files"]
    ]


def located(path):
    """Where a file the manifest names is: in place, or still staged."""
    if (store / path).exists():
        return str(store / path)
    staged = path.replace("/", "+") + ".staged"
    for txn in sorted((store / ".txn").glob("*")):
        if (txn / staged).exists():
            return str(txn / staged)
    raise FileNotFoundError(path)


def files(table):
    """(file, school, window) of every file the manifest names for a table."""
    return [
        (located(f["path"]), f["school"], f["window"])
        for f in manifest["files"]
        if f["table"] == table
    ]


con = duckdb.connect()
for table in ("pupils", "bge", "senior"):
    named = files(table)
    if not named:
        continue
    # School and window come from the manifest: a staged file's path has no
    # `school=`/`window=` directories for hive_partitioning to read.
    con.execute('CREATE OR REPLACE TEMP TABLE named (filename VARCHAR, school VARCHAR, "window" VARCHAR)')
    con.executemany("INSERT INTO named VALUES (?, ?, ?)", named)
    rows = con.execute(
        'SELECT n.school, n."window", count(*) FROM read_parquet(?, filename = true) AS p '
        "JOIN named AS n USING (filename) GROUP BY ALL ORDER BY ALL",
        [[f for f, _, _ in named]],
    ).fetchall()
    for school, window, n in rows:
        print(f"{table}\t{school}\t{window}\t{n}")

# The same through a glob: it never sees an uncommitted ingest, and equals
# the manifest's rows whenever no writer is running and `tracker verify`
# reports no `unfinished_commit`:
glob = str(store / "bge" / "**" / "*.parquet")
n = con.execute("SELECT count(*) FROM read_parquet(?, hive_partitioning = true)", [glob]).fetchone()[0]
print(f"bge rows by glob\t{n}")
