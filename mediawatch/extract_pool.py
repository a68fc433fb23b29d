"""Extraction off the crawl's reactor thread: a small pool of worker processes, one page at a time
each, with a hard time and memory budget per page.

Process model (one crawl process):

    scrapy reactor thread --submit(job)--> queue --> dispatcher thread i --pipe--> worker process i
         ^                                                   |
         +------ callback(StagedPage), from that thread <----+   (i = 1..workers, default: cores)

- A worker (`python -m mediawatch.extract_worker`) imports extraction once and then runs
  `build_staged_page` for each job it is sent; it sets RLIMIT_AS to the memory bound, and dies with
  its dispatcher (PR_SET_PDEATHSIG), so no worker outlives the crawl.
- A dispatcher thread sends one job, waits at most `timeout_s` for the answer, and calls back with
  the staged page. Past the limit it SIGKILLs the worker, calls back with the page recorded as
  `failed` / `extract_timeout`, and starts a fresh worker; the crawl goes on.
- A worker that dies mid-page (segfault, OOM kill, `kill -9`) costs a retry of that page on a fresh
  worker; a page that kills `MAX_ATTEMPTS` workers is recorded as `extract_crashed`. A MemoryError
  under the bound is recorded as `extract_memory`. Every outcome is a staged page: none is lost.
- Results come back in completion order; the spider's pipelines (dedupe, stage, stats) run on the
  reactor thread as each page returns, so the staging writer still has one writer.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import queue
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mediawatch.procs import die_with_parent
from mediawatch.records import FAILED, StagedPage

__all__ = [
    "ExtractJob", "ExtractionPool", "FramedProcess", "end_prestarted", "failed_page", "prestart",
    "prestart_from_env",
    "read_frame", "worker_pipes", "write_frame",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # a page that kills this many workers is recorded, not retried forever
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_MB = 1536
STARTUP_TIMEOUT_S = 120.0  # imports on a loaded 2-core machine
_HEADER = struct.Struct("!Q")


def frame(obj: Any) -> bytes:
    """One pickled object, length-prefixed: what `write_frame` sends."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_frame(fd: int, obj: Any) -> None:
    """Send one pickled object, length-prefixed, over a pipe."""
    _write_all(fd, frame(obj))


PIPE_BYTES = 1 << 20  # a worker's input pipe: room for one typical page (180 KB) sent ahead


def _pipe_room(fd: int) -> int:
    """Bytes a write to this pipe can take without blocking (0 when unknown: not Linux)."""
    import fcntl
    import termios

    try:
        size = fcntl.fcntl(fd, 1032)  # F_GETPIPE_SZ
        queued = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    except OSError:
        return 0
    return max(0, size - queued)


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks, left = [], size
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None  # EOF: the other side died
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None) -> Any:
    """Receive one object; None on EOF, TimeoutError past `deadline` (time.monotonic())."""
    header = _read_exact(fd, _HEADER.size, deadline)
    if header is None:
        return None
    data = _read_exact(fd, _HEADER.unpack(header)[0], deadline)
    return None if data is None else pickle.loads(data)


@dataclass
class ExtractJob:
    """One fetched page to stage: the keyword arguments of `staging.build_staged_page`, minus `text`
    (the worker decodes), plus the response's content type."""

    kwargs: dict[str, Any]
    content_type: str | None
    attempts: int = 0
    submitted: float = field(default_factory=time.monotonic)


def failed_page(job: ExtractJob, reason: str) -> StagedPage:
    """The staged record of a page whose extraction did not finish (timeout, crash, memory)."""
    kw = job.kwargs
    body: bytes = kw["body"]
    return StagedPage(
        run_id=kw["run_id"],
        source=kw["source"].name,
        url=kw["url"],
        fetched_at=kw["fetched_at"],
        kind=FAILED,
        reason=reason,
        status=kw.get("status"),
        final_url=kw.get("final_url") or kw["url"],
        content_hash=hashlib.sha256(body).hexdigest(),
        etag=kw.get("etag"),
        last_modified=kw.get("last_modified"),
        lastmod=kw.get("lastmod"),
        warc_file=kw.get("warc_file"),
        warc_record_id=kw.get("warc_record_id"),
        bytes=len(body),
    )


