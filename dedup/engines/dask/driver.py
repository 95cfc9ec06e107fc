"""The scan as a Dask dataflow over partitions of the corpus: the local scan's stages, in place.

1. read (on the client, as the local scan: records in, rejects kept with file and line);
   the articles are cut into partitions of whole 250-article preparation chunks;
2. per partition on a worker: furniture, normalization and line contexts
   (:func:`~tasks.prepare_partition`); the boilerplate line counts reduced over all
   partitions (:func:`~tasks.merge_statistics`) and sent to every partition, which finishes
   preparation, admits, shingles, signs and fingerprints its texts
   (:func:`~tasks.sketch_partition`); texts stay on the worker;
3. exact groups on the client from 16-byte digests; candidates by two shuffles keyed on band
   values and on passage fingerprints (ids and keys travel), pairs per bucket, then the
   shares rule on pair counts summed over buckets; the union de-duplicated on the client;
4. verification of candidate blocks on workers, each block given the texts and signatures
   of its own articles only;
5. the verified pairs, few, gathered: exact-group members, clusters by the scan's rule and
   related lists run on the client by the local scan's functions (the texts they read are
   fetched: the page texts for the related lists, the texts of paired articles for the
   clusters). Distributed related lists are not built yet.

The output is the local scan's, byte for byte: the same stage functions on the same texts,
every order fixed by ids, never by which worker finished first.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup._version import __version__
from dedup.arrays import distinct
from dedup.config import DedupConfig
from dedup.engines.dask import tasks
from dedup.errors import EngineError
from dedup.pipeline import (
    Progress,
    _clusters,
    _Corpus,
    _expand_pairs,
    _Outcome,
    _related,
    _ShingleCache,
    _StageTimer,
    build_report,
    read_stage,
)
from dedup.prepare import PreparedTexts, _summed, too_short
from dedup.records import Article, Rejected, ScanReport
from dedup.verify import VerifiedPairs

# distributed's Client and Future, typed loosely: Dask's annotations are partial (untyped
# methods, generic futures), and the engine must import without Dask installed.
Client = Any
Future = Any

__all__ = ["scan_with_client"]

# Articles per partition: whole preparation chunks (250), and few enough characters that
# one task's articles stay well under Dask's 10 MB "large graph" warning (saudinewsnet:
# about 2,400 characters an article, 2 to 4 bytes each pickled).
_PARTITION_CHUNKS = 4
_PARTITION_CHARACTERS = 2_000_000
# Statistics merged per reduce task (a tree: log8 of the partitions deep).
_REDUCE_FAN_IN = 8
# Candidate pairs per verification task: at most the local scan's block, and small enough
# to give every worker several blocks.
_VERIFY_BLOCK = 50_000
# Shuffle buckets and verification blocks per worker: enough to balance the workers.
_TASKS_PER_WORKER = 2


def _noop(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class _Plan:
    """The run: its client, a name for its tasks, the settings every task reads, the spans."""

    client: Client
    run: str
    settings: dict[str, Any]
    spans: list[range]
    workers: int

    @property
    def buckets(self) -> int:
        """Buckets of each shuffle, and candidate blocks to verify: a few a worker (each
        bucket is a task per partition, so more would only add scheduling), at most one a
        partition."""
        return max(1, min(len(self.spans), _TASKS_PER_WORKER * self.workers))


def partition_spans(articles: Sequence[Article], chunk: int = 250) -> list[range]:
    """Contiguous spans of whole ``chunk``-article chunks, cut at ``_PARTITION_CHUNKS``
    chunks or ``_PARTITION_CHARACTERS`` characters (a long chunk is a partition alone).

    Examples
    --------
    >>> spans = partition_spans([Article(id=str(i), text="خبر") for i in range(1200)])
    >>> [(s.start, s.stop) for s in spans]
    [(0, 1000), (1000, 1200)]
    """
    spans: list[range] = []
    start, chunks, characters = 0, 0, 0
    for first in range(0, len(articles), chunk):
        last = min(first + chunk, len(articles))
        size = sum(len(articles[i].text) for i in range(first, last))
        if chunks and (chunks == _PARTITION_CHUNKS or characters + size > _PARTITION_CHARACTERS):
            spans.append(range(start, first))
            start, chunks, characters = first, 0, 0
        chunks, characters = chunks + 1, characters + size
    if start < len(articles):
        spans.append(range(start, len(articles)))
    return spans


def scan_with_client(
    records: Iterable[Article | Rejected],
    *,
    client: Client,
    config: DedupConfig,
    progress: Progress | None = None,
) -> ScanReport:
    """:func:`dedup.scan` on the workers of ``client``; the same report (but for
    ``stats["seconds"]`` and ``stats["engine"]``).

    Raises
    ------
    EngineError
        Workers died too often on one task, or the scheduler went away.
    """
    from distributed import CancelledError
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    try:
        return _scan(records, client, config, progress or _noop)
    except KilledWorker as error:
        raise EngineError(
            f"Dask workers died while running a task ({error}); each died holding it, so it "
            "is not retried again. A worker that runs out of memory is killed: give workers "
            "more memory (dask worker --memory-limit) or run more of them"
        ) from error
    except (CommClosedError, CancelledError, OSError) as error:
        raise EngineError(
            f"lost the Dask scheduler during the scan ({type(error).__name__}: {error}); "
            "check that `dask scheduler` still runs, then scan again"
        ) from error


def _scan(
    records: Iterable[Article | Rejected], client: Client, config: DedupConfig, progress: Progress
) -> ScanReport:
    timer = _StageTimer()
    articles, rejected, input_records = read_stage(records, progress, timer)
    workers = _check_workers(client)
    spans = partition_spans(articles)
    plan = _Plan(client, uuid.uuid4().hex[:12], config.to_dict(), spans, workers)
    sketched = _prepare_and_sketch(plan, articles, config)
    summaries = _collect(
        plan.client,
        [_submit(plan, "summary", tasks.summary_of, s, _stemming(config)) for s in sketched],
        "prepare",
        progress,
    )
    timer.lap("prepare")
    state = _admit(summaries, articles, config, rejected)
    candidates = _candidates(plan, sketched, state, config, progress)
    timer.lap("candidates")
    verified = _verify(plan, sketched, state, candidates, progress)
    timer.lap("verify")
    pairs, too_far = _expand_pairs(state.articles, state.groups, state.sizes, config, verified)
    verified[4]["too_far_apart"] = too_far
    texts = _FetchedTexts(plan, sketched, state.firsts)
    texts.fetch([p.a for p in pairs] + [p.b for p in pairs], state.position)
    lengths = [len(a.text) for a in state.articles]
    corpus = _Corpus(state.articles, texts, state.pages, lengths)
    clusters = _clusters(corpus, pairs, _ShingleCache(texts, config.ngram), config)
    progress("cluster", len(state.articles), len(state.articles))
    timer.lap("cluster")
    related = _related(corpus, clusters, config, progress, stemmed=True)
    timer.lap("related")
    report = build_report(
        config,
        _Outcome(state.articles, rejected, input_records, state.sizes, state.groups, verified[4]),
        pairs=pairs,
        clusters=clusters,
        related=related,
        prepared=_prepared_counts(summaries),
        seconds=timer.seconds,
    )
    report.stats["engine"] = {"name": "dask", "workers": workers, "partitions": len(plan.spans)}
    return report


def _stemming(config: DedupConfig) -> str | None:
    """The related lists' stemming, when the scan ranks them (the workers stem the page
    texts they send); None without related lists (no page texts are sent)."""
    return config.related.stemming if config.related.k > 0 else None


def _check_workers(client: Client) -> int:
    """The number of workers, each running this version of dedup (the outputs of another
    version would differ); an error when none joins within ``CONNECT_SECONDS``."""
    from dedup.engines.dask import connect

    try:
        client.wait_for_workers(1, timeout=connect.CONNECT_SECONDS)
    except TimeoutError as error:
        raise EngineError(
            f"the Dask cluster has no worker after {connect.CONNECT_SECONDS:g} s; start some "
            "(dask worker SCHEDULER-ADDRESS) or scale the cluster up"
        ) from error
    try:
        found: dict[str, str] = client.run(tasks.dedup_version)
    except Exception as error:  # whatever unpickling a missing module raises on a worker
        raise EngineError(
            f"the Dask workers cannot run dedup ({type(error).__name__}: {error}); install "
            f"dedup {__version__} on every worker machine"
        ) from error
    others = sorted({version for version in found.values() if version != __version__})
    if others:
        raise EngineError(
            f"Dask workers run dedup {', '.join(others)}, this client {__version__}; install "
            "the same version everywhere (the outputs would differ)"
        )
    return len(found)


def _submit(plan: _Plan, name: str, function: Callable[..., Any], *args: Any, **kw: Any) -> Future:
    """One task, named for the dashboard and unique to the run (never shared with another
    scan on the same cluster, nor cached between runs)."""
    key = f"dedup-{name}-{plan.run}-{uuid.uuid4().hex[:8]}"
    return plan.client.submit(function, *args, key=key, **kw)


def _collect(client: Client, futures: list[Future], stage: str, progress: Progress) -> list[Any]:
    """The results in the futures' order, reporting each one as it finishes."""
    from distributed import as_completed

    finished = as_completed(futures)  # type: ignore[no-untyped-call]  # Dask leaves it untyped
    for done, _ in enumerate(finished, start=1):
        progress(stage, done, len(futures))
    results: list[Any] = client.gather(futures)
    return results


