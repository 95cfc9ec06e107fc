"""dedup: near-duplicate clusters and related articles for Arabic news.

>>> from dedup import Article, DedupConfig, RelatedConfig, scan
>>> text = "وصل وزير الخارجية إلى بغداد اليوم في زيارة رسمية تستمر يومين"
>>> report = scan([Article(id="1", text=text), Article(id="2", text="بغداد- " + text)],
...               config=DedupConfig(related=RelatedConfig(k=0)))
>>> [c.size for c in report.clusters]
[2]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dedup._version import __version__
from dedup.config import DedupConfig, RelatedConfig
from dedup.errors import (
    ConfigError,
    DedupError,
    IndexClosedError,
    IndexFormatError,
    IndexNotFoundError,
    InputError,
    OutputError,
)
from dedup.normalize import NormalizationOptions, normalize_text
from dedup.readers import FieldMap, read_corpus, read_many
from dedup.records import Article, Cluster, Member, Pair, Rejected, RelatedItem, ScanReport
from dedup.writers import write_report

if TYPE_CHECKING:
    from dedup.index.api import Index, Match
    from dedup.pipeline import scan
    from dedup.related import RelatedIndex

# Imported on first use: scikit-learn (related), the storage backends (index) and the
# scan's datasketch (whose import pulls in scipy.integrate: about 0.7 s) are not needed by
# every caller; a worker process (dedup.worker) only prepares texts.
_LAZY = {
    "Index": "dedup.index.api",
    "Match": "dedup.index.api",
    "RelatedIndex": "dedup.related",
    "scan": "dedup.pipeline",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dedup' has no attribute {name!r}")


__all__ = [
    "Article",
    "Cluster",
    "ConfigError",
    "DedupConfig",
    "DedupError",
    "FieldMap",
    "Index",
    "IndexClosedError",
    "IndexFormatError",
    "IndexNotFoundError",
    "InputError",
    "Match",
    "Member",
    "NormalizationOptions",
    "OutputError",
    "Pair",
    "Rejected",
    "RelatedConfig",
    "RelatedIndex",
    "RelatedItem",
    "ScanReport",
    "__version__",
    "normalize_text",
    "read_corpus",
    "read_many",
    "scan",
    "write_report",
]
