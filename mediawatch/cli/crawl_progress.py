"""Live progress of a crawl, one line per source, on a terminal only.

The crawl runs in `scrapy crawl` subprocesses that write `<run_id>.jsonl.part` line by line and a
`<run_id>.stats.json` when they end, so the progress is read from those files: the CLI shows what
has really been staged, and the crawl code needs no hook. Off a terminal nothing is shown.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mediawatch.cli.common import is_terminal

POLL_S = 0.5


class _SourceWatch:
    """Counts the staged lines of one source's crawl under `run_id` (and its retry ids `run_id.N`)."""

    def __init__(self, folder: Path, run_id: str) -> None:
        self.folder, self.run_id = folder, run_id
        self.offsets: dict[Path, int] = {}
        self.lines: dict[str, int] = {}  # per file stem: a .part renamed to .jsonl keeps its count

    def _files(self, suffix: str) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return [p for p in self.folder.glob(f"{self.run_id}*{suffix}")
                if p.name[: -len(suffix)] == self.run_id or p.name.startswith(self.run_id + ".")]

    def pages(self) -> int:
        for path in self._files(".jsonl.part") + self._files(".jsonl"):
            stem = path.name.split(".jsonl")[0]
            if path.suffix == ".jsonl" and stem in self.lines and path not in self.offsets:
                continue  # the finished file of a .part already counted
            try:
                with path.open("rb") as handle:
                    handle.seek(self.offsets.get(path, 0))
                    chunk = handle.read()
            except OSError:
                continue  # renamed between glob and open: counted next time
            self.offsets[path] = self.offsets.get(path, 0) + len(chunk)
            self.lines[stem] = self.lines.get(stem, 0) + chunk.count(b"\n")
        return sum(self.lines.values())

    def outcome(self) -> str | None:
        """`done: N articles` or `failed: ...` once the stats file is written, else None."""
        for path in self._files(".stats.json"):
            try:
                stats = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None  # being written
            if stats.get("error"):
                return f"failed: {str(stats['error']).splitlines()[0][:60]}"
            return f"done: {stats.get('articles', 0)} articles, {stats.get('failed', 0)} failed pages"
        return None


@contextmanager
def crawl_progress(staging_dir: Path, run_id: str, sources: list[str]) -> Iterator[None]:
    """Show, while the body runs, each source's pages staged so far and its outcome (terminal only)."""
    if not is_terminal() or not sources:
        yield
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    watches = {name: _SourceWatch(staging_dir / name, run_id) for name in sources}
    stop = threading.Event()
    with Progress(SpinnerColumn(finished_text="·"), TextColumn("{task.description:<24}"),
                  TextColumn("{task.fields[status]}"), TimeElapsedColumn(), transient=False) as bar:
        tasks = {name: bar.add_task(name, total=1, status="waiting") for name in sources}

        def refresh() -> None:
            for name, watch in watches.items():
                outcome = watch.outcome()
                pages = watch.pages()
                if outcome:
                    bar.update(tasks[name], completed=1, status=f"{pages} pages staged · {outcome}")
                elif pages:
                    bar.update(tasks[name], status=f"{pages} pages staged")

        def poll() -> None:
            while not stop.wait(POLL_S):
                refresh()

        thread = threading.Thread(target=poll, name="crawl-progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            refresh()