def _prepare_and_sketch(plan: _Plan, articles: Sequence[Article], config: DedupConfig) -> list[Any]:
    """Preparation in two passes around the boilerplate reduce, then the sketches; futures."""
    prepared = [
        _submit(
            plan,
            "prepare",
            tasks.prepare_partition,
            [articles[i].text for i in span],
            [articles[i].source for i in span],
            plan.settings,
        )
        for span in plan.spans
    ]
    statistics = None
    if config.learn_boilerplate:
        level = [
            _submit(plan, "lines", tasks.line_statistics, p, config.boilerplate_min_articles)
            for p in prepared
        ]
        while len(level) > 1:
            level = [
                _submit(plan, "lines-merge", tasks.merge_statistics, *level[i : i + _REDUCE_FAN_IN])
                for i in range(0, len(level), _REDUCE_FAN_IN)
            ]
        statistics = level[0] if level else None
    return [
        _submit(plan, "sketch", tasks.sketch_partition, p, statistics, plan.settings)
        for p in prepared
    ]


@dataclass(frozen=True)
class _Admitted:
    """The admitted articles (in input order) and what the client keeps of them."""

    articles: list[Article]
    firsts: npt.NDArray[np.int64]
    """Each partition's first admitted row; a last entry: the number admitted."""
    sizes: npt.NDArray[np.int64]
    groups: npt.NDArray[np.int64]
    pages: list[str]
    position: dict[str, int]


