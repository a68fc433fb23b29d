"""Scrapy settings: polite and safe defaults. Per-source overrides come from the registry (they can
only slow a crawl down); tests and benchmarks override explicitly with `-s NAME=value`."""

# Scrapy's TLS context module makes its deprecated aliases with inspect.stack(), which reads the
# source of every frame: imported here, before the reactor runs, that costs 0.06 s; imported by
# the downloader, deep in the reactor's stack, it cost 0.43 s of every crawl's start-up
import scrapy.core.downloader.contextfactory  # noqa: F401
from scrapy.settings import default_settings as _defaults

from mediawatch import __version__

BOT_NAME = "mediawatch"
SPIDER_LOADER_CLASS = "spiders.loader.RegistrySpiderLoader"
SPIDER_MODULES: list[str] = []

# registry path; the MEDIAWATCH_SOURCES environment variable wins when set (see spiders.loader)
MEDIAWATCH_SOURCES = ""
# run id of this crawl; default: UTC timestamp at start
MEDIAWATCH_RUN_ID = ""
MEDIAWATCH_CONTACT_URL = "https://github.com/mediawatch/mediawatch"
USER_AGENT = f"mediawatch/{__version__} (+{MEDIAWATCH_CONTACT_URL})"

# --- polite ---------------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# items handled at once per response (Scrapy's default, 100, starts 100 asyncio tasks for every
# response, and an article response yields one item: a measurable cost on the reactor per page)
CONCURRENT_ITEMS = 4
COOKIES_ENABLED = False
# no control ports: the telnet console and Scrapy's remote-control HTTP server (which runs posted
# Python code) have no place in an unattended crawler of untrusted sites
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# ... and not even imported. Switched off (or set to None) a component is still imported at
# start-up, where Scrapy matches the keys of its dict: the remote control imports aiohttp (0.19 s),
# the cookies middleware tldextract and requests (0.07 s), on every crawl. So they are left out of
# Scrapy's own base dicts, which otherwise stay as the installed Scrapy defines them
EXTENSIONS_BASE = {
    key: order for key, order in _defaults.EXTENSIONS_BASE.items()
    if key != "scrapy.extensions.remote_control.RemoteControl"
}
DOWNLOADER_MIDDLEWARES_BASE = {
    key: order for key, order in _defaults.DOWNLOADER_MIDDLEWARES_BASE.items()
    if key != "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"  # COOKIES_ENABLED is False
}
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# --- safe -----------------------------------------------------------------------------------
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30  # Scrapy applies it to connect and to the whole download
DNS_TIMEOUT = 10
# re-checks each DNS answer at connect time, after NetGuardMiddleware checked the request
TWISTED_DNS_RESOLVER = "spiders.resolver.GuardedResolver"
REDIRECT_MAX_TIMES = 5
METAREFRESH_ENABLED = False
# only http/https: every other scheme handler is switched off
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}

DOWNLOADER_MIDDLEWARES = {
    # runs first on every request, including robots.txt and each redirect hop
    "spiders.middlewares.NetGuardMiddleware": 50,
    # below HttpCompression (590) so it archives decoded bodies, above Retry (550) so it sees all
    "spiders.middlewares.WarcArchiveMiddleware": 580,
}
ITEM_PIPELINES = {
    "spiders.pipelines.ExtractPipeline": 100,
    "spiders.pipelines.DedupePipeline": 200,
    "spiders.pipelines.StagePipeline": 300,
    "spiders.pipelines.StatsPipeline": 400,
}

LOG_LEVEL = "INFO"
# items are logged by URL and outcome, never with their body
LOG_FORMATTER = "spiders.logformatter.ShortItemLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"

# --- extraction workers (mediawatch.extract_pool) ------------------------------------------
MEDIAWATCH_EXTRACT_WORKERS = 0  # 0: one per core this process may use
MEDIAWATCH_EXTRACT_TIMEOUT = 30.0  # seconds per page; past it the page is staged as extract_timeout
MEDIAWATCH_EXTRACT_MEMORY_MB = 1536  # address-space cap of a worker (RLIMIT_AS)
