"""Time the search index's share of a load: re-index a warehouse's last N articles as if new.

Usage: `python bench/search_index.py WAREHOUSE [--last N] [--repeats R] [--old-rev REV]`.
WAREHOUSE is a copy (it is opened for writing; every run is rolled back, so the file is left as
it was). Each run deletes the last N articles' docs (by row id) in a transaction, times
`update_search_index` on them (wall and CPU seconds of this process, DuckDB's threads included),
checks what it wrote and rolls back. With `--old-rev` the search module of that git revision runs
too, alternating with the current one, and both must write the same rows at the same positions.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import duckdb  # noqa: E402

from mediawatch.warehouse import search  # noqa: E402


def module_at(rev: str, folder: Path) -> ModuleType:
    """mediawatch/warehouse/search.py as it was at git revision `rev`."""
    text = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "show", f"{rev}:mediawatch/warehouse/search.py"],
        check=True, capture_output=True, text=True,
    ).stdout
    path = folder / f"search_{rev}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"search_{rev}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run_once(con: duckdb.DuckDBPyConnection, module: ModuleType, last: int) -> tuple[float, float, tuple]:
    con.execute("begin transaction")
    try:
        con.execute(
            "create or replace temp table bench_changed as select article_id from main.articles "
            f"where rowid >= (select max(rowid) from main.articles) - {last - 1}"
        )
        con.execute("delete from main.search_docs where article_id in (select article_id from bench_changed)")
        (after,) = con.execute("select coalesce(max(rowid), -1) from main.search_postings").fetchone()  # type: ignore[misc]
        wall, cpu = time.perf_counter(), time.process_time()
        module.update_search_index(con, "bench_changed")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        written = con.execute(
            "select count(*), sum(hash(rowid, term, article_id, tf, doc_length)) "
            f"from main.search_postings where rowid > {after}"
        ).fetchone()
        docs = con.execute(
            "select count(*), sum(hash(article_id, content_hash, title_hash, doc_length)) from main.search_docs "
            "where article_id in (select article_id from bench_changed)"
        ).fetchone()
    finally:
        con.execute("rollback")
    return wall, cpu, (written, docs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--last", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--old-rev")
    args = parser.parse_args()
    con = duckdb.connect(str(args.warehouse))
    with tempfile.TemporaryDirectory() as folder:
        variants = {"new": search}
        if args.old_rev:
            variants = {"old": module_at(args.old_rev, Path(folder)), "new": search}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
        outputs = set()
        for repeat in range(args.repeats):
            order = list(variants) if repeat % 2 == 0 else list(variants)[::-1]
            for name in order:
                wall, cpu, written = run_once(con, variants[name], args.last)
                times[name].append((wall, cpu))
                outputs.add(repr(written))
                print(f"{name} wall {wall:.3f} s cpu {cpu:.3f} s", flush=True)
    con.close()
    for name, runs in times.items():
        print(f"{name}: median wall {statistics.median(w for w, _ in runs):.3f} s, "
              f"median cpu {statistics.median(c for _, c in runs):.3f} s, min cpu {min(c for _, c in runs):.3f} s")
    if len(outputs) != 1:
        print("the variants wrote different rows", outputs)
        return 1
    print("same rows at the same positions in every run:", outputs.pop())
    return 0


if __name__ == "__main__":
    sys.exit(main())
