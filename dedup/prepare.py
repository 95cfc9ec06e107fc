"""Preparation: one article in, the text every later stage reads out.

The order, the same for every driver (the scan, the index):

1. **furniture**: page furniture stripped (:func:`dedup.furniture.strip_furniture`);
2. **normalize**: the body's lines normalized (:func:`dedup.normalize.normalize_lines`);
3. **boilerplate**: lines learned as recurring in a source dropped
   (:mod:`dedup.boilerplate`), by their positions (:func:`dropped_lines`);
4. **join**: the kept lines joined by one space (:func:`shingle_text`);
5. **admit**: a text too short to shingle is rejected (:func:`too_short`), never stored
   or clustered.

``published_at`` is parsed once, here (:func:`published_timestamp`).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["published_timestamp"]


def published_timestamp(value: str) -> float | None:
    """Seconds since the epoch of an ISO 8601 ``published_at``; None when empty or unreadable.

    Surrounding white space is ignored; a time without a zone is taken as UTC; ``Z`` is UTC.

    Examples
    --------
    >>> published_timestamp("1970-01-02T00:00:00Z"), published_timestamp(" 1970-01-02 ")
    (86400.0, 86400.0)
    >>> published_timestamp("الأحد 4 نونبر 2023") is None
    True
    """
    text = value.strip() if value else ""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
