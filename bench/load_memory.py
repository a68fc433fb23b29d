"""Where a load's memory sits: the load step alone, on a copy of crawled staging files, per process
and per phase.

Usage: `python bench/load_memory.py SRC DEST [--env NAME=VALUE ...]`. SRC is a bench work dir whose
crawl has run (`ingest_big` of the memory group: sources.yaml and data/staging); DEST is replaced by
a copy of it without its warehouse, analyst copy and crawl state, then `mediawatch.pipeline.load`
runs on it in a child process. The parent samples the RSS of the child and of each of its children
(the analysis workers) every 0.1 s; the child writes a line per phase (each sub-load's build start
and commit, the publish) with its own RSS and DuckDB's `duckdb_memory()` total. Prints the peak of
the tree, of the loader alone and of the workers, per phase, and a JSON summary last.

Each mark also says which allocator holds the loader's memory (`allocators`): DuckDB's own jemalloc
(statically linked, `duckdb_je_mallctl`: allocated, active, resident), glibc malloc (`mallinfo2`:
heap and mmapped bytes, in use and free) and, with `--tracemalloc`, Python's traced heap.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


def prepare(src: Path, dest: Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("*.duckdb*", "*_analyst*", "analyst", "reports",
                                                             "logs", "crawl_state*", "*.tmp"))
    sources = dest / "sources.yaml"
    if sources.exists():
        sources.write_text(sources.read_text().replace(str(src), str(dest)))


def child(dest: Path, phases: Path) -> None:
    """The load, with phase markers (measurement only: the functions are wrapped, not changed)."""
    sys.path.insert(0, str(REPO_ROOT))
    import psutil

    from mediawatch import pipeline
    from mediawatch.config import Paths
    from mediawatch.warehouse import build as build_mod
    from mediawatch.warehouse import loads, publish

    me = psutil.Process()
    out = phases.open("w", buffering=1)
    if os.environ.get("LOAD_MEMORY_TRACEMALLOC"):
        import tracemalloc

        tracemalloc.start()
    state: dict = {"con": None, "phase": "start", "peak": {"rss": 0}}

    def watch() -> None:
        """The loader's own RSS every 0.1 s, and at its highest what DuckDB held by tag (a cursor of
        the loader's connection: its own connection, so it can read while the load runs)."""
        cursor = None
        while True:
            rss = me.memory_info().rss
            if cursor is None and state["con"] is not None:
                cursor = state["con"].cursor()
            if rss > state["peak"]["rss"]:
                tags = {}
                if cursor is not None:
                    try:
                        tags = {t: round(b / MIB) for t, b in cursor.execute(
                            "select tag, memory_usage_bytes from duckdb_memory() where memory_usage_bytes >= 1048576"
                        ).fetchall()}
                    except Exception:  # noqa: BLE001
                        pass
                state["peak"] = {"rss": rss, "phase": state["phase"], "duckdb_tags": tags,
                                 "allocators": allocator_stats(), "smaps": smaps_rollup()}
            time.sleep(0.1)

    import threading

    threading.Thread(target=watch, daemon=True).start()

    def mark(name: str, con=None) -> None:
        state["phase"] = name
        con = con or state["con"]
        duck, by_tag, spilled = None, {}, 0
        if con is not None:
            try:
                tags = con.execute("select tag, memory_usage_bytes, temporary_storage_bytes from duckdb_memory() "
                                   "where memory_usage_bytes + temporary_storage_bytes > 0").fetchall()
                duck = sum(row[1] for row in tags)
                by_tag = {tag: round(used / MIB) for tag, used, _ in tags if used >= MIB}
                spilled = round(sum(row[2] for row in tags) / MIB)
            except Exception:  # noqa: BLE001 - inside a failed transaction
                duck, by_tag, spilled = None, {}, 0
        out.write(json.dumps({"t": time.time(), "phase": name, "rss": me.memory_info().rss,
                              "duckdb": duck, "duckdb_tags": by_tag,
                              "duckdb_spilled": spilled, "allocators": allocator_stats()}) + "\n")

    original_build = build_mod.build

    def build(con, *a, **kw):
        state["con"] = con
        mark(f"build start {kw.get('loads')}", con)
        try:
            return original_build(con, *a, **kw)
        finally:
            mark("build end", con)

    build_mod.build = build
    from mediawatch.warehouse import db

    original_bound = db.bound_memory

    def bound_memory(con):
        original_bound(con)
        for setting in filter(None, os.environ.get("LOAD_MEMORY_SET", "").split(";")):
            con.execute(f"set {setting}")

    db.bound_memory = bound_memory
    original_node = build_mod._run_node

    evictions: list[int] = []
    original_drop = db.drop_cached_blocks

    def drop_cached_blocks(con):
        dropped = 0 if os.environ.get("LOAD_MEMORY_KEEP_CACHE") else original_drop(con)
        evictions.append(dropped)
        return dropped

    build_mod.drop_cached_blocks = drop_cached_blocks  # imported by name there
    db.drop_cached_blocks = drop_cached_blocks
    if os.environ.get("LOAD_MEMORY_DECAY_MS"):  # jemalloc's dirty/muzzy decay for every arena (default 1000)
        set_decay(int(os.environ["LOAD_MEMORY_DECAY_MS"]))
    if os.environ.get("LOAD_MEMORY_UNEVEN"):  # sub-loads of the full batch, the last one what is left
        from mediawatch.warehouse import load as load_mod

        load_mod.even_batch = lambda pages, batch: batch
    if os.environ.get("LOAD_MEMORY_SEARCH_BATCH"):  # articles per indexing statement (search.SEARCH_BATCH)
        from mediawatch.warehouse import search

        search.SEARCH_BATCH = int(os.environ["LOAD_MEMORY_SEARCH_BATCH"])
    if os.environ.get("LOAD_MEMORY_KEEP_CACHE"):  # the A/B's "before": neither eviction nor publish cap
        from contextlib import nullcontext

        db.publish_memory = lambda con: nullcontext(False)

    def run_node(run, node, *a, **kw):
        mark(f"  node {node.name}", run.con)
        return original_node(run, node, *a, **kw)

    build_mod._run_node = run_node
    original_publish = publish.publish_analyst_db

    def publish_analyst_db(con, *a, **kw):
        mark("publish start", con)
        try:
            return original_publish(con, *a, **kw)
        finally:
            mark("publish end", con)

    loads.publish_analyst_db = publish_analyst_db  # imported inside hand_on from the module
    publish.publish_analyst_db = publish_analyst_db
    paths = Paths(sources=dest / "sources.yaml", watchlist=REPO_ROOT / "watchlist.yaml",
                  warehouse=dest / "data" / "warehouse.duckdb", reports=dest / "reports")
    started = time.perf_counter()
    result = pipeline.load(paths, load_id="bench-load-1")
    mark("done")
    out.write(json.dumps({"evicted": sum(evictions), "evictions": sum(1 for e in evictions if e)}) + "\n")
    out.write(json.dumps({"loader_peak": {**state["peak"], "rss": round(state["peak"]["rss"] / MIB)}}) + "\n")
    out.write(json.dumps({"result": {k: result.get(k) for k in ("articles", "builds", "new_versions")},
                          "seconds": time.perf_counter() - started}, default=str) + "\n")


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


