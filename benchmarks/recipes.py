"""The deduplicators compared in the suite, behind one interface: articles in, clusters out.

Every recipe takes the same :class:`dedup.Article` list and returns an :class:`Outcome` (a
cluster label per article, seconds, stage seconds and counts), so quality and speed are
measured on the same input in the same run.

- ``dedup``: the project, through its public API (``dedup.scan`` with the defaults, related
  lists off because no baseline has them).
- ``datasketch``: the plain recipe of the datasketch documentation: a Python set of character
  5-grams of the text, ``MinHash.update`` per shingle (128 permutations), ``MinHashLSH``
  (threshold 0.8), every LSH neighbour merged (union-find). No verification, no normalization.
- ``datasketch-bulk``: the same with ``MinHash.bulk``; the signatures are identical to the
  plain recipe's (same permutations), so its clusters are too, only faster.
- ``rensa``: the Rust MinHash (R-MinHash, 128 slots) on the same 5-gram sets, its
  ``RMinHashLSH`` (16 bands × 8 rows: 8 is the largest row count whose S-curve still catches
  most pairs at 0.8, 1 - (1 - 0.8^8)^16 = 0.95), each candidate kept when its sketch estimate
  is >= 0.8 (what ``RMinHashDeduplicator`` checks). Skipped with a message when not installed.
- ``datatrove-5w``: datatrove's ``MinhashDedup`` defaults, reimplemented here with numpy
  (no dependency on datatrove): text simplified as datatrove does (lowercase, whitespace
  collapsed, its punctuation list removed, NFD marks dropped), word 5-grams hashed to 64 bits
  with SHA-1, 14 buckets × 8 hashes (112 permutations ``(a·h + b) mod 2^61 - 1``), every
  pair sharing a bucket merged. Its S-curve midpoint is (1/14)^(1/8) ≈ 0.72.

Baselines see ``article.text`` with whitespace collapsed (what a team would feed them); texts
with no shingle at all are left as singletons instead of being merged with each other through
identical empty signatures. Union-find is ``scipy.sparse.csgraph.connected_components``.
"""

from __future__ import annotations

import hashlib
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from tqdm import tqdm

from benchmarks._report import scan_progress
from dedup import Article, DedupConfig, RelatedConfig, scan
from dedup.parallel import default_jobs

__all__ = [
    "BASELINES",
    "RECIPES",
    "Outcome",
    "available_recipes",
    "char_shingles",
    "collapse",
    "components",
    "datatrove_shingles",
    "run_datasketch",
    "run_datatrove",
    "run_dedup",
    "run_rensa",
]

NGRAM = 5
NUM_PERM = 128
THRESHOLD = 0.8
RENSA_BANDS = 16
# datatrove MinhashConfig defaults: n_grams=5, num_buckets=14, hashes_per_bucket=8.
DATATROVE_NGRAM, DATATROVE_BUCKETS, DATATROVE_ROWS = 5, 14, 8
_MERSENNE = np.uint64((1 << 61) - 1)


@dataclass
class Outcome:
    """What a recipe did with a corpus.

    ``labels[i]`` is the cluster of article ``i`` (equal labels: one cluster). ``found`` holds
    the (id, id) pairs the recipe itself reported as matching (for ``dedup``: its verified
    pairs, template pairs included), used to measure LSH recall against the brute-force oracle.
    """

    recipe: str
    labels: npt.NDArray[np.int64]
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    found: set[tuple[str, str]] | None = None


def collapse(text: str) -> str:
    """Whitespace collapsed: the only preparation the baselines get."""
    return " ".join(text.split())


def char_shingles(text: str, ngram: int = NGRAM) -> set[str]:
    """The set of character n-grams of ``text`` (a Python set, as the plain recipe builds it)."""
    return {text[i : i + ngram] for i in range(len(text) - ngram + 1)}


