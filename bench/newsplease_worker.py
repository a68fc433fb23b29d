"""Runs inside the news-please venv (var/bench/newsplease-venv), never in the project's venv.

Usage: `python newsplease_worker.py URLS_JSON OUT_JSON [CHUNK]`. Fetches and extracts the URLs with
news-please's library API `NewsPlease.from_urls` (threads fetch, a process pool extracts), CHUNK URLs
at a time because it starts one thread per URL, and writes {"seconds", "version", "bodies"}.
"""

import json
import sys
import time
from importlib.metadata import version

from newsplease import NewsPlease


def main() -> int:
    urls = json.loads(open(sys.argv[1], encoding="utf-8").read())
    chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    bodies = {}
    errors = 0
    started = time.perf_counter()
    for i in range(0, len(urls), chunk):
        # request_args must carry a timeout: from_urls reads it when collecting results
        results = NewsPlease.from_urls(
            urls[i : i + chunk], request_args={"timeout": 30}, fetch_images=False
        )
        for url, article in results.items():
            text = getattr(article, "maintext", None) if article else None
            if text is None:
                errors += 1
            bodies[url] = text
    seconds = time.perf_counter() - started
    out = {
        "seconds": seconds,
        "version": version("news-please"),
        "errors": errors,
        "bodies": bodies,
    }
    with open(sys.argv[2], "w", encoding="utf-8") as handle:
        json.dump(out, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
