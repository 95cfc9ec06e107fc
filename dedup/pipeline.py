"""The in-memory driver: ``scan()`` runs every stage over a whole corpus at once.

read → prepare (:mod:`dedup.prepare`: furniture, normalize, corpus boilerplate, admit) →
shingle (:mod:`dedup.shingle`) → signature (:mod:`dedup.signature`) → LSH candidates
(:mod:`dedup.lsh`) → verification (:mod:`dedup.verify`) → clusters (:mod:`dedup.cluster`)
→ related lists (:mod:`dedup.related`). The stages live in their modules; this driver owns
only what a whole corpus in memory needs: exact groups (identical texts verified once),
timing, progress and the report.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup._version import __version__
from dedup.arrays import distinct_with_inverse
from dedup.candidates import Fingerprints, candidate_pairs, fingerprints_of
from dedup.cluster import canonical_key, clusters_for
from dedup.config import DedupConfig
from dedup.errors import ConfigError, InputError
from dedup.memory import release_free_memory
from dedup.parallel import Built, WorkerPool, chunked
from dedup.prepare import (
    CorpusPreparation,
    PreparedTexts,
    invalid_unicode,
    published_timestamp,
)
from dedup.records import Article, Cluster, Pair, Rejected, RelatedItem, Relation, ScanReport
from dedup.shingle import ShingleSets, concatenate, shingle_texts
from dedup.signature import minhash_signatures
from dedup.spill import TextBuffer
from dedup.verify import (
    VerifiedPairs,
    estimated_jaccard,
    exact_similarities,
    join_verified,
    minimum_estimate,
    too_far_apart,
    verify_pairs,
)

__all__ = ["Progress", "default_memory_limit", "scan", "sort_key_for"]

Progress = Callable[[str, int, int], None]
"""Progress callback: (stage name, items done, items total)."""

# Texts shingled (and signed) at once: bounds the code-point arrays to a few hundred MB even
# for long articles, while keeping numpy calls few.
_SHINGLE_BATCH = 4096
# Candidate pairs verified at once, between two progress reports (each pair's verdict is its
# own, so blocks change nothing but the report).
_VERIFY_BLOCK = 50_000
# Records read between two progress reports.
_READ_EVERY = 1000


def _noop(stage: str, done: int, total: int) -> None:
    return None


def default_memory_limit() -> int:
    """Half of the machine's physical memory, in bytes (what ``scan`` respects by default).

    Examples
    --------
    >>> default_memory_limit() > 0
    True
    """
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: assume 8 GiB
        total = 8 << 30
    return int(total) // 2


def sort_key_for(
    articles: Sequence[Article], lengths: Sequence[int] | None = None
) -> Callable[[str], tuple[object, ...]]:
    """The canonical order of ``articles`` by id (:func:`dedup.cluster.canonical_key`);
    ``lengths``: their raw texts' lengths, when the articles no longer carry their texts."""
    sizes = [len(a.text) for a in articles] if lengths is None else lengths
    keys = {
        a.id: canonical_key(published_timestamp(a.published_at), size, a.id)
        for a, size in zip(articles, sizes, strict=True)
    }
    return keys.__getitem__


