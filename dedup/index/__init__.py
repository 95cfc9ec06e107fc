"""The persistent driver: an incremental index of articles in SQLite or Redis.

:class:`~dedup.index.api.Index` runs the scan's stages on each batch against everything
stored before; :mod:`dedup.index.store` holds the backends.
"""

from __future__ import annotations

from dedup.index.api import Index, IndexStats, Match

__all__ = ["Index", "IndexStats", "Match"]
