"""Both cores: a stage's chunks computed by fresh worker processes, results in input order.

A :class:`WorkerPool` of ``jobs`` runs ``jobs - 1`` workers, each a new interpreter started
as ``python -m dedup.worker``, and computes chunks in the calling process too, so that
``jobs=1`` is the plain in-process path. Workers are new processes rather than forks or
``multiprocessing`` children on purpose:

- nothing of the caller is copied: no SQLite connection, Redis client or lock held by a
  forked child (the index runs inside long-lived ingest jobs);
- the caller's ``__main__`` is never imported again (``multiprocessing``'s spawn and
  forkserver start methods re-run an unguarded script);
- no pickles: requests and replies are JSON frames on the worker's stdin and stdout.

A task is a function of one JSON payload to a JSON value, registered in ``TASKS`` by name
(the worker imports the module named there). Chunks are handed out in order to whichever
process is free, and every result is stored at its chunk's position, so the output is the
same for any ``jobs``: the task's result must not depend on which process computes it (the
tests compare every task's local and worker results).

Python's threads cannot share the furniture and normalization work (pure-Python string
code holds the GIL), hence processes; the threads here only wait on the workers' pipes.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from dedup.errors import ConfigError, DedupError

__all__ = ["TASKS", "Built", "WorkerPool", "chunked", "default_jobs", "run_task"]

#: Tasks a worker can run: name -> "module:function". The function takes one JSON payload
#: and returns a JSON value (lists, dicts with string keys, str, int, float, bool, None).
TASKS: dict[str, str] = {
    "prepare": "dedup.prepare:prepare_chunk",
    "relations": "dedup.verify:relation_chunk",
    "sketch": "dedup.pipeline:sketch_chunk",
    "stem": "dedup.related.features:stem_chunk",
}

_HEADER = struct.Struct(">Q")  # the byte length of the JSON frame that follows


def default_jobs() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows: no affinity call
        return max(1, os.cpu_count() or 1)


def run_task(task: str, payload: Any) -> Any:
    """Run a registered task in this process (what a worker does with a request)."""
    if task not in TASKS:
        raise ConfigError(f"unknown worker task {task!r}; known: {', '.join(sorted(TASKS))}")
    module_name, function_name = TASKS[task].split(":")
    function: Callable[[Any], Any] = getattr(importlib.import_module(module_name), function_name)
    return function(payload)


def encode_frame(value: Any) -> bytes:
    """One frame: an 8-byte length and UTF-8 JSON.

    ``surrogatepass`` carries the lone surrogates the readers keep for undecodable bytes
    (``surrogateescape``) through the pipe unchanged.
    """
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )
    return _HEADER.pack(len(body)) + body


def read_frame(stream: IO[bytes]) -> Any | None:
    """The next frame's value; None at the end of the stream."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (length,) = _HEADER.unpack(header)
    body = stream.read(length)
    if len(body) < length:
        return None
    return json.loads(body.decode("utf-8", "surrogatepass"))


class _Worker:
    """One worker process and its pipes (used by one feeding thread at a time)."""

    def __init__(self) -> None:
        # The folder holding the dedup package, so that a source checkout works unused.
        package_root = str(Path(__file__).resolve().parent.parent)
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            [package_root, *filter(None, [environment.get("PYTHONPATH")])]
        )
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  # closed by close()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dedup.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=environment,
        )
        # Popen with PIPE always sets both; typed here once.
        self._requests: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        self._replies: IO[bytes] = self.process.stdout  # type: ignore[assignment]

    def call(self, task: str, payload: Any) -> Any:
        try:
            self._requests.write(encode_frame({"task": task, "payload": payload}))
            self._requests.flush()
        except BrokenPipeError:
            raise self._died(task) from None
        reply = read_frame(self._replies)
        if reply is None:
            raise self._died(task)
        if "error" in reply:
            raise DedupError(
                f"a worker process failed in the {task!r} stage: {reply['error']}\n"
                f"{reply['traceback']}Rerun with jobs=1 (--jobs 1) to see it in this process."
            )
        return reply["ok"]

    def _died(self, task: str) -> DedupError:
        code = self.process.wait()
        self._stderr.seek(0)
        tail = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
        return DedupError(
            f"a worker process exited with code {code} in the {task!r} stage"
            + (f": {tail}" if tail else "")
            + ". It may have run out of memory: rerun with fewer jobs (--jobs 1 uses none)."
        )

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._requests.close()  # end of input: the worker exits
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._replies.close()
        self._stderr.close()