class _StageTimer:
    """Seconds per stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._clock = time.perf_counter()

    def since(self) -> float:
        """Seconds since the last lap."""
        return time.perf_counter() - self._clock

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._clock, 4)
        self._clock = now

    def split(self, stages: Sequence[str], spent: Sequence[float]) -> None:
        """Stages that ran interleaved: the time since the last lap, shared as measured
        (``spent`` may be summed over processes working side by side)."""
        now = time.perf_counter()
        total = sum(spent)
        for stage, seconds in zip(stages, spent, strict=True):
            share = seconds / total if total > 0 else 1 / len(stages)
            self.seconds[stage] = round((now - self._clock) * share, 4)
        self._clock = now


@dataclass(frozen=True)
class _Corpus:
    """The admitted articles, with their texts to shingle, their page texts and the length
    of their raw texts (the canonical order reads it after the raw texts are let go)."""

    articles: list[Article]
    texts: Sequence[str]
    page_texts: Sequence[str]
    lengths: list[int]


def read_stage(
    records: Iterable[Article | Rejected], progress: Progress, timer: _StageTimer
) -> tuple[list[Article], list[Rejected], int]:
    """Articles and rejects apart, and how many records came in (every driver reads so)."""
    articles, rejected = _split_records(records, progress)
    input_records = len(articles) + len(rejected)
    progress("read", input_records, input_records)
    timer.lap("read")
    return articles, rejected, input_records


def _split_records(
    records: Iterable[Article | Rejected], progress: Progress
) -> tuple[list[Article], list[Rejected]]:
    _check_collection(records)
    articles: list[Article] = []
    rejected: list[Rejected] = []
    for position, record in enumerate(records):
        if position % _READ_EVERY == 0:
            progress("read", position, 0)  # 0: the total is not known while reading
        accepted = _accepted(record, position, rejected)
        if accepted is not None:
            articles.append(accepted)
    return articles, rejected


def _check_collection(records: object) -> None:
    """A single article or string passed as the corpus is an input error."""
    if isinstance(records, str | bytes | Article):
        raise InputError(
            "scan expects a collection of articles, got one "
            f"{type(records).__name__}; pass a list, or read_corpus(path)"
        )


@dataclass(frozen=True)
class _Sketches:
    """What the later stages read of every admitted text. The shingle sets themselves are
    not kept (8 bytes per shingle, some 11 GB at a million articles): verification and
    clustering shingle again the few texts they compare (:class:`_ShingleCache`)."""

    sizes: npt.NDArray[np.int64]
    groups: npt.NDArray[np.int64]
    signatures: npt.NDArray[np.uint32]
    representatives: npt.NDArray[np.int64]
    """The texts the candidate stage compares: the first of each exact group, with enough
    shingles."""
    fingerprints: Fingerprints | None
    """The passage fingerprints of the ``representatives`` only (the candidate stage's;
    a million articles hold 1.8 GB of them, so the others are not kept)."""


@dataclass(frozen=True)
class TextSketches:
    """Texts sketched: shingle set sizes, a digest of each non-empty set (None for an empty
    one), signatures, passage fingerprints, and the seconds of the shingle and signature
    stages. What every driver computes per article (:func:`sketch_texts`)."""

    sizes: npt.NDArray[np.int64]
    digests: list[bytes | None]
    signatures: npt.NDArray[np.uint32]
    fingerprints: Fingerprints | None
    seconds: tuple[float, float]

    @staticmethod
    def joined(batches: Sequence[TextSketches], config: DedupConfig) -> TextSketches:
        """Consecutive batches as one (seconds summed)."""
        return TextSketches(
            sizes=np.concatenate([b.sizes for b in batches]) if batches else np.zeros(0, np.int64),
            digests=[digest for b in batches for digest in b.digests],
            signatures=(
                np.concatenate([b.signatures for b in batches])
                if batches
                else np.zeros((0, config.num_perm), dtype=np.uint32)
            ),
            fingerprints=(
                Fingerprints.concatenate(
                    [b.fingerprints for b in batches if b.fingerprints is not None]
                )
                if config.passage_candidates
                else None
            ),
            seconds=(sum(b.seconds[0] for b in batches), sum(b.seconds[1] for b in batches)),
        )


def sketch_texts(texts: Sequence[str], config: DedupConfig) -> TextSketches:
    """Shingles (sizes and digests), signatures and passage fingerprints of one batch of
    texts (its shingle sets are dropped on return)."""
    clock = time.perf_counter()
    part = shingle_texts(list(texts), config.ngram)
    sizes = part.sizes
    digests: list[bytes | None] = [
        hashlib.blake2b(part.of(i).tobytes(), digest_size=16).digest() if sizes[i] else None
        for i in range(len(sizes))
    ]
    prints = fingerprints_of(texts, config)
    middle = time.perf_counter()
    signatures = minhash_signatures(part, num_perm=config.num_perm, seed=config.seed)
    ended = time.perf_counter()
    return TextSketches(sizes, digests, signatures, prints, (middle - clock, ended - middle))


def _packed(array: npt.NDArray[Any]) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _unpacked(text: str, dtype: str) -> npt.NDArray[Any]:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).copy()


def sketch_chunk(payload: dict[str, Any]) -> dict[str, Any]:
    """The sketches of a chunk of texts (a worker task): ``payload`` holds ``config``
    (:meth:`DedupConfig.to_dict`) and ``texts``; arrays travel as base64 of little-endian
    bytes, digests as hex.

    Examples
    --------
    >>> found = sketch_chunk({"config": {}, "texts": ["وزارة النفط العراقية", ""]})
    >>> _unpacked(found["sizes"], "<i8").tolist(), found["digests"][1]
    ([16, 0], None)
    """
    config = DedupConfig.from_dict(payload["config"])
    found = sketch_texts(payload["texts"], config)
    prints = found.fingerprints
    return {
        "sizes": _packed(found.sizes.astype("<i8")),
        "digests": [None if d is None else d.hex() for d in found.digests],
        "signatures": _packed(found.signatures.astype("<u4")),
        "hashes": None if prints is None else _packed(prints.hashes.astype("<u8")),
        "offsets": None if prints is None else _packed(prints.offsets.astype("<i8")),
        "seconds": list(found.seconds),
    }


def _from_chunk(value: dict[str, Any], num_perm: int) -> TextSketches:
    prints = (
        None
        if value["hashes"] is None
        else Fingerprints(_unpacked(value["hashes"], "<u8"), _unpacked(value["offsets"], "<i8"))
    )
    return TextSketches(
        _unpacked(value["sizes"], "<i8").astype(np.int64),
        [None if d is None else bytes.fromhex(d) for d in value["digests"]],
        _unpacked(value["signatures"], "<u4").astype(np.uint32).reshape(-1, num_perm),
        prints,
        (float(value["seconds"][0]), float(value["seconds"][1])),
    )


# Texts per chunk when a pool of processes sketches them: small enough that a corpus of a
# few thousand articles splits across both cores, large enough that each round trip
# (the texts out as JSON, base64 arrays back) is a small share of the chunk's work.
_POOL_SKETCH_BATCH = 1024


def _shingle_and_sign(
    texts: Sequence[str], config: DedupConfig, progress: Progress, pool: WorkerPool | None = None
) -> tuple[_Sketches, tuple[float, float]]:
    """Shingle set sizes, exact groups, signatures and passage fingerprints (of the exact
    groups' firsts the candidate stage compares), a batch at a
    time (the shingle sets of one batch at most in memory, per process); the seconds the
    shingle stage (shingles, digests and fingerprints) and the signature stage took.
    With a ``pool`` of more than one process the batches are its chunks (same result)."""
    count = len(texts)
    shared = pool is not None and pool.jobs > 1 and count > _POOL_SKETCH_BATCH
    size = _POOL_SKETCH_BATCH if shared else _SHINGLE_BATCH
    spans = list(chunked(count, size))

    finished = [0]

    def report(index: int) -> None:  # chunks may finish out of order: count their texts
        finished[0] += len(spans[index])
        progress("shingle", finished[0], count)
        progress("signature", finished[0], count)

    if shared and pool is not None:
        settings = config.to_dict()
        payloads = Built(
            len(spans),
            lambda i: {"config": settings, "texts": list(texts[spans[i].start : spans[i].stop])},
        )
        batches = pool.map(
            "sketch",
            payloads,
            done=report,
            convert=functools.partial(_from_chunk, num_perm=config.num_perm),
        )
    else:
        batches = []
        for index, span in enumerate(spans):
            batches.append(sketch_texts(texts[span.start : span.stop], config))
            report(index)
    whole = _joined_releasing(batches, config)
    groups = _groups(whole.digests)
    representatives = np.flatnonzero(
        (groups == np.arange(len(groups))) & (whole.sizes >= config.min_shingles)
    )
    prints = None if whole.fingerprints is None else whole.fingerprints.take(representatives)
    sketches = _Sketches(whole.sizes, groups, whole.signatures, representatives, prints)
    return sketches, whole.seconds


def _joined_releasing(batches: list[TextSketches], config: DedupConfig) -> TextSketches:
    """:meth:`TextSketches.joined`, each batch's fingerprints let go once copied (``batches``
    is emptied): the whole corpus's fingerprints are held once, not twice."""
    parts = [b.fingerprints for b in batches if b.fingerprints is not None]
    if not parts:
        return TextSketches.joined(batches, config)
    sizes = np.concatenate([p.sizes for p in parts])
    del parts  # the batches alone hold their fingerprints, each let go once copied
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    hashes = np.empty(int(offsets[-1]), dtype=np.uint64)
    start = 0
    for index, batch in enumerate(batches):
        part = batch.fingerprints
        if part is not None:
            hashes[start : start + len(part.hashes)] = part.hashes
            start += len(part.hashes)
        batches[index] = replace(batch, fingerprints=None)
    whole = TextSketches.joined(batches, replace(config, passage_candidates=False))
    batches.clear()
    return replace(whole, fingerprints=Fingerprints(hashes, offsets))


