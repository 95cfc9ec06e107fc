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

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dedup.boilerplate import LineStatistics
from dedup.config import DedupConfig
from dedup.furniture import strip_furniture
from dedup.normalize import normalize_lines
from dedup.records import Article, Rejected

__all__ = [
    "PreparedPage",
    "PreparedTexts",
    "dropped_lines",
    "prepare_page",
    "prepare_texts",
    "published_timestamp",
    "shingle_text",
    "too_short",
]


# Articles prepared between two progress reports.
_PROGRESS_EVERY = 500


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """One article after furniture stripping and normalization (steps 1 and 2)."""

    body: str
    """The text with its page furniture stripped (what the related lists read)."""
    lines: list[str]
    """The body's normalized lines."""
    stripped_chars: dict[str, int] = field(default_factory=dict)
    stripped_lines: dict[str, int] = field(default_factory=dict)
    kept_whole: bool = False


def prepare_page(text: str, config: DedupConfig) -> PreparedPage:
    """Strip page furniture (unless ``config.strip_furniture`` is off) and normalize the lines.

    Examples
    --------
    >>> page = prepare_page("أَعلنت الوزارة اليوم عن مشروع جديد", DedupConfig())
    >>> page.lines
    ['اعلنت الوزاره اليوم عن مشروع جديد']
    """
    if not config.strip_furniture:
        return PreparedPage(text, normalize_lines(text, config.normalization))
    result = strip_furniture(text)
    return PreparedPage(
        result.body,
        normalize_lines(result.body, config.normalization),
        result.stripped_chars,
        result.stripped_lines,
        result.kept_whole,
    )


def dropped_lines(
    statistics: LineStatistics | None, lines: Sequence[str], source: str
) -> tuple[int, ...]:
    """Positions of the lines learned as boilerplate of ``source`` (step 3).

    None when every line is boilerplate: an article made only of recurring lines (a
    one-line notice repeated daily) keeps its text, so an empty shingle set never reaches
    the clusterer (as :meth:`~dedup.boilerplate.LineStatistics.filter_lines`).

    Examples
    --------
    >>> dropped_lines(None, ["سطر"], "واس")
    ()
    """
    if statistics is None:
        return ()
    flags = [statistics.is_boilerplate(line, source) for line in lines]
    if all(flags):
        return ()
    return tuple(i for i, flag in enumerate(flags) if flag)


def shingle_text(lines: Sequence[str], dropped: Collection[int] = ()) -> str:
    """The kept non-empty lines joined by one space: the text that is shingled (step 4).

    Examples
    --------
    >>> shingle_text(["خبر عاجل", "", "إعلان", "نص الخبر"], dropped=(2,))
    'خبر عاجل نص الخبر'
    """
    if not dropped:
        return " ".join(line for line in lines if line)
    skip = set(dropped)
    return " ".join(line for i, line in enumerate(lines) if line and i not in skip)


def too_short(article: Article, length: int, config: DedupConfig) -> Rejected | None:
    """The reject of an article whose page text (furniture stripped and normalized, before
    the learned boilerplate, so that admission depends on the article alone) has ``length``
    characters, too few to shingle; None when it is admitted (step 5).

    Examples
    --------
    >>> too_short(Article(id="a", text="لا"), 2, DedupConfig()).reason.split(";")[1]
    ' needs at least 5)'
    >>> too_short(Article(id="b", text="خبر طويل"), 8, DedupConfig()) is None
    True
    """
    if length >= config.ngram:
        return None
    return Rejected(
        article.origin_file,
        article.origin_line,
        article.id,
        f"text too short to shingle ({length} characters after normalization "
        f"and furniture stripping; needs at least {config.ngram})",
    )


@dataclass(frozen=True)
class PreparedTexts:
    """A corpus prepared at once (the scan): texts ready for shingling, what was removed."""

    shingle_texts: list[str]
    stripped_chars: dict[str, int] = field(default_factory=dict)
    stripped_lines: dict[str, int] = field(default_factory=dict)
    kept_whole: int = 0
    boilerplate_lines_dropped: int = 0
    page_texts: list[str] = field(default_factory=list)
    """Each page's text before the learned boilerplate: what :func:`too_short` measures and
    the related lists read (normalized once, here)."""


def prepare_texts(
    articles: Sequence[Article],
    config: DedupConfig,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> PreparedTexts:
    """Steps 1-4 for a whole corpus, the boilerplate lines learned from the corpus itself.

    ``progress(done, total)`` is called every few hundred articles.

    Examples
    --------
    >>> prepared = prepare_texts([Article(id="a", text="عاجل\\nارتفاع أسعار النفط")], DedupConfig())
    >>> prepared.shingle_texts
    ['عاجل ارتفاع اسعار النفط']
    """
    pages = []
    for done, article in enumerate(articles, 1):
        pages.append(prepare_page(article.text, config))
        if progress is not None and (done % _PROGRESS_EVERY == 0 or done == len(articles)):
            progress(done, len(articles))
    statistics = None
    if config.learn_boilerplate:
        statistics = LineStatistics(min_articles=config.boilerplate_min_articles)
        for page, article in zip(pages, articles, strict=True):
            statistics.add(page.lines, article.source)
    dropped = [
        dropped_lines(statistics, page.lines, article.source)
        for page, article in zip(pages, articles, strict=True)
    ]
    stripped_chars: Counter[str] = Counter()
    stripped_lines: Counter[str] = Counter()
    for page in pages:
        stripped_chars.update(page.stripped_chars)
        stripped_lines.update(page.stripped_lines)
    return PreparedTexts(
        shingle_texts=[shingle_text(p.lines, d) for p, d in zip(pages, dropped, strict=True)],
        stripped_chars=dict(sorted(stripped_chars.items())),
        stripped_lines=dict(sorted(stripped_lines.items())),
        kept_whole=sum(page.kept_whole for page in pages),
        boilerplate_lines_dropped=sum(map(len, dropped)),
        page_texts=[shingle_text(page.lines) for page in pages],
    )


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
