"""Extraction worker process (started by `mediawatch.extract_pool.ExtractionPool`, never by hand).

Reads `(build_staged_page kwargs, content_type)` frames on stdin, answers `("ok", StagedPage)` or
`("error", reason)` on its private copy of stdout. Anything the libraries print goes to stderr, so
it cannot corrupt the frames. The address space is capped at MEDIAWATCH_WORKER_MEMORY_MB (RLIMIT_AS)
once the imports are done: a page that needs more raises MemoryError here and is recorded as
`extract_memory` instead of swelling the crawl.
"""

from __future__ import annotations

import gc
import logging
import os
import resource
import signal
import socket
import struct
import sys
from typing import Any

from mediawatch.extract_pool import read_frame, worker_pipes, write_frame
from mediawatch.procs import die_with_parent

_WARM_UP = (
    "<html lang=en><head><title>Warm up</title><meta name=author content='Jane Doe'></head><body>"
    "<article><h1>Warm up</h1><time datetime='2025-01-01T08:00:00Z'>1 Jan</time>"
    + "<p>The worker reads this paragraph once so that every model is loaded before real pages."
    " It says nothing else of note, and it is never staged.</p>" * 8
    + "</article></body></html>"
)


def _cap_memory() -> None:
    limit_mb = int(os.environ.get("MEDIAWATCH_WORKER_MEMORY_MB") or 0)
    if limit_mb <= 0:
        return
    limit = limit_mb * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _language_model(cache_dir: str) -> None:
    """Load py3langid's model from an uncompressed copy under `cache_dir` (made on first use).

    The shipped model is LZMA-compressed: decompressing it cost each worker 0.6 of the 0.9 CPU s
    its loading takes, on every crawl; the copy loads in 0.15 s. The arrays are the shipped
    model's, so every classification is the same. Any problem: py3langid loads its own file."""
    log = logging.getLogger(__name__)
    import io
    import lzma
    import tempfile
    from pathlib import Path

    import numpy as np
    from py3langid import __version__ as langid_version
    from py3langid import langid, modelio

    shipped = langid.MODEL_DIR / langid.MODEL_FILE
    stat = shipped.stat()
    copy = Path(cache_dir) / f"py3langid-{langid_version}-{stat.st_size}-{stat.st_mtime_ns}.npz"
    if copy.exists():
        source: Any = copy
    else:  # the first worker: decompress once, keep the copy, and load from memory (no extra cost)
        with lzma.open(shipped) as compressed:
            source = io.BytesIO(compressed.read())
        copy.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=copy.parent, prefix=copy.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as target:
                target.write(source.getbuffer())
            os.replace(tmp, copy)  # a concurrent worker may have made it too: the same bytes
        except OSError as exc:
            log.warning("cannot keep the language model copy %s (%s)", copy, exc)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    with np.load(source, allow_pickle=False) as data:  # modelio.load_model's reading, minus LZMA
        identifier = langid.LanguageIdentifier(
            np.asarray(data["ptc"]), np.asarray(data["pc"]), data["classes"].tolist(),
            modelio._to_array(data["nextmove"]), data["out_feat"].tolist(),
            tk_row=modelio._to_array(data["nextmove_row"]),
        )
    langid.IDENTIFIER = identifier


def _prepare() -> None:
    """Imports, the language model and the lazy models: everything before the first real page."""
    cache_dir = os.environ.get("MEDIAWATCH_MODEL_CACHE")
    if cache_dir:
        try:
            _language_model(cache_dir)
        except Exception as exc:  # noqa: BLE001 - only slower: py3langid loads its own copy
            logging.getLogger(__name__).warning("language model cache unusable (%r)", exc)
    from mediawatch.extract import extract_article

    # first calls load lazy models (language identification, date patterns): not a page's time
    extract_article(_WARM_UP, "http://warm.up/2025/01/01/warm-up-page-for-the-worker.html")
    import mediawatch.staging  # noqa: F401 - build_staged_page, decode_html


def _name(title: bytes) -> None:
    """The process name `ps`/`top` show (Linux; 15 bytes at most): workers and their zygote apart."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(15, title, 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def serve(recv_fd: int, send_fd: int) -> int:
    """The worker loop: say ready, then answer one frame per page until EOF."""
    from mediawatch.staging import build_staged_page, decode_html

    _cap_memory()
    write_frame(send_fd, ("ready", None))
    while True:
        job = read_frame(recv_fd)
        if job is None:
            return 0
        kwargs, content_type = job
        try:
            text = decode_html(kwargs["body"], content_type)
            page = build_staged_page(text=text, **kwargs)
            # extraction turns its own exceptions into an error code; a MemoryError is the budget
            if page.reason and page.reason.endswith("MemoryError"):
                answer: tuple[str, object] = ("error", "extract_memory")
            else:
                answer = ("ok", page)
        except MemoryError:
            answer = ("error", "extract_memory")
        except Exception as exc:  # noqa: BLE001 - recorded with its reason, the crawl goes on
            logging.getLogger(__name__).warning("extraction of %s raised %r", kwargs.get("url"), exc)
            answer = ("error", f"extraction:exception:{type(exc).__name__}")
        try:
            write_frame(send_fd, answer)
        except MemoryError:
            write_frame(send_fd, ("error", "extract_memory"))


def zygote(control: socket.socket, send_fd: int) -> int:
    """Fork ready workers on request (`extract_pool._Zygote`): one import and warm-up for every
    worker of a crawl, and for each one restarted after a timeout or crash.

    A request is one byte on `control` carrying two descriptors (the worker's job pipe to read and
    answer pipe to write); the reply is the worker's pid. A forked worker dies with the zygote,
    which dies with the crawl process. Workers are reaped here as they end (not auto-reaped with
    SIGCHLD ignored: their CPU time would then be missing from the crawl's resource usage), and
    at EOF the zygote waits for the last ones before it exits."""

    def reap(*_: object) -> None:
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass

    signal.signal(signal.SIGCHLD, reap)
    write_frame(send_fd, ("ready", None))
    die_with_zygote = die_with_parent()  # made here: it checks the child's parent is this pid
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(control, 1, 2)
        except OSError:
            message, fds = b"", []
        if not message or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                while True:
                    os.wait()
            except ChildProcessError:
                return 0
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                control.close()
                os.close(send_fd)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                die_with_zygote()
                _name(b"mw-extract")
                code = serve(fds[0], fds[1])
            except BaseException:  # noqa: BLE001 - a forked child never returns into the loop
                logging.getLogger(__name__).exception("forked extraction worker failed")
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        try:
            control.sendall(struct.pack("!i", pid))
        except OSError:
            pass  # the pool is gone: the next receive ends the loop


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when a worker ends
    # no nice(): the workers are the crawl's throughput. Niced, they got about a third of a core
    # each beside any ordinary process on a busy machine (while the single-core baseline they are
    # measured against runs at normal priority); the reactor needs ~10 % of a core and the
    # scheduler wakes it promptly without a priority of its own
    recv_fd, send_fd = worker_pipes()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    control_fd = os.environ.get("MEDIAWATCH_ZYGOTE_FD")
    _prepare()
    # the modules and models loaded so far live as long as the process: out of the cyclic
    # collector's way (0.28 -> 0.05-0.08 ms of collection per page), and in a forked worker the
    # collector no longer writes to (and so copies) the pages they share with the zygote
    gc.freeze()
    if control_fd:
        _name(b"mw-extract-zyg")
        return zygote(socket.socket(fileno=int(control_fd)), send_fd)
    _name(b"mw-extract")
    return serve(recv_fd, send_fd)


if __name__ == "__main__":
    sys.exit(main())