def _groups(digests: Sequence[bytes | None]) -> npt.NDArray[np.int64]:
    """Each text's exact group: the first text with the identical shingle set
    (:func:`dedup.verify.exact_groups`; an empty set, digest None, is never grouped)."""
    groups = np.arange(len(digests), dtype=np.int64)
    first_of: dict[bytes, int] = {}
    for index, digest in enumerate(digests):
        if digest is not None:
            groups[index] = first_of.setdefault(digest, index)
    return groups


class _ShingleCache:
    """Shingle sets of single texts, computed again on demand and kept for a while.

    Verification and clustering compare a few texts each; holding every shingle set
    would cost 8 bytes per shingle for the whole corpus.
    """

    def __init__(self, texts: Sequence[str], ngram: int, capacity: int = 4096) -> None:
        self._texts, self._ngram, self._capacity = texts, ngram, capacity
        self._sets: dict[int, ShingleSets] = {}

    def batch(self, indices: npt.NDArray[np.int64]) -> ShingleSets:
        """The shingle sets of ``texts[indices]``, in that order (shingled in one call); an
        index of -1 gives an empty set."""
        texts = self._texts
        return shingle_texts([texts[i] if i >= 0 else "" for i in indices.tolist()], self._ngram)

    def pair(self, first: int, second: int) -> ShingleSets:
        """The shingle sets of two texts (remembered: clusters ask for a text many times)."""
        missing = [i for i in (first, second) if i not in self._sets]
        if missing:
            if len(self._sets) + len(missing) > self._capacity:
                # Emptied when full: the text of the pair that was kept goes too.
                self._sets.clear()
                missing = list(dict.fromkeys((first, second)))
            found = self.batch(np.array(missing, dtype=np.int64))
            for position, index in enumerate(missing):
                self._sets[index] = found.rows(position, position + 1)
        return concatenate([self._sets[first], self._sets[second]], self._ngram)


