"""The watchlist: which companies, people, products and topics we monitor, and how to spot them.

`watchlist.yaml` lists `entities` (name, type, aliases, case rules, optional boolean `query`) and
`competitor_sets` for share of voice. `load_watchlist` validates it strictly: every error names the
file and the entry (and, for queries, the character with a caret under it), because a silently
ignored typo means silently missing coverage.

Matching rules: whole words only; case-insensitive unless an entry or alias says
`case_sensitive: true`, except short all-caps aliases (NIO, BYD, BAIC) which are case-sensitive by
default; longest alias wins and mentions never overlap. An entity with a `query` is mentioned only
when the query matches title+body; its mentions are still its alias hits.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mediawatch import boundedyaml
from mediawatch.boundedyaml import short
from mediawatch.monitor.matcher import AliasMatcher, AliasSpec, normalise
from mediawatch.monitor.query import (
    CompiledQuery,
    QueryError,
    caret_lines,
    is_case_sensitive_default,
)
from mediawatch.monitor.text import SnippetMaker

ENTITY_TYPES = ("company", "person", "product", "topic")
_TOP_KEYS = ("entities", "competitor_sets")
_ENTRY_KEYS = ("name", "type", "aliases", "case_sensitive", "query", "description")
_ALIAS_KEYS = ("text", "case_sensitive")
_SET_KEYS = ("name", "members")
FIELDS = ("title", "body")


class WatchlistError(ValueError):
    """The watchlist file cannot be used; the message says where and what to fix."""


@dataclass(frozen=True)
class Mention:
    """One occurrence of a watched entity; start/end are character offsets within `field`."""

    entity: str
    entity_type: str
    matched_text: str
    field: str  # "title" | "body"
    start: int
    end: int
    snippet: str
    # sentence of the article holding the match start: the title's sentences come first (from 0),
    # the body's continue after them, so equal ids mean the same sentence
    sentence_id: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Entry:
    """One watched entity as loaded: aliases include the name itself."""

    name: str
    type: str
    aliases: tuple[AliasSpec, ...]
    query: CompiledQuery | None = None
    description: str | None = None


@dataclass(frozen=True)
class CompetitorSet:
    """A named group of entities compared with each other (share of voice)."""

    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class _Hit:
    field: str
    start: int
    end: int
    alias: AliasSpec
    text: str


class Watchlist:
    """Loaded entities and competitor sets, with the alias matcher compiled once."""

    def __init__(
        self,
        entries: list[Entry],
        competitor_sets: list[CompetitorSet],
        source: str = "<watchlist>",
    ) -> None:
        self.entries = entries
        self.competitor_sets = competitor_sets
        self.source = source
        self._matcher = AliasMatcher([a for e in entries for a in e.aliases])
        self.fingerprint = hashlib.sha256(
            json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """The watchlist as plain data (what `fingerprint` hashes; handy for the warehouse)."""
        return {
            "entities": [
                {
                    "name": e.name,
                    "type": e.type,
                    "aliases": [
                        {"text": a.text, "case_sensitive": a.case_sensitive} for a in e.aliases
                    ],
                    "query": e.query.source if e.query else None,
                }
                for e in self.entries
            ],
            "competitor_sets": [
                {"name": s.name, "members": list(s.members)} for s in self.competitor_sets
            ],
        }

    def entry(self, name: str) -> Entry:
        """The entry called `name` (KeyError if none)."""
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(name)

    def _hits(self, title: str | None, body: str | None) -> list[_Hit]:
        hits = []
        for field, text in zip(FIELDS, (title, body), strict=True):
            if text:
                hits.extend(_Hit(field, s, e, a, text[s:e]) for s, e, a in self._matcher.find(text))
        return hits

    def find_mentions(self, title: str | None, body: str | None) -> list[Mention]:
        """Mentions of watched entities in title then body, in text order."""
        hits = self._hits(title, body)
        if not hits:
            return []
        combined = _combined(title, body)
        allowed: dict[int, bool] = {}
        snippets = {
            field: SnippetMaker(text)
            for field, text in zip(FIELDS, (title, body), strict=True)
            if text
        }
        mentions = []
        for hit in hits:
            owner = hit.alias.owner
            if owner not in allowed:
                query = self.entries[owner].query
                allowed[owner] = query is None or query.evaluate(combined)
            if allowed[owner]:
                entry = self.entries[owner]
                maker = snippets[hit.field]
                sentence = maker.sentence_index(hit.start)
                if hit.field == "body" and "title" in snippets:
                    sentence += snippets["title"].sentences
                mentions.append(
                    Mention(
                        entry.name, entry.type, hit.text, hit.field, hit.start, hit.end,
                        maker.snippet(hit.start, hit.end), sentence,
                    )
                )
        return mentions

    def explain(
        self, title: str | None, body: str | None, dropped_text: str | None = None
    ) -> list[dict[str, Any]]:
        """Per entry: mentioned or not, and why (alias hits, query clauses, NOT vetoes, and aliases
        seen only in `dropped_text`, the boilerplate extraction removed, which are ignored).

        Alias offsets are within their field; query hit offsets are within the text the query
        runs on: title, a blank line, then body."""
        hits = self._hits(title, body)
        dropped = (
            [(s, e, a) for s, e, a in self._matcher.find(dropped_text)] if dropped_text else []
        )
        combined = _combined(title, body)
        out = []
        for index, entry in enumerate(self.entries):
            found = [h for h in hits if h.alias.owner == index]
            in_dropped = [
                {"alias": a.text, "matched_text": dropped_text[s:e], "start": s, "end": e}
                for s, e, a in dropped
                if a.owner == index and dropped_text is not None
            ]
            trace = entry.query.trace(combined) if entry.query else None
            mentioned = bool(found) and (trace is None or bool(trace["matched"]))
            out.append(
                {
                    "entity": entry.name,
                    "type": entry.type,
                    "mentioned": mentioned,
                    "reason": _reason(found, trace, in_dropped),
                    "aliases_found": [
                        {
                            "alias": h.alias.text,
                            "matched_text": h.text,
                            "field": h.field,
                            "start": h.start,
                            "end": h.end,
                        }
                        for h in found
                    ],
                    "query": entry.query.source if entry.query else None,
                    "query_matched": trace["matched"] if trace else None,
                    "query_failed": trace["failed"] if trace else [],
                    "query_clauses": trace["clauses"] if trace else None,
                    "found_only_in_dropped_text": bool(in_dropped) and not found,
                    "dropped_text_hits": in_dropped,
                }
            )
        return out


def _combined(title: str | None, body: str | None) -> str:
    return "\n\n".join(t for t in (title, body) if t)


def _reason(
    found: list[_Hit], trace: dict[str, Any] | None, in_dropped: list[dict[str, Any]]
) -> str:
    if found:
        first = found[0]
        where = f"alias {first.alias.text!r} found {len(found)}x, first in {first.field} at {first.start}"
        if trace is None:
            return where
        if trace["matched"]:
            return where + "; query matched"
        return where + "; but query did not match: " + "; ".join(trace["failed"])
    if in_dropped:
        return (
            f"alias {in_dropped[0]['alias']!r} found only in text extraction dropped "
            "(navigation, related links, boilerplate): ignored"
        )
    return "no alias found in title or body"


# --- loading ---------------------------------------------------------------------------------


_loaded: dict[tuple[str, int, int], Watchlist] = {}
_loaded_lock = threading.Lock()


def load_watchlist(path: str | Path) -> Watchlist:
    """Read and validate a watchlist YAML file; raises WatchlistError naming file, entry and position.
    Bounded (size limit, no YAML aliases) and parsed once per process while the file is unchanged."""
    path = Path(path)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        with _loaded_lock:
            if key not in _loaded:
                data = boundedyaml.load(path)
                _loaded.clear()
                _loaded[key] = parse_watchlist(data, str(path))
            return _loaded[key]
    except OSError as exc:
        raise WatchlistError(
            f"{path}: cannot read the watchlist ({exc}); check the path or set MEDIAWATCH_WATCHLIST"
        ) from None
    except boundedyaml.UnsafeYAML as exc:
        raise WatchlistError(f"{path}: {exc}") from None


def parse_watchlist(data: Any, source: str = "<watchlist>") -> Watchlist:
    """Validate already-parsed watchlist data (the YAML document) and build the Watchlist."""
    if not isinstance(data, dict):
        raise WatchlistError(f"{source}: the top level must be a mapping with an 'entities' list")
    _check_keys(source, "top level", data, _TOP_KEYS)
    raw_entries = data.get("entities")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise WatchlistError(f"{source}: 'entities' must be a non-empty list of entries")
    entries: list[Entry] = []
    seen_names: dict[str, int] = {}
    seen_aliases: dict[str, str] = {}
    for i, raw in enumerate(raw_entries):
        entry = _parse_entry(source, i, raw, len(entries))
        label = f"entry #{i + 1} {short(entry.name)}"
        if entry.name.casefold() in seen_names:
            raise WatchlistError(
                f"{source}: {label}: duplicate name (also entry #{seen_names[entry.name.casefold()]})"
            )
        seen_names[entry.name.casefold()] = i + 1
        for alias in entry.aliases:
            key = normalise(alias.text).casefold()
            if key in seen_aliases:
                raise WatchlistError(
                    f"{source}: {label}: alias {short(alias.text)} is already used by {short(seen_aliases[key])}; "
                    "an alias must point to one entity"
                )
            seen_aliases[key] = entry.name
        entries.append(entry)
    names = {e.name for e in entries}
    raw_sets = data.get("competitor_sets") or []
    if not isinstance(raw_sets, list):
        raise WatchlistError(f"{source}: 'competitor_sets' must be a list of {{name, members}}")
    sets = [_parse_set(source, i, raw, names) for i, raw in enumerate(raw_sets)]
    if len({s.name for s in sets}) != len(sets):
        raise WatchlistError(f"{source}: competitor_sets: duplicate set name")
    return Watchlist(entries, sets, source)


def _check_keys(source: str, label: str, raw: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        close = difflib.get_close_matches(unknown[0], allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise WatchlistError(
            f"{source}: {label}: unknown key {short(unknown[0])}{hint} (allowed: {', '.join(allowed)})"
        )


def _parse_entry(source: str, i: int, raw: Any, owner: int) -> Entry:
    label = f"entry #{i + 1}"
    if not isinstance(raw, dict):
        raise WatchlistError(f"{source}: {label}: must be a mapping with name, type and aliases")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise WatchlistError(f"{source}: {label}: 'name' must be a non-empty string")
    name = normalise(name)
    label = f"entry #{i + 1} {short(name)}"
    _check_keys(source, label, raw, _ENTRY_KEYS)
    kind = raw.get("type")
    if kind not in ENTITY_TYPES:
        raise WatchlistError(
            f"{source}: {label}: 'type' must be one of {', '.join(ENTITY_TYPES)} (got {short(kind)})"
        )
    entry_case = raw.get("case_sensitive")
    if entry_case is not None and not isinstance(entry_case, bool):
        raise WatchlistError(f"{source}: {label}: 'case_sensitive' must be true or false")
    raw_aliases = raw.get("aliases", [])
    if not isinstance(raw_aliases, list):
        raise WatchlistError(f"{source}: {label}: 'aliases' must be a list")
    if "aliases" in raw and not raw_aliases:
        raise WatchlistError(
            f"{source}: {label}: 'aliases' is empty; list aliases or remove the key"
        )
    aliases: list[AliasSpec] = []
    seen: set[str] = set()
    for j, item in enumerate([name, *raw_aliases]):
        text, alias_case = _parse_alias(source, label, j, item)
        if normalise(text).casefold() in seen:
            if normalise(text).casefold() == name.casefold():
                continue  # repeating the name among the aliases is harmless
            raise WatchlistError(f"{source}: {label}: alias {short(text)} is listed twice")
        seen.add(normalise(text).casefold())
        case = alias_case if alias_case is not None else entry_case
        if case is None:
            case = is_case_sensitive_default(text)
        aliases.append(AliasSpec(normalise(text), case, owner))
    query = None
    if raw.get("query") is not None:
        query_text = raw["query"]
        if not isinstance(query_text, str):
            raise WatchlistError(f"{source}: {label}: 'query' must be a string")
        try:
            query = CompiledQuery(query_text)
        except QueryError as exc:
            raise WatchlistError(
                f"{source}: {label}: query: {exc.reason} at character {exc.position + 1}\n"
                f"{caret_lines(query_text, exc.position)}"
            ) from exc
    description = raw.get("description")
    return Entry(
        name, kind, tuple(aliases), query, description if isinstance(description, str) else None
    )


def _parse_alias(source: str, label: str, j: int, item: Any) -> tuple[str, bool | None]:
    where = f"{source}: {label}: alias #{j}"
    if isinstance(item, dict):
        _check_keys(source, f"{label}: alias #{j}", item, _ALIAS_KEYS)
        text, case = item.get("text"), item.get("case_sensitive")
        if case is not None and not isinstance(case, bool):
            raise WatchlistError(f"{where}: 'case_sensitive' must be true or false")
    else:
        text, case = item, None
    if isinstance(text, int | float) and not isinstance(text, bool):
        text = str(text)  # YAML reads `- 360` as a number
    if not isinstance(text, str):
        raise WatchlistError(f"{where}: an alias is a string or {{text: ..., case_sensitive: ...}}")
    if not text.strip():
        raise WatchlistError(f"{where}: empty alias; give the alias text or remove the line")
    return text, case


def _parse_set(source: str, i: int, raw: Any, names: set[str]) -> CompetitorSet:
    label = f"competitor set #{i + 1}"
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise WatchlistError(f"{source}: {label}: must be a mapping with 'name' and 'members'")
    label = f"competitor set #{i + 1} {short(raw['name'])}"
    _check_keys(source, label, raw, _SET_KEYS)
    members = raw.get("members")
    if not isinstance(members, list) or len(members) < 2:
        raise WatchlistError(f"{source}: {label}: 'members' must list at least two entity names")
    for member in members:
        if not isinstance(member, str) or member not in names:
            raise WatchlistError(
                f"{source}: {label}: member {short(member)} is not an entity name in 'entities'"
            )
    if len(set(members)) != len(members):
        raise WatchlistError(f"{source}: {label}: a member is listed twice")
    return CompetitorSet(raw["name"], tuple(members))
