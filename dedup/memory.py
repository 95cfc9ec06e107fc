"""Handing the memory a stage has freed back to the system.

numpy keeps arrays of up to a few megabytes on the C heap (glibc's ``malloc``), and glibc
hands a freed chunk back only at the top of its heap: the many small arrays a blocked stage
frees (the kept pairs of 15,625 blocks at a million articles) stay counted in the process's
resident memory, and the next large array comes on top of them. ``malloc_trim`` returns every
free page of every heap. Measured on the related candidate stage at 300k archive articles:
peak 3,111 → 2,496 MiB, the same pairs, no slower.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable

__all__ = ["release_free_memory"]


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` of this process (None elsewhere: macOS, Windows, musl)."""
    try:
        own_symbols = ctypes.CDLL(None)  # the process and its libc: no search, no subprocess
    except (OSError, TypeError):  # TypeError: Windows has no such handle
        return None
    trim = getattr(own_symbols, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system; whether the platform could.

    Examples
    --------
    >>> release_free_memory() in (True, False)
    True
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
