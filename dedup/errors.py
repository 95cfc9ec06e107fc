"""Exceptions raised by dedup.

The family::

    DedupError                 anything dedup raises on purpose
    ├── ConfigError(ValueError)  a parameter is invalid; says which and how to fix it
    ├── InputError(ValueError)   a whole input cannot be used (missing file, no text field)
    ├── OutputError(OSError)     an output folder cannot be written; checked before the work
    └── IndexFormatError         a stored index of another format version, or damaged

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


class OutputError(DedupError, OSError):
    """An output folder cannot be written (checked before any article is read)."""