def _verify(
    candidates: npt.NDArray[np.int64],
    shingles: _ShingleCache,
    signatures: npt.NDArray[np.uint32],
    texts: Sequence[str],
    config: DedupConfig,
    progress: Progress,
    block: int | None = None,
    pool: WorkerPool | None = None,
) -> VerifiedPairs:
    """verify_pairs over blocks of candidates, joined as one call would give them."""
    block = _VERIFY_BLOCK if block is None else block
    blocks = [
        _verify_block(candidates[start : start + block], shingles, signatures, texts, config, pool)
        for start in _report_blocks(len(candidates), block, "verify", progress)
    ] or [_verify_block(candidates, shingles, signatures, texts, config, pool)]
    return join_verified(blocks)


def _verify_block(
    candidates: npt.NDArray[np.int64],
    shingles: _ShingleCache,
    signatures: npt.NDArray[np.uint32],
    texts: Sequence[str],
    config: DedupConfig,
    pool: WorkerPool | None = None,
) -> VerifiedPairs:
    """verify_pairs on one block, over the block's own texts: only those of the candidates
    that pass the MinHash screen are shingled again (the others are never compared)."""
    local, inverse = distinct_with_inverse(candidates.ravel())
    pairs = inverse.reshape(-1, 2).astype(np.int64)
    screened = estimated_jaccard(signatures, candidates) >= minimum_estimate(config)
    compared = np.zeros(len(local), dtype=bool)
    compared[pairs[screened].ravel()] = True
    sets = shingles.batch(np.where(compared, local, -1))
    found = verify_pairs(pairs, sets, signatures[local], _Gather(texts, local), config, pool=pool)
    return (local[found[0]].reshape(-1, 2), *found[1:])


class _Gather(Sequence[str]):
    """``texts[indices[i]]`` as a sequence, without copying the texts."""

    def __init__(self, texts: Sequence[str], indices: npt.NDArray[np.int64]) -> None:
        self._texts, self._indices = texts, indices

    def __len__(self) -> int:
        return len(self._indices)

    def __getitem__(self, position: int) -> str:  # type: ignore[override]
        return self._texts[int(self._indices[position])]


def _report_blocks(total: int, step: int, stage: str, progress: Progress) -> Iterator[int]:
    """The starts of ``step``-sized blocks of ``total`` items, reporting each one done."""
    for start in range(0, total, step):
        yield start
        progress(stage, min(start + step, total), total)


