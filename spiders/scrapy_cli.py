"""`python -m spiders.scrapy_cli ARGS`: Scrapy's command line (`scrapy ARGS`), as the crawl
processes of `mediawatch.crawl` run it.

Two things around it:
- when the parent expects pages to extract (`MEDIAWATCH_EXTRACT_PRESTART`, see `mediawatch.crawl`),
  the extraction zygote is started before Scrapy is even imported, so its imports and warm-up run
  beside Scrapy's start-up instead of after the first page has arrived;
- once the command is done (its files closed, its output flushed), the process ends at once
  (`exit_now`): tearing the interpreter down (Twisted, Scrapy, lxml, every module) took 0.25-0.4 s,
  a quarter of a crawl with nothing new.
"""

from __future__ import annotations

import logging
import os
import sys


def exit_now(code: int | str | None) -> None:
    """Flush the logs and standard streams and end the process without the interpreter's
    teardown. Only for the end of a crawl process: every file it writes is closed by then."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    from mediawatch.extract_pool import end_prestarted

    end_prestarted()  # atexit would have; an unused early zygote also dies with this process
    os._exit(code or 0)


def main(argv: list[str] | None = None) -> None:
    from mediawatch.extract_pool import prestart_from_env

    prestart_from_env()
    from scrapy.cmdline import execute

    try:
        execute(["scrapy", *(sys.argv[1:] if argv is None else argv)])
    except SystemExit as done:
        exit_now(done.code)
    exit_now(0)


if __name__ == "__main__":
    main()
