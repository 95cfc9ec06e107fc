"""A real Redis server for the tests that need one (imported as a pytest fixture module).

``redis_url`` (session scope) is, in order:

1. ``$DEDUP_TEST_REDIS_URL`` when set (``.ci/run`` starts a server and sets it);
2. a ``redis-server`` started here on a free port bound to 127.0.0.1, without persistence,
   stopped at the end of the session.

When neither is possible the Redis tests are SKIPPED with the reason and how to get a
server, except when the environment variable ``CI`` is set (any value, as CI services set
it; ``.ci/run`` provides a server): there they FAIL, so that a missing backend is never
passed over silently where the real server must be tested.

``redis_index`` gives each test its own index name and deletes its keys afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

__all__ = ["private_redis_server", "redis_index", "redis_url"]

_START_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _no_redis(reason: str) -> None:
    message = (
        f"{reason}. The Redis backend tests need a server: set DEDUP_TEST_REDIS_URL="
        "redis://127.0.0.1:PORT/0 (as .ci/run does) or install redis-server "
        "(apt-get install redis-server)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{message}. CI is set, so they fail instead of being skipped.", pytrace=False)
    pytest.skip(f"{message}. Skipped (they fail when CI is set).")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a running Redis server (see the module docstring)."""
    try:
        import redis  # noqa: F401  # the client is a dependency of dedup; check it is there
    except ImportError:
        _no_redis("the redis Python package is not installed (pip install 'redis>=5')")
    url = os.environ.get("DEDUP_TEST_REDIS_URL")
    if url:
        yield url
        return
    if shutil.which("redis-server") is None:
        _no_redis("DEDUP_TEST_REDIS_URL is not set and no redis-server is on PATH")
    with private_redis_server() as (url, _):
        yield url


@contextlib.contextmanager
def private_redis_server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``(url, process)`` of a redis-server of this test alone on 127.0.0.1, stopped at exit.

    For tests that stop, pause or kill the server; the others share ``redis_url``.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        _no_redis("no redis-server is on PATH to start a private one")
        raise AssertionError("unreachable")  # _no_redis skips or fails
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + _START_SECONDS
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                _no_redis(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)  # a paused server cannot act on SIGTERM
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def redis_index(redis_url: str) -> Iterator[tuple[str, str]]:
    """``(url, name)`` of a fresh index; its keys are deleted after the test."""
    import redis

    name = "test-" + uuid.uuid4().hex[:12]
    yield redis_url, name
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"dedup:{{{name}}}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    finally:
        client.close()
