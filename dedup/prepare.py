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

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

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
    "CorpusPreparation",
    "PreparedCorpus",
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
# Texts handed to a CorpusPreparation store at once (few calls, a few MB each).
_STORE_BATCH = 4096


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
    # One window of CorpusPreparation: the scan's own steps 3-4, every article kept.
    preparation = CorpusPreparation(config, pool or WorkerPool(1), store=_ListStore)
    preparation.add(articles, progress)
    return preparation.prepared_texts()


class TextStore(Protocol):
    """Where :class:`CorpusPreparation` keeps texts: a list, or :class:`dedup.spill.TextBuffer`."""

    def extend(self, texts: Sequence[str]) -> None: ...

    @property
    def texts(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class PreparedCorpus:
    """A corpus prepared in windows: the admitted articles' positions among those added,
    their texts to shingle and page texts, the rejects, and the counts of
    :class:`PreparedTexts` (its text lists empty)."""

    admitted: list[int]
    shingle_texts: Sequence[str]
    page_texts: Sequence[str]
    rejected: list[Rejected]
    counts: PreparedTexts


class CorpusPreparation:
    """Steps 1-5 for a corpus that arrives in windows (the scan reads a large corpus so,
    never holding all its raw texts): :meth:`add` prepares a window (steps 1-2, on the
    pool) and counts its lines for the learned boilerplate; :meth:`finish` drops the lines
    learned (step 3), joins (step 4) and admits (step 5). The result is
    :func:`prepare_texts`' for the same articles, whatever the windows.

    Between the two, each article's lines wait in ``store()`` joined by newlines (no line
    holds one: lines are split on them), with the keys of its line contexts.

    Examples
    --------
    >>> preparation = CorpusPreparation(DedupConfig(), WorkerPool(1), store=_ListStore)
    >>> preparation.add([Article(id="a", text="عاجل\\nارتفاع أسعار النفط"),
    ...                  Article(id="b", text="لا")])
    >>> prepared = preparation.finish(articles=lambda i: Article(id="ab"[i], text=""))
    >>> prepared.admitted, list(prepared.shingle_texts), prepared.rejected[0].id
    ([0], ['عاجل ارتفاع اسعار النفط'], 'b')
    """

    def __init__(
        self, config: DedupConfig, pool: WorkerPool, *, store: Callable[[], TextStore]
    ) -> None:
        self._config, self._pool, self._store = config, pool, store
        self._lines = store()
        self._sources: list[str] = []
        # Each article's line contexts (line key, context) as arrays: a dictionary entry
        # per distinct line of a million articles (LineStatistics.add_contexts) took some
        # 250 bytes each, 16 here; the lines' counts are taken once, in finish().
        self._keys: list[npt.NDArray[np.uint64]] = []
        self._contexts: list[npt.NDArray[np.uint64]] = []
        self._key_counts: list[npt.NDArray[np.int64]] = []
        self._stripped_chars: dict[str, int] = {}
        self._stripped_lines: dict[str, int] = {}
        self._kept_whole = 0

    def add(
        self, articles: Sequence[Article], progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Steps 1-2 for a window of articles; their raw texts are not kept."""
        chunks = _prepared_chunks(articles, self._config, progress, self._pool)
        for chunk in chunks:
            self._lines.extend(["\n".join(lines) for lines in chunk["lines"]])
            contexts = chunk["contexts"]
            flat = [pair for pairs in contexts for pair in pairs]
            self._keys.append(np.array([key for key, _ in flat], dtype=np.uint64))
            self._contexts.append(np.array([context for _, context in flat], dtype=np.uint64))
            self._key_counts.append(np.array(list(map(len, contexts)), dtype=np.int64))
            self._stripped_chars = _summed([self._stripped_chars, *chunk["stripped_chars"]])
            self._stripped_lines = _summed([self._stripped_lines, *chunk["stripped_lines"]])
            self._kept_whole += sum(chunk["kept_whole"])
        self._sources.extend(a.source for a in articles)

    def finish(self, articles: Callable[[int], Article], *, pages: bool = True) -> PreparedCorpus:
        """Steps 3-5 for every article added; ``articles(i)``: the i-th added (its metadata:
        a reject names its file, line and id); ``pages``: keep the page texts (the related
        lists read them)."""
        texts, page_texts = self._store(), self._store()
        admitted: list[int] = []
        rejected: list[Rejected] = []
        dropped_total = 0
        kept: list[str] = []
        kept_pages: list[str] = []
        for index, page, text, dropped in self._joined():
            dropped_total += dropped
            reject = too_short(articles(index), len(page), self._config)
            if reject is not None:
                rejected.append(reject)
                continue
            admitted.append(index)
            kept.append(text)
            if pages:
                kept_pages.append(page)
            if len(kept) == _STORE_BATCH:
                texts.extend(kept)
                page_texts.extend(kept_pages)
                kept, kept_pages = [], []
        texts.extend(kept)
        page_texts.extend(kept_pages)
        counts = self._counts([], dropped_total, [])
        return PreparedCorpus(admitted, texts.texts, page_texts.texts, rejected, counts)

    def prepared_texts(self) -> PreparedTexts:
        """Steps 3-4 for every article added, none left out (:func:`prepare_texts`)."""
        pages: list[str] = []
        texts: list[str] = []
        dropped_total = 0
        for _, page, text, dropped in self._joined():
            pages.append(page)
            texts.append(text)
            dropped_total += dropped
        return self._counts(texts, dropped_total, pages)

    def _joined(self) -> Iterator[tuple[int, str, str, int]]:
        """Steps 3-4 of each article added: (position, page text, text to shingle, lines
        dropped as learned boilerplate)."""
        statistics, candidates = self._learned_in()
        for index, joined in enumerate(self._lines.texts):
            page = _joined_page(joined)
            if index not in candidates:
                yield index, page, page, 0
                continue
            lines = joined.split("\n") if joined else []
            source, contexts = self._sources[index], candidates[index]
            dropped = _dropped_by_key(statistics, lines, source, contexts)
            yield index, page, shingle_text(lines, dropped) if dropped else page, len(dropped)

    def _counts(self, texts: list[str], dropped: int, pages: list[str]) -> PreparedTexts:
        return PreparedTexts(
            shingle_texts=texts,
            stripped_chars=self._stripped_chars,
            stripped_lines=self._stripped_lines,
            kept_whole=self._kept_whole,
            boilerplate_lines_dropped=dropped,
            page_texts=pages,
        )

    def _learned_in(self) -> tuple[LineStatistics | None, dict[int, list[tuple[int, int]]]]:
        """The statistics of the lines counted as recurring (:meth:`LineStatistics.add_contexts`
        of every article would answer the same for every line), and the articles holding
        one (only those may drop a line), with their context keys as :func:`_dropped_by_key`
        reads them."""
        keys = np.concatenate(self._keys) if self._keys else np.zeros(0, np.uint64)
        contexts = np.concatenate(self._contexts) if self._contexts else np.zeros(0, np.uint64)
        counts = np.concatenate(self._key_counts) if self._key_counts else np.zeros(0, np.int64)
        self._keys, self._contexts, self._key_counts = [], [], []
        if not self._config.learn_boilerplate:
            return None, {}
        statistics = _recurring_lines(keys, contexts, self._config.boilerplate_min_articles)
        recurring = np.fromiter(statistics.recurring_keys(), dtype=np.uint64)
        learned = np.isin(keys, recurring)
        owners = np.repeat(np.arange(len(counts)), counts)
        starts = np.concatenate([[0], np.cumsum(counts)])
        return statistics, {
            index: [(int(key), 0) for key in keys[starts[index] : starts[index + 1]].tolist()]
            for index in sorted(set(owners[learned].tolist()))
        }


def _recurring_lines(
    keys: npt.NDArray[np.uint64], contexts: npt.NDArray[np.uint64], min_articles: int
) -> LineStatistics:
    """:class:`LineStatistics` of the lines whose ``keys`` come with ``min_articles`` distinct
    ``contexts`` or more (:meth:`LineStatistics.from_counts`); the others are never
    boilerplate, whatever the source's bar, so they are left out.

    Examples
    --------
    >>> keys = np.array([7, 7, 7, 9], dtype=np.uint64)
    >>> sorted(_recurring_lines(keys, np.array([1, 2, 2, 1], np.uint64), 2).recurring_keys())
    [7]
    """
    order = np.lexsort((contexts, keys))
    keys, contexts = keys[order], contexts[order]
    distinct = np.ones(len(keys), dtype=bool)
    distinct[1:] = (keys[1:] != keys[:-1]) | (contexts[1:] != contexts[:-1])
    keys = keys[distinct]
    firsts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))[: len(keys)]
    seen = np.diff(np.concatenate([firsts, [len(keys)]]))
    recurring = seen >= min_articles
    counts = dict(zip(keys[firsts][recurring].tolist(), seen[recurring].tolist(), strict=True))
    return LineStatistics.from_counts(counts, min_articles=min_articles)


def _joined_page(joined: str) -> str:
    """:func:`shingle_text` of the lines ``joined`` by newlines: one replace when no line is
    empty (normalization keeps no empty line; the split and join are for the others).

    Examples
    --------
    >>> _joined_page("عاجل\\nارتفاع النفط"), _joined_page("عاجل\\n\\nارتفاع النفط")
    ('عاجل ارتفاع النفط', 'عاجل ارتفاع النفط')
    """
    if "\n\n" in joined or joined.startswith("\n") or joined.endswith("\n"):
        return shingle_text(joined.split("\n"))
    return joined.replace("\n", " ")


class _ListStore:
    """Texts in a list (a :class:`TextStore`)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def extend(self, texts: Sequence[str]) -> None:
        self.texts.extend(texts)


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
