"""Dates: parse what pages write (ISO 8601, RFC 2822, "May 1, 2024 8:30 AM EDT", URL paths) into
timezone-aware UTC ISO strings, rejecting the impossible (future, before 1995)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from dateutil import parser as dateutil_parser
from dateutil.tz import gettz

EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
# Publishers' clocks and time zones drift; a page dated a few hours ahead is still plausible.
FUTURE_SLACK = timedelta(days=1)

# US time-zone abbreviations dateutil does not know on its own; pages use them a lot.
_TZINFOS = {
    name: gettz(zone)
    for name, zone in {
        "EST": "America/New_York",
        "EDT": "America/New_York",
        "ET": "America/New_York",
        "CST": "America/Chicago",
        "CDT": "America/Chicago",
        "CT": "America/Chicago",
        "MST": "America/Denver",
        "MDT": "America/Denver",
        "PST": "America/Los_Angeles",
        "PDT": "America/Los_Angeles",
        "PT": "America/Los_Angeles",
        "BST": "Europe/London",
        "CET": "Europe/Paris",
        "CEST": "Europe/Paris",
        "IST": "Asia/Kolkata",
        "JST": "Asia/Tokyo",
        "AEST": "Australia/Sydney",
        "AEDT": "Australia/Sydney",
    }.items()
}
_TZINFOS.update({"UTC": UTC, "GMT": UTC, "Z": UTC})

_URL_DATE = re.compile(
    r"/((?:199[5-9]|20[0-9]{2}))[/-](0?[1-9]|1[0-2])(?:[/-](0?[1-9]|[12][0-9]|3[01]))?(?=[/-]|$)"
)
_URL_COMPACT_DATE = re.compile(
    r"/((?:199[5-9]|20[0-9]{2})(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))/"
)
_EPOCH = re.compile(r"^\d{10}(\d{3})?$")
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
_RELATIVE = re.compile(r"\b(ago|yesterday|today|hours?|minutes?|mins?|vor|il y a|hace)\b", re.I)
# Month names in the languages we crawl most, mapped to English so dateutil can read them.
_MONTHS = {
    "janvier": "January", "février": "February", "fevrier": "February", "mars": "March",
    "avril": "April", "mai": "May", "juin": "June", "juillet": "July", "août": "August",
    "aout": "August", "septembre": "September", "octobre": "October", "novembre": "November",
    "décembre": "December", "decembre": "December", "januar": "January", "jänner": "January",
    "februar": "February", "märz": "March", "maerz": "March", "juni": "June", "juli": "July",
    "oktober": "October", "dezember": "December", "enero": "January", "febrero": "February",
    "marzo": "March", "abril": "April", "mayo": "May", "junio": "June", "julio": "July",
    "agosto": "August", "septiembre": "September", "octubre": "October",
    "noviembre": "November", "diciembre": "December", "gennaio": "January",
    "febbraio": "February", "aprile": "April", "maggio": "May", "giugno": "June",
    "luglio": "July", "settembre": "September", "ottobre": "October", "dicembre": "December",
}  # fmt: skip
_MONTH_WORD = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b", re.I)
# Words around dates that confuse the parser ("Published on", "Updated:", "|").
_NOISE = re.compile(r"\b(published|posted|updated|last|modified|on|at|am:|pm:)\b[:\s]*|[|•·]", re.I)


def parse_date(value: object) -> datetime | None:
    """Parse one date value as a page writes it; naive times count as UTC. None if it is no date."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) or (
        isinstance(value, str) and _EPOCH.match(value.strip())
    ):
        try:
            seconds = float(value)
            parsed = datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, tz=UTC)
        except (ValueError, OverflowError, OSError):
            return None
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 80 or not re.search(r"\d", text):
            return None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            # fuzzy parsing invents dates from "3 hours ago": insist on a written year
            if not _YEAR.search(text) or _RELATIVE.search(text):
                return None
            text = _MONTH_WORD.sub(lambda m: _MONTHS[m.group(1).lower()], text)
            dayfirst = bool(re.search(r"\d{1,2}\.\s?\d{1,2}\.\s?\d{4}", text)) or bool(
                re.search(r"\d\.?\s+[A-Z][a-z]+\s+\d{4}", text)
            )
            try:
                parsed = dateutil_parser.parse(
                    _NOISE.sub(" ", text), tzinfos=_TZINFOS, fuzzy=True, dayfirst=dayfirst
                )
            except (ValueError, OverflowError, TypeError):
                return None
    else:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def plausible(moment: datetime | None, now: datetime | None = None) -> datetime | None:
    """`moment` if it lies between 1995 and now (plus slack), else None."""
    if moment is None:
        return None
    now = now or datetime.now(UTC)
    if moment < EARLIEST or moment > now + FUTURE_SLACK:
        return None
    return moment


def to_iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, seconds precision, e.g. 2024-05-01T08:30:00+00:00."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat() if moment else None


def date_from_url(url: str) -> datetime | None:
    """Date written in a URL path (/2024/05/01/, /2024-05-01-, /20240501/), midnight UTC."""
    match = _URL_DATE.search(url or "")
    try:
        if match:
            year, month, day = match.group(1), match.group(2), match.group(3) or "1"
            return datetime(int(year), int(month), int(day), tzinfo=UTC)
        match = _URL_COMPACT_DATE.search(url or "")
        if match:
            return datetime.strptime(match.group(1), "%Y%m%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return None


def first_plausible(values: list[object], now: datetime | None = None) -> datetime | None:
    """The first value that parses to a plausible date."""
    for value in values:
        moment = plausible(parse_date(value), now)
        if moment is not None:
            return moment
    return None
