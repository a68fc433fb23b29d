"""Child-process entry of the bench: run one pipeline step exactly as the DAG tasks call it.

Usage (by bench/benchlib.run_step): `python bench/steps.py STEP ARGS_JSON OUT_JSON`. ARGS_JSON holds
the four paths and the step's arguments; the result (the step's summary plus `seconds`, the time of
the pipeline call alone, without interpreter start-up, and `cpu_seconds`, its CPU time: on a busy
machine the two differ) is written to OUT_JSON. With `"profile": PATH`
the call runs under pyinstrument and its text report goes to PATH.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from mediawatch import pipeline  # noqa: E402
from mediawatch.config import Paths  # noqa: E402


def paths_of(args: dict[str, Any]) -> Paths:
    return Paths(
        sources=Path(args["sources"]),
        watchlist=Path(args["watchlist"]),
        warehouse=Path(args["warehouse"]),
        reports=Path(args["reports"]),
    )


def call(step: str, args: dict[str, Any]) -> dict[str, Any]:
    """The step itself: the same `mediawatch.pipeline` function the DAG task calls."""
    paths = paths_of(args)
    if step == "crawl":
        return pipeline.crawl(paths, args["run_id"], settings=args.get("settings"))
    if step == "load":
        return pipeline.load(paths, load_id=args.get("load_id"))
    if step == "check":
        return pipeline.check(paths, args["run_id"])
    if step == "report":
        from mediawatch.report import build_report

        return build_report(paths, run_id=args.get("run_id"))
    raise SystemExit(f"unknown bench step {step!r}: use crawl, load, check or report")


def main(argv: list[str]) -> int:
    step, args, out = argv[0], json.loads(argv[1]), Path(argv[2])
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    profiler = None
    if args.get("profile"):
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = call(step, args)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    if profiler is not None:
        profiler.stop()
        Path(args["profile"]).write_text(
            profiler.output_text(unicode=False, color=False, show_all=False)
        )
    out.write_text(json.dumps({**result, "seconds": seconds, "cpu_seconds": cpu_seconds}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