class WorkerPool:
    """``jobs - 1`` worker processes and the calling one, for one run.

    Parameters
    ----------
    jobs
        Processes computing chunks, the caller included; ``1`` starts no worker.

    Examples
    --------
    >>> with WorkerPool(1) as pool:
    ...     pages = pool.map("prepare", [{"config": {}, "texts": ["عاجل\\nخبر"], "sources": [""]}])
    >>> pages[0]["lines"]
    [['عاجل', 'خبر']]
    """

    def __init__(self, jobs: int) -> None:
        if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
            raise ConfigError(f"jobs must be a whole number >= 1, got {jobs!r}")
        self.jobs = jobs
        self._workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (they are started on the first :meth:`map` that needs them)."""
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.close()

    def map(
        self,
        task: str,
        payloads: Sequence[Any],
        *,
        done: Callable[[int], None] | None = None,
        convert: Callable[[Any], Any] | None = None,
    ) -> list[Any]:
        """``[run_task(task, p) for p in payloads]``, computed by the pool's processes.

        ``done(i)`` is called (from one thread at a time) as chunk ``i`` finishes;
        ``convert``, when given, turns each result as it comes (a reply's JSON into arrays,
        so that the replies of a whole corpus are never held at once).
        """
        results: list[Any] = [None] * len(payloads)
        chunks = _Chunks(len(payloads), done, convert)
        helpers = [
            threading.Thread(
                target=chunks.drain, args=(results, task, payloads, worker.call), daemon=True
            )
            for worker in self._started(min(self.jobs, len(payloads)) - 1)
        ]
        for helper in helpers:
            helper.start()
        chunks.drain(results, task, payloads, run_task)
        for helper in helpers:
            helper.join()
        chunks.raise_first_error()
        return results

    def _started(self, count: int) -> list[_Worker]:
        while len(self._workers) < count:
            self._workers.append(_Worker())
        return self._workers[:count]


class _Chunks:
    """The chunk counter the processes draw from, and the first error any of them met."""

    def __init__(
        self,
        total: int,
        done: Callable[[int], None] | None,
        convert: Callable[[Any], Any] | None = None,
    ) -> None:
        self._next = iter(range(total))
        self._lock = threading.Lock()
        self._done = done
        self._convert = convert
        self._errors: list[tuple[int, BaseException]] = []

    def _take(self) -> int | None:
        with self._lock:
            if self._errors:
                return None
            return next(self._next, None)

    def drain(
        self,
        results: list[Any],
        task: str,
        payloads: Sequence[Any],
        compute: Callable[[str, Any], Any],
    ) -> None:
        while (index := self._take()) is not None:
            try:
                result = compute(task, payloads[index])
                results[index] = result if self._convert is None else self._convert(result)
            except BaseException as error:  # re-raised by the caller's thread
                with self._lock:
                    self._errors.append((index, error))
                return
            if self._done is not None:
                with self._lock:
                    self._done(index)

    def raise_first_error(self) -> None:
        """The error of the earliest chunk that failed (the same one for any ``jobs``)."""
        if self._errors:
            raise min(self._errors, key=lambda failed: failed[0])[1]


def chunked(count: int, size: int) -> Iterator[range]:
    """Consecutive ranges of ``size`` (the last one shorter) covering ``range(count)``."""
    for start in range(0, count, size):
        yield range(start, min(start + size, count))


class Built(Sequence[Any]):
    """``count`` payloads, the i-th built by ``build(i)`` when a process takes it: a stage
    whose texts are on disk (:mod:`dedup.spill`) reads one chunk at a time, not all at once.

    Examples
    --------
    >>> squares = Built(3, lambda i: {"value": i * i})
    >>> len(squares), squares[2]
    (3, {'value': 4})
    """

    def __init__(self, count: int, build: Callable[[int], Any]) -> None:
        self._count, self._build = count, build

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, position: int) -> Any:  # type: ignore[override]
        if not 0 <= position < self._count:
            raise IndexError(f"payload {position} of {self._count}")
        return self._build(position)
