"""A full disk, said plainly: which path could not be written, how much space it needed, how much is
free, and what to do. Used by the crawl (staging files), the loader and the CLI."""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

__all__ = ["DiskFull", "MARKER", "free_bytes", "human", "is_disk_full", "marker_line", "parse_marker"]

# ENOSPC: the filesystem is full; EDQUOT: the user's quota; EFBIG: the file-size limit (RLIMIT_FSIZE)
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DISK_FULL_TEXT = re.compile(r"No space left on device|Disk quota exceeded|File too large", re.I)
# what a crawl subprocess logs once when it cannot write (the parent turns it into the error)
MARKER = "mediawatch-disk-full"
_MARKER_LINE = re.compile(MARKER + r" needed=(\d+) path=(.+)$")


def is_disk_full(exc: BaseException) -> bool:
    """True when `exc` (an OSError, or DuckDB's IOException) says the disk or a size limit is full."""
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return True
    return bool(_DISK_FULL_TEXT.search(str(exc)))


def free_bytes(path: Path) -> int | None:
    """Free bytes on the filesystem holding `path` (or its nearest existing parent)."""
    for candidate in (path, *path.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def human(size: int | None) -> str:
    if size is None:
        return "unknown"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # unreachable


def marker_line(path: Path | str, needed: int) -> str:
    return f"{MARKER} needed={int(needed)} path={path}"


def parse_marker(lines: list[str]) -> tuple[str, int] | None:
    """(path, bytes needed) from a crawl log's disk-full line, or None."""
    for line in lines:
        match = _MARKER_LINE.search(line)
        if match:
            return match.group(2).strip(), int(match.group(1))
    return None


class DiskFull(RuntimeError):
    """Writing `path` failed for lack of space; the message says how much was needed and is free."""

    def __init__(self, path: Path | str, needed: int | None = None, what: str = "") -> None:
        self.path = str(path)
        self.needed = needed
        self.free = free_bytes(Path(path))
        need = f"it needed about {human(needed)} more" if needed else "it needed more space"
        super().__init__(
            f"{self.path}: the disk is full: {need}, and {human(self.free)} is free on that "
            f"filesystem. {what + ' ' if what else ''}Free some space there (or point "
            "MEDIAWATCH_WAREHOUSE at a bigger disk) and rerun the same command."
        )
