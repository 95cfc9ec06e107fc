"""Exceptions raised by dedup.

The family::

    DedupError                 anything dedup raises on purpose
    ├── ConfigError(ValueError)  a parameter is invalid; says which and how to fix it
    ├── InputError(ValueError)   a whole input cannot be used (missing file, no text field,
    │                            an index location that is a folder or an unknown URL scheme)
    ├── OutputError(OSError)     an output folder cannot be written; checked before the work
    ├── IndexFormatError         a persisted index of another format version, or no index
    ├── IndexNotFoundError       no index at the location (opened with ``create=False``)
    ├── IndexClosedError         an operation on an :class:`~dedup.index.api.Index` after close
    └── EngineError              the distributed engine is not installed, cannot be reached,
                                 or lost its workers

One bad *record* is never an exception: it becomes a :class:`dedup.records.Rejected`
and the run goes on.
"""

from __future__ import annotations


class DedupError(Exception):
    """Base class of every error dedup raises on purpose."""


class ConfigError(DedupError, ValueError):
    """A configuration value is invalid."""


class InputError(DedupError, ValueError):
    """A whole input cannot be used; the message says how to fix it."""


class IndexFormatError(DedupError):
    """A persisted index was written by an incompatible version or is damaged."""


class IndexNotFoundError(DedupError):
    """No index at the location, and the caller asked not to create one."""


class IndexClosedError(DedupError):
    """An index was used after it was closed."""


class OutputError(DedupError, OSError):
    """An output folder cannot be written (checked before any article is read)."""


class EngineError(DedupError):
    """The distributed engine (``engine="dask"``) cannot run; the message says how to fix it."""
