"""Bounded YAML for the files people edit (sources.yaml, watchlist.yaml): a size limit, no anchors
or aliases, and short renderings of values in error messages.

A 693-byte YAML alias bomb expands to gigabytes, so the loader refuses aliases outright (neither
shipped file needs them: repeat the value instead). The size limit bounds the parse itself.
"""

from __future__ import annotations

import os
import reprlib
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MAX_BYTES", "UnsafeYAML", "load", "short"]

MAX_BYTES = int(os.environ.get("MEDIAWATCH_YAML_MAX_BYTES", str(2 * 1024 * 1024)))

_short = reprlib.Repr()
_short.maxstring = 80
_short.maxother = 80
_short.maxlist = _short.maxtuple = _short.maxdict = _short.maxset = 4
_short.maxlevel = 2


def short(value: Any) -> str:
    """repr(value) cut to a few dozen characters: error messages never print unbounded values."""
    return _short.repr(value)


class UnsafeYAML(ValueError):
    """The file is too large, not YAML, or uses anchors/aliases; the message says which and where."""


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases before anything is expanded."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise UnsafeYAML(
                f"line {mark.line + 1} column {mark.column + 1}: YAML anchors and aliases "
                "(&name / *name) are not accepted; write the value out instead"
            )
        return super().compose_node(parent, index)


def load(path: Path, max_bytes: int | None = None) -> Any:
    """Parse the YAML file at `path`: FileNotFoundError as such, UnsafeYAML for everything else."""
    limit = MAX_BYTES if max_bytes is None else max_bytes
    with open(path, "rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise UnsafeYAML(
            f"larger than {limit} bytes; a registry or watchlist is a few KB "
            "(raise MEDIAWATCH_YAML_MAX_BYTES if this one really is that large)"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsafeYAML(f"not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise UnsafeYAML(f"{where}not valid YAML: {short(problem)[1:-1]}") from None
