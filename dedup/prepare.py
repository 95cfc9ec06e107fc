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

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dedup.boilerplate import LineStatistics, line_contexts
from dedup.config import DedupConfig
from dedup.furniture import strip_furniture_lines, strip_furniture_pages
from dedup.normalize import (
    NormalizationOptions,
    breaks_only_at_newlines,
    normalize_lines,
    normalize_pages,
)
from dedup.parallel import WorkerPool, chunked
from dedup.readers import unicode_problem
from dedup.records import Article, Rejected

__all__ = [
    "PreparedPage",
    "PreparedTexts",
    "dropped_lines",
    "invalid_unicode",
    "prepare_chunk",
    "prepare_page",
    "prepare_pages",
    "prepare_texts",
    "published_timestamp",
    "shingle_text",
    "too_short",
]


# Articles per chunk of work (and between two progress reports): about 0.03 s of furniture
# stripping and normalization (saudinewsnet: 0.7 CPU-s for 6,010 articles, see
# benchmarks/README.md), small enough to balance two processes, large enough that a chunk's
# pipe round trip is noise and that normalize_pages shares its numpy passes among many pages.
_CHUNK_ARTICLES = 250


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
    result, lines = strip_furniture_lines(text, config.normalization)
    return PreparedPage(
        result.body,
        lines,
        result.stripped_chars,
        result.stripped_lines,
        result.kept_whole,
    )


def prepare_pages(texts: Sequence[str], config: DedupConfig) -> list[PreparedPage]:
    """:func:`prepare_page` of each text, the texts normalized together (faster than one by one).

    Examples
    --------
    >>> [page.lines for page in prepare_pages(["عاجل\\nارتفاع أسعار النفط", ""], DedupConfig())]
    [['عاجل', 'ارتفاع اسعار النفط'], []]
    """
    if not config.strip_furniture:
        pages = normalize_pages(texts, config.normalization)
        return [
            PreparedPage(text, _lines_of(text, paragraphs, config.normalization))
            for text, paragraphs in zip(texts, pages, strict=True)
        ]
    return [
        PreparedPage(
            result.body, lines, result.stripped_chars, result.stripped_lines, result.kept_whole
        )
        for result, lines in strip_furniture_pages(texts, config.normalization)
    ]


def _lines_of(text: str, paragraphs: list[str], options: NormalizationOptions) -> list[str]:
    """``normalize_lines(text, options)`` given ``normalize_pages`` of the text."""
    if breaks_only_at_newlines(text):
        return [line for line in paragraphs if line]
    return normalize_lines(text, options)


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


def _dropped_by_key(
    statistics: LineStatistics | None,
    lines: Sequence[str],
    source: str,
    contexts: Sequence[Sequence[int]],
) -> tuple[int, ...]:
    """:func:`dropped_lines` from the article's :func:`~dedup.boilerplate.line_contexts`.

    Their keys are those of the article's distinct lines of ``min_line_chars`` or more, in
    sorted order, so no line is hashed twice.
    """
    if statistics is None:
        return ()
    distinct = sorted({line for line in lines if len(line) >= statistics.min_line_chars})
    recurring = {
        line
        for line, (key, _) in zip(distinct, contexts, strict=True)
        if statistics.is_boilerplate_key(key, source)
    }
    if not recurring:
        return ()
    flags = [line in recurring for line in lines]
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


def invalid_unicode(article: Article) -> Rejected | None:
    """The reject of an article holding a lone surrogate (undecodable bytes kept by
    ``surrogateescape``, or an escape such as ``"\\ud800"``), which no stage can encode;
    the readers' own check, for articles built by the caller (step 0, before step 1).

    Examples
    --------
    >>> invalid_unicode(Article(id="a", text="خبر \\udcff")).reason
    'undecodable bytes (check --encoding)'
    >>> invalid_unicode(Article(id="b", text="خبر عاجل")) is None
    True
    """
    fields = (article.id, article.text, article.title, article.source, article.url)
    problem = next(
        filter(None, (unicode_problem(value, "") for value in (*fields, article.published_at))),
        None,
    )
    if problem is None:
        return None
    usable_id = unicode_problem(article.id, "") is None
    return Rejected(
        article.origin_file, article.origin_line, article.id if usable_id else None, problem
    )


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


