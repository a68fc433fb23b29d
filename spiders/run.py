"""Several sources in one crawl process: `python -m spiders.run SOURCE=RUN_ID ... [-s KEY=VALUE]`.

Twisted's reactor runs once per process, so one invocation is one CrawlerProcess with a crawler per
source (each with its own settings, polite overrides, lock, staging file and stats), all sharing
one interpreter start-up and one pool of extraction workers. A source that fails to start or
crashes is reported on its own; the others go on. The last stdout line is
`MEDIAWATCH_RESULT {"<source>": null | "<error>", ...}` for `mediawatch.crawl.crawl_all`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

RESULT_PREFIX = "MEDIAWATCH_RESULT "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("crawls", nargs="+", help="SOURCE=RUN_ID")
    parser.add_argument("-s", dest="settings", action="append", default=[], help="KEY=VALUE")
    args = parser.parse_args(argv)

    from mediawatch.extract_pool import prestart_from_env

    prestart_from_env()  # before Scrapy's imports, when the parent expects pages (scrapy_cli)
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for pair in args.settings:
        key, _, value = pair.partition("=")
        settings.set(key, value, priority="cmdline")
    process = CrawlerProcess(settings)
    errors: dict[str, str | None] = {}

    def failed(failure: Any, name: str) -> None:
        errors[name] = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        print(f"crawl of {name} failed: {errors[name]}", file=sys.stderr, flush=True)

    for spec in args.crawls:
        name, _, run_id = spec.partition("=")
        errors[name] = None
        try:
            spider = process.spider_loader.load(name)
        except KeyError as exc:
            errors[name] = str(exc)
            continue
        crawler = process.create_crawler(spider)
        crawler.settings.set("MEDIAWATCH_RUN_ID", run_id, priority="cmdline")
        deferred = process.crawl(crawler)
        deferred.addErrback(failed, name)
    process.start()
    print(RESULT_PREFIX + json.dumps(errors), flush=True)
    return 0


if __name__ == "__main__":
    from spiders.scrapy_cli import exit_now

    exit_now(main())  # without the interpreter's teardown (see scrapy_cli)