def _candidates(
    sketches: _Sketches, config: DedupConfig, progress: Progress, memory_limit: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Exact groups (identical shingle sets) and the candidates between their firsts
    (:func:`dedup.candidates.candidate_pairs`)."""
    groups, representatives = sketches.groups, sketches.representatives
    local_pairs = candidate_pairs(
        sketches.signatures[representatives],
        sketches.fingerprints,
        config,
        progress=lambda done, total: progress("candidates", done, total),
        memory_limit=memory_limit,
    )
    candidates = representatives[local_pairs] if len(local_pairs) else local_pairs
    return groups, candidates


def _clusters(
    corpus: _Corpus, pairs: list[Pair], shingles: _ShingleCache, config: DedupConfig
) -> tuple[Cluster, ...]:
    position = {article.id: index for index, article in enumerate(corpus.articles)}
    both = np.array([[0, 1]], dtype=np.int64)

    def similarity(first: str, second: str) -> tuple[float, float]:
        sets = shingles.pair(position[first], position[second])
        jaccard_of, containment_of = exact_similarities(sets, both)
        return float(jaccard_of[0]), float(containment_of[0])

    published = {
        a.id: (published_timestamp(a.published_at), size)
        for a, size in zip(corpus.articles, corpus.lengths, strict=True)
    }
    return clusters_for(
        [a.id for a in corpus.articles],
        pairs,
        sort_key_for(corpus.articles, corpus.lengths),
        similarity=similarity,
        config=config,
        published=published.__getitem__,
    )


def _related(
    corpus: _Corpus,
    clusters: Sequence[Cluster],
    config: DedupConfig,
    progress: Progress,
    pool: WorkerPool | None = None,
    *,
    stemmed: bool = False,
) -> dict[str, tuple[RelatedItem, ...]]:
    """The related lists of the admitted articles; ``stemmed``: the corpus's page texts are
    stemmed already (the Dask workers stem theirs)."""
    if config.related.k <= 0:
        return {}
    from dedup.related import RelatedIndex  # scikit-learn: imported only when lists are on

    cluster_of = {m.id: c.cluster_id for c in clusters for m in c.members}
    canonical_of = {c.cluster_id: c.canonical for c in clusters}
    # The page texts are normalized already (prepare): the related stage stems them (on the
    # pool's processes: a quarter of the stage on one core) as the fit reads them.
    pages = corpus.page_texts
    texts = pages if stemmed else _StemmedTexts(pages, config.related.stemming, pool)
    related_index = RelatedIndex(config.related, normalization=config.normalization)
    fitted = related_index.fit(
        corpus.articles,
        cluster_of=cluster_of,
        canonical_of=canonical_of,
        normalized=True,
        stemmed=True,
        texts=texts,
    )
    return fitted.related(progress=lambda done, total: progress("related", done, total))


# Texts per chunk when the pool stems them (as _POOL_SKETCH_BATCH: a few thousand articles
# split across both cores, each round trip a small share of its chunk's work), and chunks
# stemmed before the fit reads them: 16k stemmed texts (about 50 MB of archive articles) are
# held at once, where a list of all of them took 3 GB at a million.
_POOL_STEM_BATCH = 1024
_STEM_WINDOW_CHUNKS = 16


class _StemmedTexts:
    """:func:`dedup.related.features.stem` of each text, made as the texts are read (again
    at each reading), in windows of chunks on the pool's processes when it has more than
    one."""

    def __init__(self, texts: Sequence[str], stemming: str, pool: WorkerPool | None) -> None:
        self.texts = texts
        self.stemming = stemming
        self.pool = pool

    def __len__(self) -> int:
        return len(self.texts)

    def __iter__(self) -> Iterator[str]:
        pool = self.pool
        if pool is None or pool.jobs == 1 or len(self.texts) <= _POOL_STEM_BATCH:
            from dedup.related.features import stem

            return (stem(text, self.stemming) for text in self.texts)
        return self._on_pool(pool)

    def _on_pool(self, pool: WorkerPool) -> Iterator[str]:
        spans = list(chunked(len(self.texts), _POOL_STEM_BATCH))
        for first in range(0, len(spans), _STEM_WINDOW_CHUNKS):
            window = spans[first : first + _STEM_WINDOW_CHUNKS]
            for chunk in pool.map("stem", self._payloads(window)):
                yield from chunk

    def _payloads(self, window: list[range]) -> Built:
        return Built(
            len(window),
            lambda i: {
                "stemming": self.stemming,
                "texts": list(self.texts[window[i].start : window[i].stop]),
            },
        )


def scan(
    records: Iterable[Article | Rejected],
    *,
    config: DedupConfig | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
    memory_limit: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
) -> ScanReport:
    """Find duplicate clusters (and related lists) in a corpus.

    Parameters
    ----------
    records
        Articles, and rejects from the readers (passed through to the report).
    config
        All parameters; defaults when omitted.
    progress
        Called as ``progress(stage, done, total)``; the CLI draws a bar from it.
    jobs
        Processes for preparation, the sketches (shingles, signatures, fingerprints), the
        relations of the verified pairs and the related lists' stemming, this one included
        (:mod:`dedup.parallel`: fresh worker interpreters, safe inside any program); the
        output is the same for any value. ``dedup scan`` uses every core unless told ``--jobs``.
    memory_limit
        Bytes the candidate stage may use for its passage fingerprints (beyond, it works
        in parts spilled to a temporary folder; the result is the same); None: half of the
        machine's memory (:func:`default_memory_limit`).
    engine
        ``"local"``: this process (and ``jobs``); ``"dask"``: a Dask cluster
        (:mod:`dedup.engines.dask`, ``pip install "dedup[dask]"``), the same report but for
        ``stats["seconds"]`` and ``stats["engine"]``. ``jobs`` and ``memory_limit`` are the
        local engine's.
    scheduler
        With ``engine="dask"``: the address of a running scheduler (``tcp://HOST:8786``).
    workers
        With ``engine="dask"`` and no scheduler: worker processes of the local cluster
        started for the run (None: one per core).

    Returns
    -------
    ScanReport
        Clusters covering every accepted article once, verified pairs, rejects,
        related lists, and stats (counts, parameters, seconds per stage).

    Examples
    --------
    >>> from dedup.config import RelatedConfig
    >>> body = "أعلنت وزارة النفط العراقية اليوم عن زيادة صادرات الخام عبر موانئ البصرة"
    >>> report = scan([Article(id="a", text=body),
    ...                Article(id="b", text="بغداد - " + body.replace("أعلنت", "اعلنت")),
    ...                Article(id="c", text="فاز الفريق الوطني بالمباراة النهائية للبطولة")],
    ...               config=DedupConfig(related=RelatedConfig(k=0)))
    >>> sorted(len(c.members) for c in report.clusters)
    [1, 2]
    """
    config = DedupConfig() if config is None else config
    if not isinstance(config, DedupConfig):
        raise ConfigError(
            f"config must be a DedupConfig, got {type(config).__name__}; "
            "build one with DedupConfig(...) or DedupConfig.from_dict(values)"
        )
    if _engine(engine, scheduler, workers) == "dask":
        from dedup.engines.dask import scan_on_dask

        return scan_on_dask(
            records, config=config, progress=progress, scheduler=scheduler, workers=workers
        )
    return _scan_here(records, config, progress or _noop, jobs, memory_limit)


def _scan_here(
    records: Iterable[Article | Rejected],
    config: DedupConfig,
    report_progress: Progress,
    jobs: int,
    memory_limit: int | None,
) -> ScanReport:
    """The local engine: every stage in this process and its worker pool."""
    timer = _StageTimer()
    limit = default_memory_limit() if memory_limit is None else memory_limit
    # Workers start at the first stage that shares its work (prepare) and serve the
    # verification's relations and the related lists' stemming too.
    with WorkerPool(jobs) as pool, ExitStack() as spills:
        stream = _ReadWindows(records, report_progress)
        preparation = CorpusPreparation(
            config, pool, store=lambda: TextBuffer(limit // _TEXTS_SHARE, spills)
        )
        corpus, prepared = _prepared_corpus(stream, preparation, config, report_progress)
        rejected, input_records = stream.rejected, stream.count
        timer.split(("read", "prepare"), (stream.seconds, timer.since() - stream.seconds))
        sketches, spent = _shingle_and_sign(corpus.texts, config, report_progress, pool)
        shingles, signatures = _ShingleCache(corpus.texts, config.ngram), sketches.signatures
        timer.split(("shingle", "signature"), spent)
        groups, candidates = _candidates(sketches, config, report_progress, limit)
        timer.lap("candidates")
        # The passage fingerprints served the candidates only (1.8 GB at a million articles).
        sizes = sketches.sizes
        del sketches
        # Dates are applied per article pair by _expand_pairs: members of an exact group
        # share a text, not a date.
        verified = _verify(
            candidates, shingles, signatures, corpus.texts, config, report_progress, pool=pool
        )
        del candidates, signatures  # the verification's only (512 MB at a million articles)
        timer.lap("verify")
        pairs, too_far = _expand_pairs(corpus.articles, groups, sizes, config, verified)
        verified[4]["too_far_apart"] = too_far
        clusters = _clusters(corpus, pairs, shingles, config)
        report_progress("cluster", len(corpus.texts), len(corpus.texts))
        timer.lap("cluster")
        # The related lists read the page texts and the articles' metadata only: the texts
        # shingled are let go before their stage, the scan's peak of memory (30k archive
        # articles: 1.6 GB with related lists, 0.76 GB without).
        corpus = replace(corpus, texts=[])
        del shingles
        release_free_memory()
        related = _related(corpus, clusters, config, report_progress, pool)
        timer.lap("related")
    return build_report(
        config,
        _Outcome(corpus.articles, rejected, input_records, sizes, groups, verified[4]),
        pairs=pairs,
        clusters=clusters,
        related=related,
        prepared=prepared,
        seconds=timer.seconds,
    )


# The texts a scan keeps between its stages go to a temporary file (dedup.spill) when, as
# Python strings, they would take more than this share of the memory limit: at the default
# limit (half the machine's memory) an eighth is 1.5 GB on this 24 GB machine, some 500k
# articles of benchmarks.archive; the candidate stage may take a quarter, the sketches
# stay in memory.
_TEXTS_SHARE = 8
# Articles read and prepared at once: their raw texts are the only ones in memory (about
# 60 MB for 20,000 archive articles), many chunks for the pool's processes to share.
_WINDOW_ARTICLES = 20_000


class _ReadWindows:
    """The records in windows of articles, as they are read: the rejects and the count of
    records kept, and the seconds spent reading (:func:`read_stage`'s checks)."""

    def __init__(self, records: Iterable[Article | Rejected], progress: Progress) -> None:
        _check_collection(records)
        self._records, self._progress = records, progress
        self.rejected: list[Rejected] = []
        self.count = 0
        self.seconds = 0.0

    def __iter__(self) -> Iterator[list[Article]]:
        window: list[Article] = []
        clock = time.perf_counter()
        for position, record in enumerate(self._records):
            if position % _READ_EVERY == 0:
                self._progress("read", position, 0)  # 0: the total is not known yet
            self.count += 1
            accepted = _accepted(record, position, self.rejected)
            if accepted is not None:
                window.append(accepted)
            if len(window) == _WINDOW_ARTICLES:
                self.seconds += time.perf_counter() - clock
                yield window
                window = []
                clock = time.perf_counter()
        self.seconds += time.perf_counter() - clock
        self._progress("read", self.count, self.count)
        if window:
            yield window


def _accepted(record: object, position: int, rejected: list[Rejected]) -> Article | None:
    """The record if it is a usable article; a reject goes to ``rejected``."""
    if isinstance(record, Article):
        invalid = invalid_unicode(record)
        if invalid is None:
            return record
        rejected.append(invalid)
    elif isinstance(record, Rejected):
        rejected.append(record)
    else:
        raise InputError(
            f"item {position} is a {type(record).__name__}, not an Article; build records "
            "with dedup.Article(id=..., text=...) or read them with dedup.read_corpus(path)"
        )
    return None


def _prepared_of(progress: Progress, before: int, done: int, _: int) -> None:
    """Progress of a window's preparation: ``before`` articles of earlier windows and
    ``done`` of this one (0: the total is not known while reading)."""
    progress("prepare", before + done, 0)


def _prepared_corpus(
    stream: _ReadWindows,
    preparation: CorpusPreparation,
    config: DedupConfig,
    progress: Progress,
) -> tuple[_Corpus, PreparedTexts]:
    """Read and prepare window by window; the admitted corpus (articles without their raw
    texts, which go with each window) and the preparation's counts."""
    articles: list[Article] = []
    lengths: list[int] = []
    for window in stream:
        preparation.add(window, progress=functools.partial(_prepared_of, progress, len(articles)))
        articles.extend(replace(a, text="") for a in window)
        lengths.extend(len(a.text) for a in window)
    prepared = preparation.finish(articles.__getitem__, pages=config.related.k > 0)
    progress("prepare", len(articles), len(articles))
    stream.rejected.extend(prepared.rejected)
    corpus = _Corpus(
        [articles[i] for i in prepared.admitted],
        prepared.shingle_texts,
        prepared.page_texts,
        [lengths[i] for i in prepared.admitted],
    )
    return corpus, prepared.counts


def _engine(engine: str, scheduler: str | None, workers: int | None) -> str:
    from dedup.engines import ENGINES

    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    if engine == "local" and (scheduler is not None or workers is not None):
        raise ConfigError('scheduler and workers are settings of engine="dask"')
    return engine


@dataclass(frozen=True)
class _Outcome:
    """What the counts of a run are drawn from (every driver of a whole corpus has them)."""

    articles: Sequence[Article]
    rejected: list[Rejected]
    input_records: int
    sizes: npt.NDArray[np.int64]
    groups: npt.NDArray[np.int64]
    verify_counts: dict[str, int]


def build_report(
    config: DedupConfig,
    outcome: _Outcome,
    *,
    pairs: list[Pair],
    clusters: tuple[Cluster, ...],
    related: dict[str, tuple[RelatedItem, ...]],
    prepared: PreparedTexts,
    seconds: dict[str, float],
) -> ScanReport:
    """The report of a whole-corpus run: rejects in their order, counts and stats (the local
    scan's, and the distributed engine's)."""
    rejected, groups = outcome.rejected, outcome.groups
    rejected.sort(key=lambda r: (r.file, r.line, r.id or ""))
    stats = _stats(
        config,
        counts={
            "input_records": outcome.input_records,
            "accepted": len(outcome.articles),
            "rejected": len(rejected),
            "clusters": len(clusters),
            "duplicate_clusters": sum(1 for c in clusters if c.size > 1),
            "articles_in_duplicate_clusters": sum(c.size for c in clusters if c.size > 1),
            "too_small_to_match": int(np.count_nonzero(outcome.sizes < config.min_shingles)),
            "exact_duplicate_articles": int(np.count_nonzero(groups != np.arange(len(groups)))),
            **outcome.verify_counts,
            "pairs": len(pairs),
            "pairs_by_relation": dict(sorted(Counter(p.relation for p in pairs).items())),
            "rejects_by_reason": dict(
                sorted(Counter(r.reason.split(" (")[0] for r in rejected).items())
            ),
        },
        prepared=prepared,
        seconds=seconds,
    )
    return ScanReport(
        clusters=clusters,
        pairs=tuple(pairs),
        rejected=tuple(rejected),
        related=related,
        stats=stats,
    )


def _stats(
    config: DedupConfig,
    *,
    counts: dict[str, object],
    prepared: PreparedTexts,
    seconds: dict[str, float],
) -> dict[str, object]:
    bands, rows = config.bands_rows
    return {
        "version": __version__,
        "config_fingerprint": config.fingerprint,
        "parameters": {**config.to_dict(), "bands": bands, "rows": rows},
        "counts": counts,
        "furniture": {
            "stripped_chars": prepared.stripped_chars,
            "stripped_lines": prepared.stripped_lines,
            "kept_whole": prepared.kept_whole,
            "boilerplate_lines_dropped": prepared.boilerplate_lines_dropped,
        },
        "seconds": seconds,
    }


def _expand_pairs(
    articles: Sequence[Article],
    groups: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64],
    config: DedupConfig,
    verified: VerifiedPairs,
) -> tuple[list[Pair], int]:
    """Pairs between representatives, extended to every member of their exact groups.

    Member pairs published too far apart (:func:`~dedup.verify.too_far_apart`) are left
    out and counted.
    """
    members: dict[int, list[int]] = {}
    for index, group in enumerate(groups.tolist()):
        members.setdefault(group, []).append(index)
    ids = [article.id for article in articles]
    pairs = _exact_group_pairs(ids, members, sizes, config)
    expanded, apart = _member_pairs(articles, members, config, verified)
    pairs.extend(expanded)
    pairs.sort(key=lambda p: (p.a, p.b))
    return pairs, apart


def _pair(ids: Sequence[str], left: int, right: int, j: float, c: float, r: Relation) -> Pair:
    a, b = sorted((ids[left], ids[right]))
    return Pair(a, b, j, c, r)


def _exact_group_pairs(
    ids: Sequence[str],
    members: dict[int, list[int]],
    sizes: npt.NDArray[np.int64],
    config: DedupConfig,
) -> list[Pair]:
    """Every pair inside an exact group of matchable size: identical texts."""
    pairs = []
    for group, indices in members.items():
        if len(indices) > 1 and sizes[group] >= config.min_shingles:
            for position, left in enumerate(indices):
                for right in indices[position + 1 :]:
                    pairs.append(_pair(ids, left, right, 1.0, 1.0, "exact"))
    return pairs


def _member_pairs(
    articles: Sequence[Article],
    members: dict[int, list[int]],
    config: DedupConfig,
    verified: VerifiedPairs,
) -> tuple[list[Pair], int]:
    """Every member pair of every verified pair, then one date check over all of them."""
    pair_index, jaccard, containment, relations, _ = verified
    moments = [published_timestamp(a.published_at) for a in articles]
    timestamps = np.array([np.nan if m is None else m for m in moments], dtype=np.float64)
    expanded = [
        (member_left, member_right, k)
        for k, (left, right) in enumerate(pair_index.tolist())
        for member_left in members[left]
        for member_right in members[right]
    ]
    ends = np.array(expanded, dtype=np.int64).reshape(-1, 3)
    apart = too_far_apart(
        jaccard[ends[:, 2]], timestamps[ends[:, 0]], timestamps[ends[:, 1]], config
    )
    ids = [article.id for article in articles]
    jaccard_of, containment_of = jaccard.tolist(), containment.tolist()
    pairs = [
        _pair(ids, left, right, jaccard_of[k], containment_of[k], relations[k])
        for left, right, k in ends[~apart].tolist()
    ]
    return pairs, int(np.count_nonzero(apart))