def components(count: int, edges: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Connected components of ``count`` nodes joined by ``edges`` (m, 2): union-find output."""
    if len(edges) == 0:
        return np.arange(count, dtype=np.int64)
    graph = coo_matrix(
        (np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), shape=(count, count)
    )
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def _bar(iterable: Any, label: str, total: int, show: bool) -> Any:
    return tqdm(
        iterable,
        desc=label,
        total=total,
        unit="art",
        leave=False,
        file=sys.stderr,
        disable=not show,
    )


# ------------------------------------------------------------------ the project


def run_dedup(
    articles: Sequence[Article],
    *,
    config: DedupConfig | None = None,
    progress: bool = True,
    name: str = "dedup",
    jobs: int | None = None,
) -> Outcome:
    """The project through its public API, on every core unless told ``jobs`` (as ``dedup
    scan``); rejected (too short) articles are singletons."""
    config = config or DedupConfig(related=RelatedConfig(k=0))
    callback, close = scan_progress(name) if progress else (None, lambda: None)
    started = time.perf_counter()
    report = scan(
        articles, config=config, progress=callback, jobs=default_jobs() if jobs is None else jobs
    )
    seconds = time.perf_counter() - started
    close()
    position = {article.id: index for index, article in enumerate(articles)}
    labels = np.arange(len(articles), dtype=np.int64)
    for cluster in report.clusters:
        first = position[cluster.members[0].id]
        for member in cluster.members:
            labels[position[member.id]] = first
    counts: dict[str, Any] = report.stats["counts"]  # type: ignore[assignment]
    return Outcome(
        recipe=name,
        labels=labels,
        seconds=seconds,
        stages=dict(report.stats["seconds"]),  # type: ignore[call-overload]
        counts={key: counts[key] for key in ("candidates", "verified_exactly", "pairs")},
        found={(pair.a, pair.b) for pair in report.pairs},
    )


# ------------------------------------------------------------------ datasketch


def run_datasketch(
    articles: Sequence[Article], *, bulk: bool = False, progress: bool = True
) -> Outcome:
    """The plain datasketch recipe (``MinHash.update`` per shingle) or ``MinHash.bulk``."""
    from datasketch import MinHash, MinHashLSH

    name = "datasketch-bulk" if bulk else "datasketch"
    started = time.perf_counter()
    texts = [collapse(article.text) for article in articles]
    sets = [char_shingles(text) for text in texts]
    usable = [i for i, shingles in enumerate(sets) if shingles]
    shingled = time.perf_counter()
    if bulk:
        sketches = MinHash.bulk(
            ([s.encode("utf-8") for s in sets[i]] for i in usable), num_perm=NUM_PERM
        )
    else:
        sketches = []
        for i in _bar(usable, name, len(usable), progress):
            sketch = MinHash(num_perm=NUM_PERM)
            for shingle in sets[i]:
                sketch.update(shingle.encode("utf-8"))
            sketches.append(sketch)
    signed = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    for key, sketch in zip(usable, sketches, strict=True):
        lsh.insert(key, sketch)
    edges = [
        (key, other)
        for key, sketch in zip(usable, sketches, strict=True)
        for other in lsh.query(sketch)
        if other != key
    ]
    edge_array = np.array(edges, dtype=np.int64).reshape(-1, 2)
    labels = components(len(articles), edge_array)
    finished = time.perf_counter()
    return Outcome(
        recipe=name,
        labels=labels,
        seconds=finished - started,
        stages={
            "shingle": shingled - started,
            "signature": signed - shingled,
            "lsh+union-find": finished - signed,
        },
        counts={"candidates": len(edges) // 2},
    )


# ------------------------------------------------------------------ rensa


def rensa_available() -> bool:
    try:
        import rensa  # noqa: F401
    except ImportError:
        return False
    return True


def run_rensa(articles: Sequence[Article], *, progress: bool = True) -> Outcome:
    """rensa R-MinHash + RMinHashLSH on the same 5-gram sets; candidates kept at estimate >= 0.8."""
    from rensa import RMinHash, RMinHashLSH

    started = time.perf_counter()
    sets = [list(char_shingles(collapse(article.text))) for article in articles]
    usable = [i for i, shingles in enumerate(sets) if shingles]
    shingled = time.perf_counter()
    sketches = RMinHash.from_token_sets([sets[i] for i in usable], num_perm=NUM_PERM, seed=42)
    signed = time.perf_counter()
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=RENSA_BANDS)
    for position, sketch in enumerate(sketches):
        lsh.insert(position, sketch)
    edges: list[tuple[int, int]] = []
    candidates = 0
    for position, sketch in enumerate(_bar(sketches, "rensa", len(sketches), progress)):
        for other in lsh.query(sketch):
            if other > position:
                candidates += 1
                if sketch.jaccard(sketches[other]) >= THRESHOLD:
                    edges.append((usable[position], usable[other]))
    labels = components(len(articles), np.array(edges, dtype=np.int64).reshape(-1, 2))
    finished = time.perf_counter()
    return Outcome(
        recipe="rensa",
        labels=labels,
        seconds=finished - started,
        stages={
            "shingle": shingled - started,
            "signature": signed - shingled,
            "lsh+verify+union-find": finished - signed,
        },
        counts={"candidates": candidates, "pairs": len(edges)},
    )


# ------------------------------------------------------------------ datatrove-like

# datatrove's punctuation list (ASCII, typographic quotes and dashes, CJK marks, C0/C1
# controls). Arabic ، ؛ ؟ are not in it, so they stay glued to words, as in datatrove.
_DATATROVE_PUNCTUATION = (
    "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»"
    + "".join(map(chr, [*range(32), *range(127, 160)]))
)
_DROP_PUNCTUATION = str.maketrans("", "", _DATATROVE_PUNCTUATION)


def datatrove_simplify(text: str) -> str:
    """Lowercase, whitespace collapsed, punctuation removed, NFD marks dropped (datatrove's way).

    NFD splits أ إ آ ؤ ئ into a base letter and a combining hamza or madda, so dropping the
    marks also folds those letters, as well as the harakat.
    """
    text = " ".join(text.lower().split()).translate(_DROP_PUNCTUATION)
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").strip()


def datatrove_shingles(text: str, ngram: int = DATATROVE_NGRAM) -> npt.NDArray[np.uint64]:
    """64-bit SHA-1 hashes (first 8 bytes, little-endian) of the word n-grams of ``text``."""
    words = datatrove_simplify(text).split()
    grams = [" ".join(words[i : i + ngram]).encode("utf-8") for i in range(len(words) - ngram + 1)]
    return np.array(
        [int.from_bytes(hashlib.sha1(gram).digest()[:8], "little") for gram in grams],
        dtype=np.uint64,
    )


def _datatrove_permutations(count: int, seed: int = 1) -> tuple[npt.NDArray[np.uint64], ...]:
    generator = np.random.RandomState(seed)
    a = generator.randint(1, _MERSENNE, dtype=np.uint64, size=count)
    b = generator.randint(0, _MERSENNE, dtype=np.uint64, size=count)
    return a, b


def run_datatrove(articles: Sequence[Article], *, progress: bool = True) -> Outcome:
    """Word 5-grams, 14 buckets × 8 hashes (64-bit), every bucket collision merged."""
    started = time.perf_counter()
    hashes = [
        datatrove_shingles(article.text)
        for article in _bar(articles, "datatrove-5w", len(articles), progress)
    ]
    shingled = time.perf_counter()
    a, b = _datatrove_permutations(DATATROVE_BUCKETS * DATATROVE_ROWS)
    usable = np.array([i for i, h in enumerate(hashes) if len(h)], dtype=np.int64)
    signatures = np.empty((len(usable), len(a)), dtype=np.uint64)
    with np.errstate(over="ignore"):  # datatrove's uint64 product wraps the same way
        for row, index in enumerate(usable.tolist()):
            values = hashes[index][:, None] * a[None, :] + b[None, :]
            signatures[row] = (values % _MERSENNE).min(axis=0)
    signed = time.perf_counter()
    edges = []
    for bucket in range(DATATROVE_BUCKETS):
        block = np.ascontiguousarray(
            signatures[:, bucket * DATATROVE_ROWS : (bucket + 1) * DATATROVE_ROWS]
        )
        keys = block.view(np.dtype((np.void, 8 * DATATROVE_ROWS))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        # Linking every member to its bucket's first member gives the same components as
        # all pairs of the bucket, without the quadratic list.
        linked = np.flatnonzero(first[inverse] != np.arange(len(keys)))
        edges.append(np.stack([usable[first[inverse[linked]]], usable[linked]], axis=1))
    edge_array = np.concatenate(edges) if edges else np.empty((0, 2), dtype=np.int64)
    labels = components(len(articles), edge_array)
    finished = time.perf_counter()
    return Outcome(
        recipe="datatrove-5w",
        labels=labels,
        seconds=finished - started,
        stages={
            "shingle": shingled - started,
            "signature": signed - shingled,
            "buckets+union-find": finished - signed,
        },
        counts={"bucket_links": len(edge_array)},
    )


Runner = Callable[..., Outcome]

RECIPES: dict[str, Runner] = {
    "dedup": run_dedup,
    "datasketch": run_datasketch,
    "datasketch-bulk": lambda articles, **kw: run_datasketch(articles, bulk=True, **kw),
    "rensa": run_rensa,
    "datatrove-5w": run_datatrove,
}
BASELINES = tuple(name for name in RECIPES if name != "dedup")


def available_recipes(names: Sequence[str] | None = None) -> list[str]:
    """The requested recipes that can run here; says on stderr which are skipped and why."""
    chosen = list(names or RECIPES)
    unknown = sorted(set(chosen) - set(RECIPES))
    if unknown:
        raise SystemExit(f"unknown recipes {unknown}; available: {', '.join(RECIPES)}")
    if "rensa" in chosen and not rensa_available():
        print(
            "rensa is not installed: its rows are skipped (pip install 'dedup[bench]')",
            file=sys.stderr,
        )
        chosen.remove("rensa")
    return chosen