def _admit(
    summaries: list[dict[str, Any]],
    articles: Sequence[Article],
    config: DedupConfig,
    rejected: list[Rejected],
) -> _Admitted:
    """Admission as the local scan's (too-short rejects in input order) and exact groups
    (each text's group: the first text with the identical shingle set)."""
    lengths = np.concatenate([s["page_lengths"] for s in summaries]).tolist() if summaries else []
    kept = []
    for article, length in zip(articles, lengths, strict=True):
        reject = too_short(article, length, config)
        if reject is None:
            kept.append(article)
        else:
            rejected.append(reject)
    counts = [len(s["sizes"]) for s in summaries]
    firsts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=firsts[1:])
    sizes = np.concatenate([s["sizes"] for s in summaries]) if summaries else np.zeros(0, np.int64)
    groups = np.arange(len(kept), dtype=np.int64)
    first_of: dict[bytes, int] = {}
    digests = [d for s in summaries for d in s["digests"]]
    for index in np.flatnonzero(sizes > 0).tolist():
        groups[index] = first_of.setdefault(digests[index], index)
    pages = [p for s in summaries for p in (s["page_texts"] or ())]
    position = {article.id: index for index, article in enumerate(kept)}
    return _Admitted(kept, firsts, sizes.astype(np.int64), groups, pages, position)


def _prepared_counts(summaries: list[dict[str, Any]]) -> PreparedTexts:
    """The preparation counts of the report, summed over the partitions."""
    counts = [s["counts"] for s in summaries]
    return PreparedTexts(
        shingle_texts=[],
        stripped_chars=_summed(c["stripped_chars"] for c in counts),
        stripped_lines=_summed(c["stripped_lines"] for c in counts),
        kept_whole=sum(c["kept_whole"] for c in counts),
        boilerplate_lines_dropped=sum(c["boilerplate_lines_dropped"] for c in counts),
    )


def _rows_by_partition(
    ids: npt.NDArray[np.int64], firsts: npt.NDArray[np.int64]
) -> list[npt.NDArray[np.int64]]:
    """Sorted ``ids`` split into each partition's own rows."""
    bounds = np.searchsorted(ids, firsts)
    return [ids[bounds[p] : bounds[p + 1]] - firsts[p] for p in range(len(firsts) - 1)]