class FramedProcess:
    """A child `python -m <module>` that reads and writes frames on its stdin/stdout and dies with
    its parent (the extraction workers here, the load's analysis workers). The child calls
    `worker_pipes()` first."""

    def __init__(
        self, module: str, env: dict[str, str] | None = None, pass_fds: tuple[int, ...] = ()
    ) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            pass_fds=pass_fds,
            preexec_fn=die_with_parent(),  # noqa: PLW1509 - only prctl and getppid, no locks
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.send_fd = self.proc.stdin.fileno()
        self.recv_fd = self.proc.stdout.fileno()

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._close_pipes()

    def close(self, timeout_s: float = 5.0) -> None:
        """End of input: the child's loop sees EOF and exits; killed if it has not within the time."""
        self._close_pipes()
        try:
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()


def worker_pipes() -> tuple[int, int]:
    """In a FramedProcess child: (receive fd, send fd). The send side is a private copy of stdout,
    and stdout itself now goes to stderr, so whatever the libraries print cannot corrupt a frame."""
    send_fd = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return sys.stdin.fileno(), send_fd


def _worker_env(memory_mb: int, model_cache: str | None) -> dict[str, str]:
    # one thread per worker: the pool already uses every core, and OpenBLAS (under language
    # identification) would otherwise reserve a buffer per core inside the memory cap
    return dict(
        os.environ,
        MEDIAWATCH_WORKER_MEMORY_MB=str(memory_mb),
        MEDIAWATCH_MODEL_CACHE=model_cache or "",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )


def _grow_pipe(fd: int) -> None:
    """Linux: room for a page to wait in a worker's input pipe behind the one being extracted."""
    try:
        import fcntl

        fcntl.fcntl(fd, 1031, PIPE_BYTES)  # F_SETPIPE_SZ
    except OSError:
        pass


def _says_ready(fd: int, timeout_s: float) -> bool:
    """Wait for a worker's imports to finish (it says so): start-up is not the page's time."""
    try:
        return read_frame(fd, time.monotonic() + timeout_s) == ("ready", None)
    except (TimeoutError, OSError):
        return False


class _Worker(FramedProcess):
    """One extraction worker process of its own (`python -m mediawatch.extract_worker`)."""

    def __init__(self, memory_mb: int, model_cache: str | None = None) -> None:
        super().__init__("mediawatch.extract_worker", _worker_env(memory_mb, model_cache))
        _grow_pipe(self.send_fd)

    def ready(self, timeout_s: float = STARTUP_TIMEOUT_S) -> bool:
        return _says_ready(self.recv_fd, timeout_s)

    def exit_code(self, timeout_s: float) -> int | None:
        """Its exit code once it has exited (waiting up to `timeout_s`), else None."""
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None


class _ForkedWorker:
    """An extraction worker forked by the zygote: the same frames on its own pipes. It is the
    zygote's child, not ours, so it is signalled and watched through a pidfd (no pid reuse race)."""

    def __init__(self, pid: int, pidfd: int, send_fd: int, recv_fd: int) -> None:
        self.pid, self.pidfd, self.send_fd, self.recv_fd = pid, pidfd, send_fd, recv_fd
        self._closed = False

    def ready(self, timeout_s: float = STARTUP_TIMEOUT_S) -> bool:
        return _says_ready(self.recv_fd, timeout_s)

    def exit_code(self, timeout_s: float) -> int | None:
        """None: the zygote reaps it, so its code is not ours to read (waits up to `timeout_s`)."""
        if not self._closed:
            select.select([self.pidfd], [], [], timeout_s)
        return None

    def kill(self) -> None:
        if self._closed:
            return
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except ProcessLookupError:
            pass
        select.select([self.pidfd], [], [], 5.0)  # readable once it has exited
        self._closed = True
        for fd in (self.send_fd, self.recv_fd, self.pidfd):
            try:
                os.close(fd)
            except OSError:
                pass


