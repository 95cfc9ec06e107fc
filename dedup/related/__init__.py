"""Related articles: TF-IDF cosine over normalized Arabic, one slot per story.

The stages, one module each, shared by every driver:

- :mod:`dedup.related.features`: the token rule and the term weighting (tf, idf, max_df,
  rare terms), for the scan's vocabulary and the index's hashed terms alike;
- :mod:`dedup.related.candidates`: the scan's candidate pairs (exact, or rare terms plus a
  low-rank estimate on large corpora);
- :mod:`dedup.related.select`: from scored candidates to lists (own story, story slot,
  time window, recency, minimum score, per-source cap or MMR, top ``k``).

:class:`RelatedIndex` (:mod:`dedup.related.tfidf`) arranges them over a corpus in memory;
:mod:`dedup.index.related` over a persistent index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dedup.related.tfidf import RelatedIndex

__all__ = ["RelatedIndex"]


def __getattr__(name: str) -> Any:
    # RelatedIndex is imported on first use: the index driver reads features and select
    # only, and should not load scikit-learn (the scan's doorway) with them.
    if name == "RelatedIndex":
        from dedup.related.tfidf import RelatedIndex

        return RelatedIndex
    raise AttributeError(f"module 'dedup.related' has no attribute {name!r}")
