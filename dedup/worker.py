"""A worker process of :class:`dedup.parallel.WorkerPool`: ``python -m dedup.worker``.

Reads request frames ``{"task", "payload"}`` from stdin until it closes and writes one reply
frame per request to stdout: ``{"ok": result}``, or ``{"error", "traceback"}`` when the task
raised (the worker goes on; the pool raises the error in the caller).
"""

from __future__ import annotations

import sys
import traceback

from dedup.parallel import encode_frame, read_frame, run_task


def serve() -> None:
    """Answer requests until stdin closes."""
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the reply frames
    while (request := read_frame(requests)) is not None:
        try:
            reply = {"ok": run_task(request["task"], request["payload"])}
        except Exception as error:  # reported to the caller, which raises it
            failure = f"{type(error).__name__}: {error}"
            reply = {"error": failure, "traceback": traceback.format_exc()}
        replies.write(encode_frame(reply))
        replies.flush()


if __name__ == "__main__":
    serve()