class _Zygote(FramedProcess):
    """A worker process that imports and warms up once, then forks ready workers on request
    (see `extract_worker.zygote`): a crawl's second worker, and every worker restarted after a
    timeout or a crash, starts in milliseconds instead of the 0.8-1.6 CPU s of its own start-up."""

    def __init__(self, memory_mb: int, model_cache: str | None = None) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(_worker_env(memory_mb, model_cache), MEDIAWATCH_ZYGOTE_FD=str(theirs.fileno()))
        # started from a thread that lives until the zygote has exited: its death signal
        # (die_with_parent: PR_SET_PDEATHSIG) follows the thread that started it, and a dispatcher
        # thread ending first (as at the pool's close) killed it before it reaped its last workers
        self._released = threading.Event()
        started = threading.Event()
        failed: list[BaseException] = []

        def keep() -> None:
            try:
                FramedProcess.__init__(self, "mediawatch.extract_worker", env, pass_fds=(theirs.fileno(),))
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                failed.append(exc)
                return
            finally:
                started.set()
            self._released.wait()

        keeper = threading.Thread(target=keep, name="mw-zygote-keeper", daemon=True)
        try:
            keeper.start()
            started.wait()
        finally:
            theirs.close()
        if failed:
            ours.close()
            raise failed[0]
        self.control = ours
        self.lock = threading.Lock()

    def ready(self, timeout_s: float = STARTUP_TIMEOUT_S) -> bool:
        return _says_ready(self.recv_fd, timeout_s)

    def fork(self, timeout_s: float = STARTUP_TIMEOUT_S) -> _ForkedWorker | None:
        """A new worker (None when the zygote cannot make one: dead, or no pidfd here)."""
        job_read, job_write = os.pipe()
        answer_read, answer_write = os.pipe()
        _grow_pipe(job_write)
        reply = b""
        try:
            with self.lock:
                self.control.settimeout(timeout_s)
                socket.send_fds(self.control, [b"F"], [job_read, answer_write])
                while len(reply) < 4:
                    chunk = self.control.recv(4 - len(reply))
                    if not chunk:
                        break
                    reply += chunk
        except OSError as exc:
            log.warning("the extraction zygote did not fork a worker (%s)", exc)
        finally:
            os.close(job_read)
            os.close(answer_write)
        pidfd = -1
        if len(reply) == 4:
            try:
                pidfd = os.pidfd_open(struct.unpack("!i", reply)[0])
            except (OSError, AttributeError):
                pidfd = -1
        if pidfd < 0:
            os.close(job_write)
            os.close(answer_read)
            return None
        return _ForkedWorker(struct.unpack("!i", reply)[0], pidfd, job_write, answer_read)

    def kill(self) -> None:
        self.control.close()
        super().kill()
        self._released.set()

    def close(self, timeout_s: float = 5.0) -> None:
        """End of requests: the zygote reaps its last workers (so their CPU time is counted in
        the crawl's resource usage) and exits; killed if it has not within the time."""
        self.control.close()
        super().close(timeout_s)
        self._released.set()


@dataclass
class _Ahead:
    """A page taken from the queue to run next on one dispatcher's worker; `worker` is the worker
    whose pipe already holds it (None: not sent yet)."""

    entry: tuple[ExtractJob, Callable[[StagedPage], None]]
    worker: _AnyWorker | None = None


_AnyWorker = _Worker | _ForkedWorker


# zygotes started before their pool exists (`prestart`), by (memory_mb, model_cache)
_EARLY: dict[tuple[int, str | None], _Zygote] = {}
_EARLY_LOCK = threading.Lock()
PRESTART_ENV = "MEDIAWATCH_EXTRACT_PRESTART"  # set by mediawatch.crawl: "<memory MB>:<cache dir>"


def prestart(memory_mb: int = DEFAULT_MEMORY_MB, model_cache: str | None = None) -> None:
    """Start the extraction zygote now, for the pool this process makes later (with the same
    memory bound and model cache; any other pool starts its own). Its imports and warm-up then run
    beside the caller's own start-up (Scrapy's: 1-2 s) instead of after the first page arrives.
    An unused one is ended at exit (and dies with this process anyway)."""
    with _EARLY_LOCK:
        key = _early_key(memory_mb, model_cache)
        if key not in _EARLY and hasattr(os, "pidfd_open"):
            _EARLY[key] = _Zygote(memory_mb, model_cache)
            if len(_EARLY) == 1:
                import atexit

                atexit.register(end_prestarted)