def prepare_chunk(payload: dict[str, Any]) -> dict[str, list[Any]]:
    """Steps 1-2 and the line contexts of step 3 for a chunk of articles (a worker task).

    ``payload``: ``config`` (:meth:`DedupConfig.to_dict`), ``texts`` and ``sources``.
    Returns plain JSON values by field, one entry per article: ``lines``,
    ``stripped_chars``, ``stripped_lines``, ``kept_whole`` and ``contexts`` (the
    :func:`~dedup.boilerplate.line_contexts` pairs; empty lists when the config learns
    no boilerplate).

    Examples
    --------
    >>> chunk = prepare_chunk({"config": {}, "texts": ["عاجل\\nارتفاع أسعار النفط"],
    ...                        "sources": ["واس"]})
    >>> chunk["lines"], len(chunk["contexts"][0])
    ([['عاجل', 'ارتفاع اسعار النفط']], 1)
    """
    config = DedupConfig.from_dict(payload["config"])
    pages = prepare_pages(payload["texts"], config)
    learn = config.learn_boilerplate
    return {
        "lines": [page.lines for page in pages],
        "stripped_chars": [page.stripped_chars for page in pages],
        "stripped_lines": [page.stripped_lines for page in pages],
        "kept_whole": [page.kept_whole for page in pages],
        "contexts": [
            [list(pair) for pair in line_contexts(page.lines, source)] if learn else []
            for page, source in zip(pages, payload["sources"], strict=True)
        ],
    }


def prepare_texts(
    articles: Sequence[Article],
    config: DedupConfig,
    *,
    progress: Callable[[int, int], None] | None = None,
    pool: WorkerPool | None = None,
) -> PreparedTexts:
    """Steps 1-4 for a whole corpus, the boilerplate lines learned from the corpus itself.

    ``progress(done, total)`` is called after every chunk of articles; ``pool`` shares the
    chunks of steps 1-2 among processes (the result is the same for any pool).

    Examples
    --------
    >>> prepared = prepare_texts([Article(id="a", text="عاجل\\nارتفاع أسعار النفط")], DedupConfig())
    >>> prepared.shingle_texts
    ['عاجل ارتفاع اسعار النفط']
    """
    chunks = _prepared_chunks(articles, config, progress, pool or WorkerPool(1))
    lines = [page for chunk in chunks for page in chunk["lines"]]
    statistics = None
    if config.learn_boilerplate:
        statistics = LineStatistics(min_articles=config.boilerplate_min_articles)
        for chunk in chunks:
            for contexts in chunk["contexts"]:
                statistics.add_contexts(contexts)
    contexts = [pairs for chunk in chunks for pairs in chunk["contexts"]]
    recurring = statistics.recurring_keys() if statistics is not None else set()
    dropped = [
        _dropped_by_key(statistics, page, article.source, pairs)
        if any(key in recurring for key, _ in pairs)  # most articles have no such line
        else ()
        for page, article, pairs in zip(lines, articles, contexts, strict=True)
    ]
    page_texts = [shingle_text(page) for page in lines]
    return PreparedTexts(
        shingle_texts=[
            shingle_text(p, d) if d else text
            for p, d, text in zip(lines, dropped, page_texts, strict=True)
        ],
        stripped_chars=_summed(counts for chunk in chunks for counts in chunk["stripped_chars"]),
        stripped_lines=_summed(counts for chunk in chunks for counts in chunk["stripped_lines"]),
        kept_whole=sum(sum(chunk["kept_whole"]) for chunk in chunks),
        boilerplate_lines_dropped=sum(map(len, dropped)),
        page_texts=page_texts,
    )


def _summed(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    """Counts added up by key, keys sorted (each key seen once, even at 0)."""
    total: dict[str, int] = {}
    for one in counts:
        for key, count in one.items():
            total[key] = total.get(key, 0) + count
    return dict(sorted(total.items()))


def _prepared_chunks(
    articles: Sequence[Article],
    config: DedupConfig,
    progress: Callable[[int, int], None] | None,
    pool: WorkerPool,
) -> list[dict[str, list[Any]]]:
    """:func:`prepare_chunk` over the corpus in chunks, by the pool's processes, in order."""
    ranges = list(chunked(len(articles), _CHUNK_ARTICLES))
    settings = config.to_dict()
    payloads = [
        {
            "config": settings,
            "texts": [articles[i].text for i in span],
            "sources": [articles[i].source for i in span],
        }
        for span in ranges
    ]
    finished = 0

    def done(index: int) -> None:
        nonlocal finished
        finished += len(ranges[index])
        if progress is not None:
            progress(finished, len(articles))

    chunks: list[dict[str, list[Any]]] = pool.map("prepare", payloads, done=done)
    return chunks


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
