"""URL normalisation: one spelling per page, so the same article found via feed, sitemap or section
page (with tracking parameters, AMP variants, odd casing) is requested and recorded once.

Policy (idempotent: `normalize_url(normalize_url(u)) == normalize_url(u)`):
- scheme and host lowercased, trailing dot of the host and default ports (80/443) dropped, userinfo
  dropped;
- fragments dropped; tracking parameters (utm_*, fbclid, gclid, mc_*, ref, ...) dropped; the remaining
  query sorted;
- AMP variants map to the plain page: `amp.` host prefix, a leading or trailing `/amp` path segment,
  `?amp`, `?amp=1`, `?outputType=amp`;
- trailing slash: kept as the site spells it (sites differ and requesting the other spelling costs a
  redirect); the page's `rel=canonical` decides identity, not this function;
- non-ASCII and unsafe path characters percent-encoded, escapes in upper case.

Strings that are not absolute http(s) URLs come back stripped but otherwise unchanged.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

__all__ = ["normalize_url", "is_tracking_param"]

_DEFAULT_PORTS = {"http": 80, "https": 443}

# exact parameter names that only track the visitor, never select content
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "twclid",
        "ttclid",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "cmpid",
        "ncid",
        "sr_share",
        "soc_src",
        "soc_trk",
        "spm",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "amp",  # ?amp / ?amp=1 select the AMP rendering of the same article
        "outputtype",  # ?outputType=amp
        "__twitter_impression",
    }
)
_TRACKING_PREFIXES = ("utm_", "mc_", "hsa_", "pk_", "piwik_", "matomo_", "oly_")

_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def is_tracking_param(name: str) -> bool:
    """True when a query parameter only tracks the visitor (utm_*, fbclid, ...)."""
    lowered = name.lower()
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def _normalize_host(host: str) -> str:
    host = host.lower().rstrip(".")
    # amp.example.com serves the AMP rendering of example.com; repeat for "amp.amp." oddities
    while host.startswith("amp.") and len(host) > 4:
        host = host[4:]
    return host


def _normalize_path(path: str) -> str:
    path = quote(path, safe=_SAFE_PATH)
    path = _ESCAPE.sub(lambda m: m.group(0).upper(), path)
    if not path.startswith("/"):
        path = "/" + path
    segments = path.split("/")[1:]  # path starts with "/", so segments[0] is the first name
    trailing_slash = path.endswith("/")
    changed = False
    # drop AMP segments at either end: /amp/2024/x/ and /2024/x/amp/ are the page /2024/x/
    while segments and segments[-1] in ("amp", ""):
        if segments[-1] == "amp":
            changed = True
        segments.pop()
    while segments and segments[0].lower() == "amp":
        changed = True
        segments.pop(0)
    if not segments:
        return "/"
    rebuilt = "/" + "/".join(segments)
    if trailing_slash or changed:
        rebuilt += "/"
    return rebuilt


def _normalize_query(query: str) -> str:
    pairs = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if key and not is_tracking_param(key)
    ]
    pairs.sort()
    return urlencode(pairs, quote_via=quote, safe="/:@!$'()*,;-._~")


def normalize_url(url: str) -> str:
    """Return the canonical spelling of `url` (see the module docstring for the policy)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = _normalize_host(parts.hostname)
    if not host:
        return url
    try:
        port = parts.port
    except ValueError:
        return url
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit(
        (scheme, netloc, _normalize_path(parts.path), _normalize_query(parts.query), "")
    )