def _candidates(
    plan: _Plan,
    sketched: list[Any],
    state: _Admitted,
    config: DedupConfig,
    progress: Progress,
) -> npt.NDArray[np.int64]:
    """Candidate pairs between the exact groups' firsts, as the local scan's (sorted ids)."""
    groups = state.groups
    representatives = np.flatnonzero(
        (groups == np.arange(len(groups))) & (state.sizes >= config.min_shingles)
    ).astype(np.int64)
    if not sketched:  # no article: no partition to shuffle
        return np.empty((0, 2), dtype=np.int64)
    rows = _rows_by_partition(representatives, state.firsts)
    buckets = plan.buckets
    found = _lsh_shuffle(plan, sketched, rows, state.firsts, config, buckets)
    if config.passage_candidates:
        found += _passage_shuffle(plan, sketched, rows, state, config, buckets)
    parts = _collect(plan.client, found, "candidates", progress)
    if not parts:
        return np.empty((0, 2), dtype=np.int64)
    count = np.int64(max(len(groups), 1))
    both = np.concatenate(parts).reshape(-1, 2)
    codes = distinct(both[:, 0] * count + both[:, 1])
    return np.stack([codes // count, codes % count], axis=1)


def _shuffled(plan: _Plan, maps: list[Future], buckets: int, name: str) -> list[list[Future]]:
    """For each bucket, its slice of every map task's output (futures on the map's worker)."""
    return [[_submit(plan, name, tasks.pick, m, bucket) for m in maps] for bucket in range(buckets)]


def _lsh_shuffle(
    plan: _Plan,
    sketched: list[Any],
    rows: list[npt.NDArray[np.int64]],
    firsts: npt.NDArray[np.int64],
    config: DedupConfig,
    buckets: int,
) -> list[Future]:
    layout = config.bands_rows
    maps = [
        _submit(plan, "bands", tasks.band_rows, s, r, int(f), layout, buckets)
        for s, r, f in zip(sketched, rows, firsts.tolist(), strict=False)
    ]
    return [
        _submit(plan, "band-pairs", tasks.lsh_bucket_pairs, *slices)
        for slices in _shuffled(plan, maps, buckets, "bands-slice")
    ]


def _passage_shuffle(
    plan: _Plan,
    sketched: list[Any],
    rows: list[npt.NDArray[np.int64]],
    state: _Admitted,
    config: DedupConfig,
    buckets: int,
) -> list[Future]:
    count = max(len(state.groups), 1)
    maps = [
        _submit(plan, "prints", tasks.fingerprint_rows, s, r, int(f), buckets)
        for s, r, f in zip(sketched, rows, state.firsts.tolist(), strict=False)
    ]
    shared = [
        _submit(
            plan,
            "print-pairs",
            tasks.passage_bucket_codes,
            *slices,
            max_df=config.fingerprint_max_df,
            count=count,
            buckets=buckets,
        )
        for slices in _shuffled(plan, maps, buckets, "prints-slice")
    ]
    return [
        _submit(
            plan,
            "print-counts",
            tasks.passage_pairs,
            *slices,
            count=count,
            min_shared=config.fingerprint_min_shared,
            min_share=config.fingerprint_min_share,
        )
        for slices in _shuffled(plan, shared, buckets, "print-pairs-slice")
    ]


def _verify(
    plan: _Plan,
    sketched: list[Any],
    state: _Admitted,
    candidates: npt.NDArray[np.int64],
    progress: Progress,
) -> VerifiedPairs:
    """Candidate blocks verified on the workers, each with the rows of its own articles."""
    step = max(1, min(_VERIFY_BLOCK, -(-len(candidates) // plan.buckets)))
    futures = []
    for start in range(0, len(candidates), step):
        block = candidates[start : start + step]
        ids = distinct(block.ravel())
        parts = [
            _submit(plan, "rows", tasks.rows_of, s, r)
            for s, r in zip(sketched, _rows_by_partition(ids, state.firsts), strict=True)
            if len(r)
        ]
        futures.append(
            _submit(plan, "verify", tasks.verify_block, block, ids, *parts, settings=plan.settings)
        )
    if not futures:  # the counts of an empty run, as the local scan's
        return tasks.verify_block(candidates, np.zeros(0, np.int64), settings=plan.settings)
    return tasks.join_verified(_collect(plan.client, futures, "verify", progress))


class _FetchedTexts(Sequence[str]):
    """The admitted texts as a sequence, fetched from their workers on demand (clustering
    asks for the texts of the articles in verified pairs: those are fetched at once)."""

    def __init__(self, plan: _Plan, sketched: list[Any], firsts: npt.NDArray[np.int64]) -> None:
        self._plan, self._sketched, self._firsts = plan, sketched, firsts
        self._texts: dict[int, str] = {}

    def __len__(self) -> int:
        return int(self._firsts[-1])

    def fetch(self, ids: Iterable[str], position: dict[str, int]) -> None:
        """Fetch the texts of these article ids in one round."""
        wanted = distinct(np.array([position[i] for i in ids], dtype=np.int64))
        wanted = wanted[[int(w) not in self._texts for w in wanted.tolist()]]
        if len(wanted):
            self._fetch_rows(wanted)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        if index not in self._texts:
            self._fetch_rows(np.array([index], dtype=np.int64))
        return self._texts[index]

    def _fetch_rows(self, wanted: npt.NDArray[np.int64]) -> None:
        rows = _rows_by_partition(wanted, self._firsts)
        futures = [
            _submit(self._plan, "texts", tasks.rows_of, s, r)
            for s, r in zip(self._sketched, rows, strict=True)
            if len(r)
        ]
        fetched = [text for part in self._plan.client.gather(futures) for text in part[0]]
        self._texts.update(zip(wanted.tolist(), fetched, strict=True))