def prestart_from_env() -> None:
    """`prestart` as the crawl's parent asked (`PRESTART_ENV`), if it did; never raises."""
    value = os.environ.pop(PRESTART_ENV, "")
    memory, _, cache = value.partition(":")
    if not value:
        return
    try:
        prestart(int(memory), cache or None)
    except (OSError, ValueError) as exc:
        log.warning("extraction zygote not started early (%s)", exc)


def _early_key(memory_mb: int, model_cache: str | None) -> tuple[int, str | None]:
    return memory_mb, os.path.realpath(model_cache) if model_cache else None


def _adopt_early(memory_mb: int, model_cache: str | None) -> _Zygote | None:
    with _EARLY_LOCK:
        return _EARLY.pop(_early_key(memory_mb, model_cache), None)


def end_prestarted() -> None:
    """End the zygotes `prestart` started that no pool took (also run at exit)."""
    with _EARLY_LOCK:
        zygotes = list(_EARLY.values())
        _EARLY.clear()
    for zygote in zygotes:
        zygote.kill()


class ExtractionPool:
    """`workers` extraction processes fed by `submit`; see the module docstring for the model."""

    def __init__(
        self,
        workers: int | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_mb: int = DEFAULT_MEMORY_MB,
        on_event: Callable[[str], None] | None = None,
        model_cache: str | None = None,
        fork_workers: bool = True,
    ) -> None:
        """`model_cache`: a folder where workers keep an uncompressed copy of the language model
        (0.75 CPU s less per worker start; see extract_worker). `fork_workers`: workers are forked
        from one warmed-up zygote process (Linux; else, or when it fails, each starts its own)."""
        self.size = max(1, workers or len(os.sched_getaffinity(0)))
        self.fork_workers = fork_workers and hasattr(os, "pidfd_open")
        self._zygote: _Zygote | None = None
        self._zygote_starts = 0
        self._zygote_lock = threading.Lock()
        self.model_cache = model_cache
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.on_event = on_event or (lambda kind: None)
        self._jobs: queue.Queue[tuple[ExtractJob, Callable[[StagedPage], None]] | None] = (
            queue.Queue()
        )
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._dispatch, name=f"extract-{i}", daemon=True)
            for i in range(self.size)
        ]
        for thread in self._threads:
            thread.start()

    def _count(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
        self.on_event(kind)

    def submit(self, job: ExtractJob, done: Callable[[StagedPage], None]) -> None:
        """Queue a page; `done(page)` is called once, from a dispatcher thread."""
        self._jobs.put((job, done))

    def close(self) -> None:
        """Finish queued pages, then stop the workers."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
        with self._zygote_lock:
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None

    def _dispatch(self) -> None:
        # started on the first page, not before: a crawl with nothing new never pays for workers
        worker: _AnyWorker | None = None
        # the next page, once written to `worker`'s pipe behind the page it is extracting: the
        # worker starts it the moment it answers, instead of waiting for this thread to wake (and
        # take the GIL from the reactor thread) to send it; idle 3-9 % of its time before
        ahead: _Ahead | None = None
        try:
            while True:
                if ahead is not None:
                    entry, sent = ahead.entry, worker is not None and ahead.worker is worker
                    ahead = None
                else:
                    entry, sent = self._jobs.get(), False
                if entry is None:
                    return
                job, done = entry
                while True:
                    if worker is None:
                        worker, sent = self._start_worker(), False
                    if worker is None:  # workers cannot even start: say so on every page
                        page = failed_page(job, "extract_worker_failed")
                        self._count("extract_worker_failed")
                        break
                    page, worker, ahead = self._run_one(worker, job, sent, ahead)
                    if page is not None:
                        break
                    sent = False
                try:
                    done(page)
                except Exception:  # noqa: BLE001 - a callback bug must not stop the dispatcher
                    log.exception("extraction callback failed for %s", job.kwargs.get("url"))
        finally:
            if ahead is not None:  # never lost: another dispatcher takes it
                self._jobs.put(ahead.entry)
            if worker is not None:
                worker.kill()

    def _send_ahead(self, worker: _AnyWorker, ahead: _Ahead | None) -> _Ahead | None:
        """Write the next page to `worker` behind its current one when the pipe has room (else it
        is sent after the answer, as before); never blocks, never takes a stop sentinel, and takes
        a page only when at least as many wait as there are dispatchers."""
        if ahead is None:
            # only from a backlog: a page an idle dispatcher would start now is left to it
            if self._jobs.qsize() < self.size:
                return None
            try:
                entry = self._jobs.get_nowait()
            except queue.Empty:
                return None
            if entry is None:  # close(): leave the sentinel for the dispatcher that meets it next
                self._jobs.put(None)
                return None
            ahead = _Ahead(entry)
        elif ahead.worker is worker:
            return ahead
        job = ahead.entry[0]
        data = frame((job.kwargs, job.content_type))
        if len(data) <= _pipe_room(worker.send_fd):
            _write_all(worker.send_fd, data)
            ahead.worker = worker
        else:
            ahead.worker = None
        return ahead

    def _start_worker(self) -> _AnyWorker | None:
        if self.fork_workers:
            forked = self._fork_worker()
            if forked is not None:
                return forked
        for _ in range(2):
            worker = _Worker(self.memory_mb, self.model_cache)
            if worker.ready():
                return worker
            log.error("an extraction worker did not start (exit %s)", worker.proc.poll())
            worker.kill()
        return None

    def _fork_worker(self) -> _ForkedWorker | None:
        """A worker forked from the zygote, started on first use (and once more if it dies);
        None when there is no working zygote: the caller starts a worker of its own."""
        with self._zygote_lock:  # the other dispatchers wait here for the zygote's start-up
            zygote = self._zygote
            if zygote is not None and zygote.proc.poll() is not None:
                log.warning("the extraction zygote exited (%s)", zygote.proc.returncode)
                zygote.kill()
                zygote = self._zygote = None
            if zygote is None and self._zygote_starts < 2:
                self._zygote_starts += 1
                if self._zygote_starts == 1:  # one started early for this pool, if any
                    zygote = _adopt_early(self.memory_mb, self.model_cache)
                    if zygote is not None:
                        log.info("extraction workers fork from the zygote started early")
                if zygote is None:
                    zygote = _Zygote(self.memory_mb, self.model_cache)
                if zygote.ready():
                    self._zygote = zygote
                else:
                    log.error("the extraction zygote did not start (exit %s)", zygote.proc.poll())
                    zygote.kill()
                    zygote = None
        if zygote is None:
            return None
        worker = zygote.fork()
        if worker is not None and worker.ready():
            return worker
        if worker is not None:
            worker.kill()
        log.warning("a worker forked by the extraction zygote did not start")
        return None

    def _run_one(
        self, worker: _AnyWorker, job: ExtractJob, sent: bool, ahead: _Ahead | None
    ) -> tuple[StagedPage | None, _AnyWorker | None, _Ahead | None]:
        """Run `job` on `worker` (already in its pipe when `sent`), sending the next page ahead:
        (page, worker still usable, page ahead), or (None, None, ...) to retry it. A page ahead of
        a killed or dead worker was never started: it is sent again, its attempts unchanged."""
        job.attempts += 1
        url = job.kwargs.get("url")
        try:
            deadline = time.monotonic() + self.timeout_s  # a page sent ahead starts about now
            if not sent:
                write_frame(worker.send_fd, (job.kwargs, job.content_type))
            ahead = self._send_ahead(worker, ahead)
            answer = read_frame(worker.recv_fd, deadline)
        except TimeoutError:
            worker.kill()
            self._count("extract_timeout")
            log.warning("extraction of %s took over %.1f s: recorded as extract_timeout", url,
                        self.timeout_s)
            return failed_page(job, "extract_timeout"), None, ahead
        except (BrokenPipeError, OSError):
            answer = None
        if answer is None:  # the worker died on this page
            code = worker.exit_code(5)
            worker.kill()
            self._count("worker_restarts")
            if job.attempts < MAX_ATTEMPTS:
                log.warning("extraction worker died (exit %s) on %s; retrying it", code, url)
                return None, None, ahead
            self._count("extract_crashed")
            log.warning("%s killed %d extraction workers: recorded as extract_crashed", url,
                        job.attempts)
            return failed_page(job, "extract_crashed"), None, ahead
        status, value = answer
        if status == "ok":
            return value, worker, ahead
        self._count(str(value))
        if value == "extract_memory":  # a worker that ran out of memory is not trusted again
            worker.kill()
            return failed_page(job, str(value)), None, ahead
        return failed_page(job, str(value)), worker, ahead