def set_decay(ms: int) -> None:
    """Experiment: jemalloc's decay time of DuckDB's bundled allocator (`duckdb_je_mallctl`), for
    the arenas there are and those made later."""
    import _duckdb

    ctl = ctypes.CDLL(_duckdb.__file__).duckdb_je_mallctl
    ctl.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p,
                    ctypes.c_size_t]
    value = ctypes.c_ssize_t(ms)
    count, size = ctypes.c_uint(0), ctypes.c_size_t(4)
    ctl(b"arenas.narenas", ctypes.byref(count), ctypes.byref(size), None, 0)
    for kind in ("dirty", "muzzy"):
        ctl(f"arenas.{kind}_decay_ms".encode(), None, None, ctypes.byref(value), ctypes.sizeof(value))
        for arena in range(count.value):
            ctl(f"arena.{arena}.{kind}_decay_ms".encode(), None, None, ctypes.byref(value), ctypes.sizeof(value))


def smaps_rollup() -> dict:
    """MiB of this process's resident memory by kind (Linux `smaps_rollup`): anonymous (the heaps:
    jemalloc's, glibc's, Python's) and the rest (mapped files: the interpreter, duckdb's library)."""
    out = {}
    try:
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("Rss", "Anonymous", "Shared_Clean", "Private_Clean", "Private_Dirty"):
                out[name] = round(int(rest.split()[0]) / 1024)
    except OSError:
        pass
    return out


def allocator_stats() -> dict:
    """MiB held by DuckDB's jemalloc, glibc malloc and (when tracing) Python, in this process."""
    stats: dict = {}
    try:
        import _duckdb

        ctl = ctypes.CDLL(_duckdb.__file__).duckdb_je_mallctl
        ctl.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p,
                        ctypes.c_size_t]
        epoch, size = ctypes.c_uint64(1), ctypes.c_size_t(8)
        ctl(b"epoch", ctypes.byref(epoch), ctypes.byref(size), ctypes.byref(epoch), 8)  # refresh the stats
        for key in ("allocated", "active", "resident", "retained"):
            value, size = ctypes.c_size_t(0), ctypes.c_size_t(8)
            if ctl(f"stats.{key}".encode(), ctypes.byref(value), ctypes.byref(size), None, 0) == 0:
                stats[f"je_{key}"] = round(value.value / MIB)
    except (ImportError, OSError, AttributeError):
        pass
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
        stats.update(glibc_heap=round(info.arena / MIB), glibc_mmap=round(info.hblkhd / MIB),
                     glibc_used=round(info.uordblks / MIB), glibc_free=round(info.fordblks / MIB))
    except (OSError, AttributeError):
        pass
    import tracemalloc

    if tracemalloc.is_tracing():
        stats["python_traced"] = round(tracemalloc.get_traced_memory()[0] / MIB)
    return stats


