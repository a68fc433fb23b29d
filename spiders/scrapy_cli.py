"""`python -m spiders.scrapy_cli ARGS`: Scrapy's command line (`scrapy ARGS`), as the crawl
processes of `mediawatch.crawl` run it.

One thing first: when the parent expects pages to extract (`MEDIAWATCH_EXTRACT_PRESTART`, see
`mediawatch.crawl`), the extraction zygote is started before Scrapy is even imported, so its
imports and warm-up run beside Scrapy's start-up instead of after the first page has arrived.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from mediawatch.extract_pool import prestart_from_env

    prestart_from_env()
    from scrapy.cmdline import execute

    execute(["scrapy", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
