"""Child processes that never outlive their parent (Linux).

Crawls run in child processes (a `scrapy` process per crawl invocation, extraction workers under
it). Each child asks the kernel for SIGKILL when the thread that started it dies (prctl
PR_SET_PDEATHSIG), so a SIGKILLed parent takes the whole chain down with it; the crawl process also
leads its own process group, so a parent that is told to stop (timeout, Airflow kill) ends it and
everything under it with one group kill.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "die_with_parent",
    "group_members",
    "holders_of",
    "kill_group",
    "pid_alive",
    "release_stale_lock",
]

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    # resolved in the parent, once: between fork and exec the child may only make the call itself
    # (find_library runs a subprocess, and loading a library takes locks another thread may hold)
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None  # not glibc Linux: the group kill still applies


_PRCTL = _load_prctl()


def _prctl_pdeathsig(sig: int) -> None:
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, sig, 0, 0, 0)


def die_with_parent(new_group: bool = False) -> Callable[[], None]:
    """A `preexec_fn` for subprocess.Popen: the child gets SIGKILL when its parent dies, and with
    `new_group` leads a process group of its own. Exits at once when the parent is already gone."""
    parent = os.getpid()

    def preexec() -> None:
        if new_group:
            os.setpgid(0, 0)
        _prctl_pdeathsig(signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (zombies count as dead)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def group_members(pgid: int) -> list[int]:
    """Pids of live processes in process group `pgid` (from /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def kill_group(pgid: int, grace_s: float = 2.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after `grace_s`."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + (grace_s if sig == signal.SIGTERM else 5.0)
        while time.monotonic() < deadline:
            if not group_members(pgid):
                return
            time.sleep(0.05)


def holders_of(path: Path) -> list[int]:
    """Pids of processes that have `path` open (scans /proc/*/fd; only our own user's are visible)."""
    target = os.path.realpath(path)
    holders = []
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == target:
                    holders.append(int(entry.name))
                    break
            except OSError:
                continue
    return holders


def release_stale_lock(path: Path) -> list[int]:
    """A lock whose recorded owner pid is dead but which is still held can only be held by a
    leftover child of that owner (it inherited the descriptor): SIGKILL those holders and return
    their pids. Returns [] (and kills nothing) when the recorded owner is alive or unknown."""
    try:
        owner = int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    if pid_alive(owner):
        return []
    stale = [pid for pid in holders_of(path) if pid_alive(pid)]
    for pid in stale:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
    deadline = time.monotonic() + 5
    while any(pid_alive(p) for p in stale) and time.monotonic() < deadline:
        time.sleep(0.05)
    return stale
