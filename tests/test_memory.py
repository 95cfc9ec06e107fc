"""Freed memory handed back to the system (dedup.memory)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from dedup.memory import _malloc_trim, release_free_memory

# A fresh process holds many small arrays (on the C heap, as a blocked stage's pieces), keeps
# one in eight and frees the rest: the freed pages sit between kept ones, where free() cannot
# give them back. Prints resident MiB after the free and after release_free_memory().
_FRAGMENTED_HEAP = textwrap.dedent(
    """
    import numpy as np
    from dedup.memory import release_free_memory

    def resident_mib():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096 / 2**20

    pieces = [np.ones(1024) for _ in range(40_000)]  # 8 KB each, 320 MB in all
    kept = pieces[::8]
    del pieces
    freed = resident_mib()
    released = release_free_memory()
    print(freed, resident_mib(), released, len(kept))
    """
)


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or _malloc_trim() is None,
    reason="malloc_trim is glibc's (Linux); elsewhere release_free_memory does nothing",
)
def test_the_pages_freed_between_kept_arrays_leave_the_process() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _FRAGMENTED_HEAP], capture_output=True, text=True, check=True
    )
    freed, released, done, kept = result.stdout.split()
    assert done == "True"
    assert kept == "5000"
    # 280 MB were freed between the 40 MB kept: most of it must leave the resident set.
    assert float(freed) - float(released) > 150


def test_release_says_whether_the_platform_could() -> None:
    assert release_free_memory() is (_malloc_trim() is not None)
