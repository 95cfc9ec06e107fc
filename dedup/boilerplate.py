"""Stage "boilerplate": lines a source repeats across its articles, learned from the corpus.

Takes the normalized lines of each article with its source (the body left by
the "furniture" stage, :mod:`dedup.furniture`, split into lines and passed
through :func:`~dedup.normalize.normalize_text`) and gives, per article, the
lines that are not boilerplate. In the spirit of C4 / datatrove line
de-duplication, :class:`LineStatistics` leaves out of the shingles a normalized
line that occurs in many distinct articles of the same source. Its state is a
few small hashes per line, grown one article at a time, so a batch scan and an
incremental index share it; :func:`line_contexts` gives what one article adds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from dedup.errors import ConfigError, IndexFormatError

__all__ = ["LineStatistics", "line_contexts", "line_contributions"]


_STATS_VERSION: Final = 1
_MASK64: Final = (1 << 64) - 1
# A line's context in one article is the start of the article's longest other
# line, the main paragraph of the story. Copies of one story (a wire story run
# by many outlets, a text filed under two categories, an update) mostly share
# that paragraph and so count once; a footer or a disclaimer sits beside a
# different main paragraph in every article. 60 characters: a light edit
# further into the paragraph does not make a copy count as a new story. On
# saudinewsnet with the sources pooled as unknown, this keeps 17 of the 18
# wire-story lines that plain article counts marked as boilerplate (cabinet
# decisions, lists of names republished by 8 to 12 outlets) in the shingles.
_CONTEXT_CHARS: Final = 60
#: Default ``min_articles``. Measured on saudinewsnet (6,010 articles) and
#: ant-multisource-2018 (7,533), after strip_furniture, per source:
#:
#: ============  ==============================  ==============================
#: min_articles  saudinewsnet: lines / articles  ant-multisource: lines / articles
#: ============  ==============================  ==============================
#: 3             15 / 50                         81 / 187
#: 4             6 / 32                          24 / 93
#: 5             2 / 15                          13 / 66
#: 8             1 / 8                           1 / 8
#: ============  ==============================  ==============================
#:
#: At 4 every removed line is boilerplate or reused background: sign-offs
#: ("خدمة نيويورك تايمز", "وحدة التقارير الاقتصادية"), closing formulas, CNN
#: and BBC disclaimers and related-link titles, Sky News background
#: paragraphs reused across different stories. At 3, updates of one developing
#: story (France 24, Al Arabiya) start to lose their shared paragraphs; at 5
#: and above, weekly columns ("السطر الأخير", "إلى اللقاء") and the BBC links
#: are missed. With every source pooled as unknown (bar 8), one line in 8
#: articles goes in each corpus: "خدمة نيويورك تايمز", and a background
#: paragraph Sky News reused under 8 different Syria stories.
_DEFAULT_MIN_ARTICLES: Final = 4
# Default ``min_line_chars``: a shorter line ("تصريح") carries no template.
_DEFAULT_MIN_LINE_CHARS: Final = 10


def _key(source: str, line: str) -> str:
    # 8-byte blake2b keeps the persisted statistics small (16 hex characters
    # per distinct line); collisions at 2^-64 per pair are negligible.
    return hashlib.blake2b(f"{source}\x1f{line}".encode(), digest_size=8).hexdigest()


def _context(line: str) -> int:
    # 4 bytes: a context only has to differ from the few others of one line.
    digest = hashlib.blake2b(line[:_CONTEXT_CHARS].encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


def line_contributions(
    lines: Sequence[str], source: str, *, min_line_chars: int = _DEFAULT_MIN_LINE_CHARS
) -> dict[int, int]:
    """One article's context per line key, as :meth:`LineStatistics.add` would record it.

    In ascending key order; a key two lines share (a 64-bit collision) keeps the smaller
    context. An incremental index counts these per (key, context) so that removing an
    article undoes exactly what adding it did.

    Examples
    --------
    >>> found = line_contributions(["جميع الحقوق محفوظة", "ارتفع المؤشر العام للسوق"], "ina")
    >>> len(found), list(found) == sorted(found)
    (2, True)
    """
    contributions: dict[int, int] = {}
    for key, context in sorted(line_contexts(lines, source, min_line_chars=min_line_chars)):
        contributions.setdefault(key, context)
    return contributions


def line_contexts(
    lines: Sequence[str], source: str, *, min_line_chars: int = _DEFAULT_MIN_LINE_CHARS
) -> list[tuple[int, int]]:
    """What :meth:`LineStatistics.add` records for one article: (line key, context) pairs.

    One pair per distinct line of ``min_line_chars`` or more, in sorted line
    order. The key is the 64-bit integer whose 16 hex digits
    :meth:`LineStatistics.to_json` writes; the context is the 32-bit hash of
    the start of the article's longest other line. An incremental index counts
    contexts from these pairs without building a :class:`LineStatistics`.

    Examples
    --------
    >>> pairs = line_contexts(["جميع الحقوق محفوظة", "ارتفع المؤشر العام للسوق"], "ina")
    >>> len(pairs), all(0 <= key < 2**64 and 0 <= context < 2**32 for key, context in pairs)
    (2, True)
    """
    distinct = sorted({line for line in lines if len(line) >= min_line_chars})
    if not distinct:
        return []
    # The two longest lines (ties broken by text, so the result does not
    # depend on line order): a line's context is the longest line other
    # than itself. max() keeps the first of equals, in sorted order the smallest.
    main = max(distinct, key=len)
    second = max((line for line in distinct if line is not main), key=len, default="")
    main_context, second_context = _context(main), _context(second)
    # The key hashes "source\x1fline" (as _key): the prefix is hashed once, then copied.
    prefix = hashlib.blake2b(f"{source}\x1f".encode(), digest_size=8)
    pairs = []
    for line in distinct:
        hasher = prefix.copy()
        hasher.update(line.encode())
        context = second_context if line == main else main_context
        pairs.append((int.from_bytes(hasher.digest(), "big"), context))
    return pairs


class LineStatistics:
    """Per (source, normalized line) number of distinct articles containing it.

    A line that recurs in ``min_articles`` distinct articles of one source is
    boilerplate of that source (a sign-off, a disclaimer, a contact line, a
    background paragraph reused under different stories). Counting *per
    source* keeps a wire story that several different outlets republish from
    ever becoming boilerplate. Articles with an unknown source (``""``) are
    pooled, with a bar twice as high, since that pool mixes outlets.

    Copies of one story count once: each occurrence is recorded with its
    context, the start of the article's longest other line (its main
    paragraph), and only distinct contexts count. So the same text filed twice,
    or a wire story in the unknown-source pool, does not add up.

    The state is, per 8-byte hash of (source, line), a capped list of 4-byte
    context hashes: it grows by :meth:`add`, one article at a time, for a batch
    scan and an incremental index alike, and round-trips through
    :meth:`to_json`.

    Parameters
    ----------
    min_articles
        Distinct articles of one source a line must occur in to be
        boilerplate. Default 4, measured on saudinewsnet and ant-multisource
        (see ``_DEFAULT_MIN_ARTICLES`` in the source).
    min_line_chars
        Shorter normalized lines are never counted nor filtered (a line such as
        ``"تصريح"`` carries no template).

    Examples
    --------
    >>> stats = LineStatistics(min_articles=2)
    >>> for story in ("ارتفع المؤشر العام للسوق", "تراجعت أسعار النفط اليوم"):
    ...     stats.add([story, "جميع الحقوق محفوظة"], source="ina")
    >>> stats.filter_lines(["هبط الذهب في التعاملات", "جميع الحقوق محفوظة"], source="ina")
    ['هبط الذهب في التعاملات']
    >>> stats.is_boilerplate("جميع الحقوق محفوظة", source="other")
    False
    """

    def __init__(
        self,
        *,
        min_articles: int = _DEFAULT_MIN_ARTICLES,
        min_line_chars: int = _DEFAULT_MIN_LINE_CHARS,
    ) -> None:
        if min_articles < 2:
            raise ConfigError(
                f"min_articles must be at least 2, got {min_articles}: a line seen in one "
                "article is that article's own text."
            )
        if min_line_chars < 1:
            raise ConfigError(f"min_line_chars must be at least 1, got {min_line_chars}.")
        self.min_articles = min_articles
        self.min_line_chars = min_line_chars
        self._contexts: dict[str, list[int]] = {}

    def __len__(self) -> int:
        """Number of distinct (source, line) pairs seen."""
        return len(self._contexts)

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[int, int],
        *,
        min_articles: int = _DEFAULT_MIN_ARTICLES,
        min_line_chars: int = _DEFAULT_MIN_LINE_CHARS,
    ) -> LineStatistics:
        """Statistics that answer :meth:`count` and :meth:`is_boilerplate` from counts.

        For a driver that keeps the number of distinct contexts per line key itself (the
        index stores them per context, so that removals can be undone): ``counts`` maps a
        line key (:func:`line_contexts`' key, taken modulo 2**64) to its number of distinct
        contexts. The contexts themselves are not known, so :meth:`add` must not follow.

        Examples
        --------
        >>> (key, _), = line_contexts(["جميع الحقوق محفوظة"], "ina")
        >>> stats = LineStatistics.from_counts({key: 4}, min_articles=4)
        >>> stats.is_boilerplate("جميع الحقوق محفوظة", "ina"), stats.count("جميع الحقوق محفوظة", "")
        (True, 0)
        """
        statistics = cls(min_articles=min_articles, min_line_chars=min_line_chars)
        cap = 2 * min_articles  # as add(): the highest bar
        statistics._contexts = {
            format(key & _MASK64, "016x"): list(range(min(n, cap)))
            for key, n in counts.items()
            if n > 0
        }
        return statistics

    def threshold(self, source: str) -> int:
        """Articles needed for a line of ``source`` to be boilerplate (twice as many for "")."""
        return self.min_articles if source else 2 * self.min_articles

    def add(self, lines: Sequence[str], source: str) -> None:
        """Count the lines of one article (already normalized), each distinct line once.

        Parameters
        ----------
        lines
            Normalized lines of ONE article (a list, not a single string).
        source
            The outlet; ``""`` when unknown.
        """
        if isinstance(lines, str):
            raise TypeError(
                "LineStatistics.add expects the lines of one article, got one string; "
                "use split_lines(text) and normalize each line."
            )
        self.add_contexts(line_contexts(lines, source, min_line_chars=self.min_line_chars))

    def add_contexts(self, contexts: Iterable[Sequence[int]]) -> None:
        """Count one article from its :func:`line_contexts` (computed elsewhere, say a worker).

        ``add(lines, source)`` is ``add_contexts(line_contexts(lines, source))`` with this
        object's ``min_line_chars``.
        """
        cap = 2 * self.min_articles  # the highest bar; more contexts change nothing
        for key, context in contexts:
            seen = self._contexts.setdefault(format(key, "016x"), [])
            if context not in seen and len(seen) < cap:
                seen.append(context)

    def merge(self, other: LineStatistics) -> LineStatistics:
        """Statistics of both corpora, as one :meth:`add` of every article would give them
        (for a driver that counts parts of a corpus apart, then reduces them).

        The result answers :meth:`count`, :meth:`recurring_keys` and :meth:`is_boilerplate`
        exactly as the whole corpus counted at once: each line keeps its distinct contexts
        up to the cap, and a union of capped lists reaches the cap exactly when the whole
        list would.

        Examples
        --------
        >>> first, second = LineStatistics(min_articles=2), LineStatistics(min_articles=2)
        >>> first.add(["ارتفع المؤشر العام للسوق", "جميع الحقوق محفوظة"], source="ina")
        >>> second.add(["تراجعت أسعار النفط اليوم", "جميع الحقوق محفوظة"], source="ina")
        >>> first.merge(second).is_boilerplate("جميع الحقوق محفوظة", source="ina")
        True
        """
        if (other.min_articles, other.min_line_chars) != (self.min_articles, self.min_line_chars):
            raise ConfigError(
                "LineStatistics.merge needs statistics counted with the same min_articles "
                "and min_line_chars"
            )
        cap = 2 * self.min_articles
        merged = LineStatistics(min_articles=self.min_articles, min_line_chars=self.min_line_chars)
        merged._contexts = {key: list(seen) for key, seen in self._contexts.items()}
        for key, seen in other._contexts.items():
            kept = merged._contexts.setdefault(key, [])
            for context in seen:
                if context not in kept and len(kept) < cap:
                    kept.append(context)
        return merged

    def count(self, line: str, source: str) -> int:
        """Distinct articles (copies of one story once) of ``source`` containing ``line``.

        Capped at twice ``min_articles``.
        """
        return len(self._contexts.get(_key(source, line), ()))

    def is_boilerplate(self, line: str, source: str) -> bool:
        """True when ``line`` recurs in enough distinct articles of ``source``."""
        if len(line) < self.min_line_chars:
            return False
        return self.count(line, source) >= self.threshold(source)

    def recurring_keys(self) -> set[int]:
        """Keys (as :func:`line_contexts` gives them) of the lines counted in ``min_articles``
        distinct articles or more: every boilerplate line's key is one (a line of an unknown
        source needs twice as many, see :meth:`threshold`).

        Examples
        --------
        >>> stats = LineStatistics(min_articles=2)
        >>> for story in ("ارتفع المؤشر العام للسوق", "تراجعت أسعار النفط اليوم"):
        ...     stats.add([story, "جميع الحقوق محفوظة"], source="ina")
        >>> [key for key, _ in line_contexts(["جميع الحقوق محفوظة"], "ina")] == [
        ...     *stats.recurring_keys()]
        True
        """
        return {
            int(key, 16) for key, seen in self._contexts.items() if len(seen) >= self.min_articles
        }

    def is_boilerplate_key(self, key: int, source: str) -> bool:
        """:meth:`is_boilerplate` of a line of ``min_line_chars`` or more given by its key.

        ``key`` is the line's :func:`line_contexts` key (for ``source``): a caller holding
        an article's contexts does not hash its lines again.

        Examples
        --------
        >>> stats = LineStatistics(min_articles=2)
        >>> for story in ("ارتفع المؤشر العام للسوق", "تراجعت أسعار النفط اليوم"):
        ...     stats.add([story, "جميع الحقوق محفوظة"], source="ina")
        >>> [stats.is_boilerplate_key(key, "ina") for key, _ in line_contexts(
        ...     ["جميع الحقوق محفوظة", "هبط الذهب في التعاملات"], "ina")]
        [True, False]
        """
        seen = self._contexts.get(format(key & _MASK64, "016x"), ())
        return len(seen) >= self.threshold(source)

    def filter_lines(self, lines: Sequence[str], source: str) -> list[str]:
        """The lines that are not boilerplate; all of them if none would be left.

        An article made only of recurring lines (a one-line notice repeated
        daily) keeps its text: an empty shingle set must never reach the
        clusterer.
        """
        if isinstance(lines, str):
            raise TypeError("LineStatistics.filter_lines expects a list of lines, got one string.")
        kept = [line for line in lines if not self.is_boilerplate(line, source)]
        return kept if kept else list(lines)

    def to_json(self) -> dict[str, object]:
        """Plain-JSON state; keys are 8-byte blake2b hashes of (source, line)."""
        return {
            "version": _STATS_VERSION,
            "min_articles": self.min_articles,
            "min_line_chars": self.min_line_chars,
            "context_chars": _CONTEXT_CHARS,
            "lines": {key: sorted(seen) for key, seen in sorted(self._contexts.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LineStatistics:
        """Rebuild statistics written by :meth:`to_json`.

        Raises
        ------
        IndexFormatError
            When the data has another version or is damaged.
        """
        _check_version(data)
        min_articles, min_line_chars, lines = _stored_fields(data)
        stats = cls(min_articles=min_articles, min_line_chars=min_line_chars)
        stats._contexts = {str(k): [int(c) for c in v] for k, v in lines.items()}
        return stats


def _check_version(data: dict[str, object]) -> None:
    if data.get("version") != _STATS_VERSION or data.get("context_chars") != _CONTEXT_CHARS:
        raise IndexFormatError(
            f"line statistics version {data.get('version')!r} is not supported "
            f"(expected {_STATS_VERSION}); rebuild them with a fresh scan."
        )


def _stored_fields(data: dict[str, object]) -> tuple[int, int, dict[Any, list[Any]]]:
    """``min_articles``, ``min_line_chars`` and ``lines`` of stored statistics, type-checked."""
    missing = [f for f in ("min_articles", "min_line_chars", "lines") if f not in data]
    if missing:
        raise IndexFormatError(
            f"line statistics lack the field {missing[0]!r}; present: {sorted(data)}."
        )
    min_articles, min_line_chars, lines = (
        data["min_articles"],
        data["min_line_chars"],
        data["lines"],
    )
    if not (
        isinstance(min_articles, int)
        and isinstance(min_line_chars, int)
        and isinstance(lines, dict)
        and all(isinstance(v, list) for v in lines.values())
    ):
        raise IndexFormatError("line statistics are damaged: a field has the wrong type.")
    return min_articles, min_line_chars, lines