def sample(pid: int, samples: list, stop: threading.Event) -> None:
    import psutil

    root = psutil.Process(pid)
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        row = {"t": time.time(), "loader": 0, "workers": {}}
        for proc in procs:
            try:
                rss = proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if proc.pid == pid:
                row["loader"] = rss
            else:
                row["workers"][proc.pid] = rss
        samples.append(row)
        stop.wait(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the load")
    parser.add_argument("--set", action="append", default=[],
                        help="a DuckDB setting for the loader's connection, e.g. threads=1")
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python's heap (slower)")
    parser.add_argument("--keep-cache", action="store_true",
                        help="without db.drop_cached_blocks and the publish's lower cap (an A/B's before)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    phases = args.dest.with_suffix(".phases.jsonl")
    if args.child:
        child(args.dest, phases)
        return 0
    prepare(args.src, args.dest)
    env = dict(os.environ, **dict(item.split("=", 1) for item in args.env),
               LOAD_MEMORY_SET=";".join(args.set), LOAD_MEMORY_TRACEMALLOC="1" if args.tracemalloc else "",
               LOAD_MEMORY_KEEP_CACHE="1" if args.keep_cache else "")
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([sys.executable, __file__, str(args.src), str(args.dest), "--child"],
                            env=env, stdout=subprocess.DEVNULL)
    samples: list = []
    stop = threading.Event()
    thread = threading.Thread(target=sample, args=(proc.pid, samples, stop), daemon=True)
    thread.start()
    code = proc.wait()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the loader and its analysis workers
    cpu_s = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    stop.set()
    thread.join()
    if code:
        print(f"load failed (exit {code})", file=sys.stderr)
        return code
    lines = [json.loads(line) for line in phases.read_text().splitlines()]
    marks = [m for m in lines if "phase" in m]
    loader_peak = next((m["loader_peak"] for m in lines if "loader_peak" in m), {})
    evicted = [m for m in lines if "evicted" in m]
    # a phase runs from one mark to the next
    rows = []
    for here, nxt in zip(marks, marks[1:], strict=False):
        inside = [s for s in samples if here["t"] <= s["t"] < nxt["t"]]
        if not inside:
            continue
        tree = max(s["loader"] + sum(s["workers"].values()) for s in inside)
        loader = max(s["loader"] for s in inside)
        workers = max(sum(s["workers"].values()) for s in inside)
        each = max((max(s["workers"].values(), default=0) for s in inside), default=0)
        rows.append({"phase": here["phase"], "seconds": round(nxt["t"] - here["t"], 1),
                     "tree_mib": round(tree / MIB), "loader_mib": round(loader / MIB),
                     "workers_mib": round(workers / MIB), "one_worker_mib": round(each / MIB),
                     "rss_at_start_mib": round(here["rss"] / MIB),
                     "duckdb_at_start_mib": None if here["duckdb"] is None else round(here["duckdb"] / MIB),
                     "allocators_at_start_mib": here.get("allocators", {}),
                     "duckdb_tags_at_start_mib": here.get("duckdb_tags", {})})
    for row in rows:
        print(f"{row['phase'][:48]:48} {row['seconds']:6.1f}s tree {row['tree_mib']:5} loader "
              f"{row['loader_mib']:5} workers {row['workers_mib']:4} (one {row['one_worker_mib']:4}) "
              f"start rss {row['rss_at_start_mib']:4} duckdb {row['duckdb_at_start_mib']} "
              + " ".join(f"{k} {v}" for k, v in row["allocators_at_start_mib"].items())
              + " | " + " ".join(f"{k} {v}" for k, v in row["duckdb_tags_at_start_mib"].items()))
    peak = max(s["loader"] + sum(s["workers"].values()) for s in samples)
    print(json.dumps({"peak_tree_mib": round(peak / MIB), "cpu_s": round(cpu_s, 1),
                      "max_rss_mib": round(cpu_after.ru_maxrss / 1024),  # the biggest child's, unsampled "env": args.env, "set": args.set,
                      "peak_loader_mib": round(max(s["loader"] for s in samples) / MIB),
                      "loader_peak_seen": loader_peak, "evicted_mib": round(sum(m["evicted"] for m in evicted) / MIB, 1),
                      "evictions": sum(m.get("evictions", 0) for m in evicted), "keep_cache": args.keep_cache,
                      **lines[-1], "phases": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
