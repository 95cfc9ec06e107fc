"""One batch of the index: everything it writes, planned from reads only.

:meth:`BatchPlanner.plan` runs the scan's stages on the batch's new articles and on the
stored articles the batch affects, against the store (see :mod:`dedup.index.api` for the
order of the stages), and returns the store's :class:`~dedup.index.store.Changes` with the
state after them, so a query can run it too without writing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct
from dedup.boilerplate import LineStatistics, line_contributions
from dedup.candidates import Fingerprints, candidate_pairs, passage_fingerprints
from dedup.config import DedupConfig
from dedup.index.caches import BandIndex, SignatureCache
from dedup.index.codec import pack_dropped, pack_lines, signed64, unpack_dropped, unpack_lines
from dedup.index.components import (
    RELATION_CODE,
    SimilarityCache,
    affected_component,
    cluster_component,
)
from dedup.index.related import RelatedLists, TermVector
from dedup.index.store import Changes, ClusterFields, Edge, Record, StoreReader
from dedup.lsh import band_values
from dedup.prepare import (
    dropped_lines,
    invalid_unicode,
    prepare_page,
    published_timestamp,
    shingle_text,
    too_short,
)
from dedup.records import Article, Rejected
from dedup.shingle import ShingleSets, concatenate, shingle_texts
from dedup.signature import minhash_signatures
from dedup.verify import (
    estimated_between,
    minimum_estimate,
    verify_pairs,
)

__all__ = ["BatchPlanner", "Plan"]

I64Array = npt.NDArray[np.int64]

# verify_pairs drops a candidate whose MinHash estimate is 3 standard deviations under the
# lowest acceptable Jaccard; the stored candidates are screened a little more loosely
# first (3.5), so only the ones verify_pairs may keep have their shingles recomputed, and
# verify_pairs itself makes the decision, exactly as in the scan.
_SCREEN_SIGMAS: Final = 3.5
# The store's buckets hold the passage fingerprints too (dedup.candidates), under a band
# number no LSH layout uses (the stores keep a band in 2 unsigned bytes, and bands*rows is at
# most num_perm): a stored article is a candidate of a new one when they share
# fingerprints, as in the scan.
FINGERPRINT_BAND: Final = 0xFFFF


@dataclass
class _New:
    """A new article, prepared."""

    article: Article
    num: int
    lines: list[str]
    contributions: dict[int, int]
    vector: TermVector
    published_ts: float | None


@dataclass
class _Doc:
    """An article shingled in this batch: new, or stored and filtered anew."""

    num: int
    lines: list[str]
    dropped: tuple[int, ...]
    record: Record | None  # the stored record; None for a new article


@dataclass
class Plan:
    """A batch's writes, and the state after it (for query results)."""

    changes: Changes
    records: dict[int, Record] = field(default_factory=dict)
    edges: dict[int, list[Edge]] = field(default_factory=dict)
    ids: dict[int, str] = field(default_factory=dict)
    vectors: dict[int, bytes] = field(default_factory=dict)
    rejected: dict[str, Rejected] = field(default_factory=dict)
    """New articles not admitted (too short to shingle), by id: nothing of them is written."""


@dataclass
class _Batch:
    """What the steps of one plan compute, in the order they run."""

    changes: Changes
    news: list[_New]
    deleted: dict[int, Record]
    deleted_lines: dict[int, list[str]]
    ids: dict[int, str]
    stored_docs: int
    """Articles stored before the batch."""
    statistics: LineStatistics | None = None
    affected: dict[int, Record] = field(default_factory=dict)
    affected_lines: dict[int, list[str]] = field(default_factory=dict)
    docs: list[_Doc] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    void: set[int] = field(default_factory=set)
    """Stored articles whose text changes or goes: their old buckets and edges are void."""
    text_of: dict[int, str] = field(default_factory=dict)
    survivor_records: dict[int, Record] = field(default_factory=dict)
    new_edges: dict[int, list[Edge]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class _Shingled:
    """The shingles, signatures and band values of a batch's (re)shingled articles."""

    shingles: ShingleSets
    signatures: npt.NDArray[np.uint32]
    values: I64Array
    nums: I64Array
    eligible: I64Array
    fingerprints: Fingerprints | None = None


class BatchPlanner:
    """Plans batches for one :class:`~dedup.index.api.Index`, with the caches it reads.

    The caches (signatures, LSH buckets, exact similarities, and the related stage's) follow
    the Index's own commits (:meth:`update`) and are dropped when another connection commits
    (:meth:`invalidate`).
    """

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        self._bands, self._rows = config.bands_rows
        # Only its threshold(source) is used: the bar of the unknown-source pool is twice as high.
        self._line_bar = LineStatistics(min_articles=config.boilerplate_min_articles)
        self._signatures = SignatureCache(config.num_perm)
        self._band_index = BandIndex(self._bands, self._rows, config.min_shingles)
        # Exact (Jaccard, containment) of article pairs the clusters asked for, by (low, high)
        # number: a component is clustered again whenever a new copy joins it, and most of
        # its pairs were computed for the previous one (with their shingles read anew).
        self._similarities = SimilarityCache()
        self.related = RelatedLists(config)

    def begin(self) -> None:
        """Forget the similarities of a query, or of a batch that was not committed."""
        self._similarities.begin()

    def oversized(self) -> bool:
        """Whether a cache has grown past its bound (then the caller invalidates)."""
        return self.related.oversized()

    def invalidate(self) -> None:
        """Forget every value read or computed from the store (another writer changed it)."""
        self._signatures.invalidate()
        self._band_index.invalidate()
        self.related.invalidate()
        self._similarities.clear()

    def update(self, changes: Changes) -> None:
        """Follow a commit of this Index."""
        self.related.update(changes)
        self._signatures.update(changes)
        self._band_index.update(changes, self._signatures)
        rewritten = set(changes.blobs["signature"]) - set(changes.blobs["lines"])
        if changes.deleted or rewritten or self._similarities.oversized():
            self._similarities.clear()  # their texts changed or are gone

    def committed(self) -> None:
        """Keep the similarities the committed batches computed."""
        self._similarities.committed()

    def _prepare(self, article: Article, num: int) -> _New | Rejected:
        """The scan's preparation of one article (:mod:`dedup.prepare`), plus its term
        vector and its line contributions; a reject when it is too short to shingle."""
        config = self.config
        invalid = invalid_unicode(article)
        if invalid is not None:
            return invalid
        page = prepare_page(article.text, config)
        rejected = too_short(article, len(shingle_text(page.lines)), config)
        if rejected is not None:
            return rejected
        contributions = (
            self._contributions(page.lines, article.source) if config.learn_boilerplate else {}
        )
        vector = self.related.term_vector(article, page.lines)
        published = published_timestamp(article.published_at)
        return _New(article, num, page.lines, contributions, vector, published)

    def _threshold(self, source: str) -> int:
        return self._line_bar.threshold(source)

    def _statistics(self, counts: dict[int, int]) -> LineStatistics:
        """The scan's boilerplate rule over the index's distinct-context counts."""
        return LineStatistics.from_counts(counts, min_articles=self.config.boilerplate_min_articles)

    @staticmethod
    def _contributions(lines: list[str], source: str) -> dict[int, int]:
        """The article's context per line key (keys as the store holds them, signed)."""
        return {signed64(key): c for key, c in line_contributions(lines, source).items()}

    # ------------------------------------------------------------------ the batch plan

    def plan(
        self, reader: StoreReader, inserts: list[Article], deletes: list[int], *, now: float
    ) -> Plan:
        """Everything a batch writes, computed from reads only (so a query can run it too).

        The steps, in order: prepare and admit the new articles; count their learned
        boilerplate lines (and refilter the stored articles whose lines flip); shingle,
        sign and band what is (re)shingled; candidates from the stored buckets and inside
        the batch; verification; the affected components and their clusters; the records;
        the related stage's terms.
        """
        batch, rejected = self._start(reader, inserts, deletes)
        if self.config.learn_boilerplate:
            self._learn_lines(reader, batch)
        self._docs(batch)
        shingled = self._shingle(reader, batch)
        self._verify(reader, batch, shingled)
        old_edges = reader.edges(batch.void)
        removed = {(min(e.a, e.b), max(e.a, e.b)) for edges in old_edges.values() for e in edges}
        batch.changes.edge_remove.extend(sorted(removed))
        seeds = self._seeds(batch, shingled, old_edges)
        component, adjacency = affected_component(reader, seeds, batch.void, batch.new_edges)
        records = self._component_records(reader, batch, component, now)
        clusters = cluster_component(
            reader,
            component,
            records=records,
            adjacency=adjacency,
            text_of=batch.text_of,
            ids=batch.ids,
            first_new=batch.changes.next_num - len(batch.news),
            config=self.config,
            cache=self._similarities,
        )
        self._write_records(batch, shingled, clusters, records)
        self.related.plan_terms(
            reader, [(n.num, n.vector) for n in batch.news], batch.deleted, batch.changes
        )
        return self._result(batch, records, rejected)

    def _start(
        self, reader: StoreReader, inserts: list[Article], deletes: list[int]
    ) -> tuple[_Batch, dict[str, Rejected]]:
        """Prepare and admit the new articles (numbered in order), read the deleted ones."""
        next_num, n_docs = reader.counters()
        news: list[_New] = []
        rejected: dict[str, Rejected] = {}
        for article in inserts:
            prepared = self._prepare(article, next_num + len(news))
            if isinstance(prepared, Rejected):
                rejected[article.id] = prepared
            else:
                news.append(prepared)
        changes = Changes(next_num=next_num + len(news), n_docs=n_docs + len(news))
        deleted = reader.records(deletes)
        changes.deleted = deleted
        changes.n_docs -= len(deleted)
        deleted_lines = {n: unpack_lines(b) for n, b in reader.blobs("lines", deleted).items()}
        ids: dict[int, str] = {n.num: n.article.id for n in news}
        ids.update({num: r.id for num, r in deleted.items()})
        return _Batch(changes, news, deleted, deleted_lines, ids, n_docs), rejected

    def _line_deltas(self, batch: _Batch) -> tuple[Counter[tuple[int, int]], dict[int, str]]:
        """How the batch changes each (line key, context) count, and the source of each key."""
        changes = batch.changes
        delta: Counter[tuple[int, int]] = Counter()
        source_of: dict[int, str] = {}
        for new in batch.news:
            for key, context in new.contributions.items():
                delta[key, context] += 1
                source_of[key] = new.article.source
                changes.ref_add.append((key, new.num))
        for num, record in batch.deleted.items():
            lines = batch.deleted_lines.get(num, [])
            for key, context in self._contributions(lines, record.source).items():
                delta[key, context] -= 1
                source_of[key] = record.source
                changes.ref_remove.append((key, num))
        return delta, source_of

    def _learn_lines(self, reader: StoreReader, batch: _Batch) -> None:
        """Learned boilerplate: per-context counts, lines that flip, stored articles to refilter."""
        changes = batch.changes
        delta, source_of = self._line_deltas(batch)
        touched = [pair for pair, d in delta.items() if d]
        before_n = reader.line_contexts(touched)
        before = reader.line_counts(source_of)
        counts = dict(before)
        for pair in touched:
            old = before_n.get(pair, 0)
            new_n = old + delta[pair]
            changes.line_contexts[pair] = new_n
            counts[pair[0]] = counts.get(pair[0], 0) + (old == 0 < new_n) - (new_n <= 0 < old)
        flipped = []
        for key, source in source_of.items():
            if counts.get(key, 0) != before.get(key, 0):
                changes.line_counts[key] = counts.get(key, 0)
            bar = self._threshold(source)
            if (before.get(key, 0) >= bar) != (counts.get(key, 0) >= bar):
                flipped.append(key)
        if flipped:
            nums = {n for found in reader.line_refs(flipped).values() for n in found}
            batch.affected = reader.records(nums - set(batch.deleted))
            batch.affected_lines = {
                n: unpack_lines(b) for n, b in reader.blobs("lines", batch.affected).items()
            }
            extra = {
                key
                for num, record in batch.affected.items()
                for key in self._contributions(batch.affected_lines[num], record.source)
            } - set(counts)
            counts.update(reader.line_counts(extra))
        batch.statistics = self._statistics(counts)

    def _docs(self, batch: _Batch) -> None:
        """The articles to shingle: the new ones, and the stored ones whose kept lines changed."""
        statistics = batch.statistics
        for new in batch.news:
            dropped = dropped_lines(statistics, new.lines, new.article.source)
            batch.docs.append(_Doc(new.num, new.lines, dropped, None))
        if statistics is not None:
            for num, record in sorted(batch.affected.items()):
                lines = batch.affected_lines[num]
                dropped = dropped_lines(statistics, lines, record.source)
                if dropped != unpack_dropped(record.dropped):
                    batch.docs.append(_Doc(num, lines, dropped, record))
                    batch.ids[num] = record.id
        batch.void = {doc.num for doc in batch.docs if doc.record is not None} | set(batch.deleted)
        if any(doc.record is not None for doc in batch.docs):
            self._similarities.clear()  # stored texts change in this batch
        batch.texts = [shingle_text(doc.lines, doc.dropped) for doc in batch.docs]
        batch.text_of = {doc.num: text for doc, text in zip(batch.docs, batch.texts, strict=True)}

    def _shingle(self, reader: StoreReader, batch: _Batch) -> _Shingled:
        """Shingles, signatures and band values of the docs; their bucket and signature writes."""
        config, changes = self.config, batch.changes
        shingles = shingle_texts(batch.texts, config.ngram)
        signatures = minhash_signatures(shingles, num_perm=config.num_perm, seed=config.seed)
        values = band_values(signatures, self._bands, self._rows)
        nums = np.array([doc.num for doc in batch.docs], dtype=np.int64)
        for num, old_signature in reader.blobs("signature", batch.void).items():
            old_values = band_values(
                np.frombuffer(old_signature, dtype="<u4").reshape(1, -1), self._bands, self._rows
            )[0]
            changes.bucket_remove.extend(
                (band, value, num) for band, value in enumerate(old_values.tolist())
            )
        eligible = np.flatnonzero(shingles.sizes >= config.min_shingles)
        if len(eligible):
            triples = np.column_stack(
                [
                    np.tile(np.arange(self._bands, dtype=np.int64), len(eligible)),
                    values[eligible].ravel(),
                    np.repeat(nums[eligible], self._bands),
                ]
            )
            changes.bucket_add.extend(map(tuple, triples.tolist()))
        for i, doc in enumerate(batch.docs):
            changes.blobs["signature"][doc.num] = signatures[i].astype("<u4").tobytes()
        fingerprints = self._post_fingerprints(batch, nums, eligible)
        return _Shingled(shingles, signatures, values, nums, eligible, fingerprints)

    def _fingerprints(self, texts: list[str]) -> Fingerprints:
        config = self.config
        return passage_fingerprints(
            texts, chars=config.fingerprint_chars, window=config.fingerprint_window
        )

    def _post_fingerprints(
        self, batch: _Batch, nums: I64Array, eligible: I64Array
    ) -> Fingerprints | None:
        """The docs' fingerprints; their postings written, the void articles' old ones removed."""
        if not self.config.passage_candidates:
            return None
        changes = batch.changes
        old = [
            (num, shingle_text(lines, unpack_dropped(record.dropped)))
            for num, record, lines in self._void_texts(batch)
            if record.size >= self.config.min_shingles
        ]
        if old:
            gone = self._fingerprints([text for _, text in old])
            owners = np.repeat([num for num, _ in old], gone.sizes)
            changes.bucket_remove.extend(
                (FINGERPRINT_BAND, value, num)
                for value, num in zip(
                    gone.hashes.view(np.int64).tolist(), owners.tolist(), strict=True
                )
            )
        fingerprints = self._fingerprints(batch.texts)
        posted = fingerprints.take(eligible)
        owners = np.repeat(nums[eligible], posted.sizes)
        changes.bucket_add.extend(
            (FINGERPRINT_BAND, value, num)
            for value, num in zip(
                posted.hashes.view(np.int64).tolist(), owners.tolist(), strict=True
            )
        )
        return fingerprints

    @staticmethod
    def _void_texts(batch: _Batch) -> list[tuple[int, Record, list[str]]]:
        """The stored articles whose postings go: re-shingled ones and deleted ones."""
        found = [(doc.num, doc.record, doc.lines) for doc in batch.docs if doc.record is not None]
        found.extend(
            (num, record, batch.deleted_lines.get(num, [])) for num, record in batch.deleted.items()
        )
        return found

    def _stored_candidates(
        self, reader: StoreReader, batch: _Batch, shingled: _Shingled
    ) -> tuple[I64Array, I64Array, npt.NDArray[np.uint32]]:
        """(doc position, stored number) pairs sharing a bucket that pass the MinHash screen,
        with the distinct screened stored numbers and their signatures."""
        eligible, values = shingled.eligible, shingled.values
        queries = np.repeat(eligible, self._bands)
        band_ids = np.tile(np.arange(self._bands, dtype=np.int64), len(eligible))
        found_q, found_num = self._bucket_members(
            reader, queries, band_ids, values[eligible].ravel()
        )
        if shingled.fingerprints is not None:
            passage_q, passage_num = self._passage_members(reader, shingled)
            found_q = np.concatenate([found_q, passage_q])
            found_num = np.concatenate([found_num, passage_num])
        if batch.void and len(found_num):
            keep = ~np.isin(found_num, np.fromiter(batch.void, dtype=np.int64))
            found_q, found_num = found_q[keep], found_num[keep]
        # One row per (batch article, stored article), however many bands they share.
        width = np.int64(max(int(found_num.max(initial=0)), int(queries.max(initial=0))) + 1)
        codes = distinct(found_q * width + found_num)
        pairs = np.stack([codes // width, codes % width], axis=1).reshape(-1, 2)
        candidates = distinct(pairs[:, 1])
        matrix = self._signatures.lookup(reader, candidates, batch.stored_docs)
        if not len(pairs):
            return pairs, np.empty(0, dtype=np.int64), matrix[:0]
        where = np.searchsorted(candidates, pairs[:, 1])
        estimates = estimated_between(shingled.signatures, pairs[:, 0], matrix, where)
        pairs = pairs[estimates >= minimum_estimate(self.config, _SCREEN_SIGMAS)]
        survivors = distinct(pairs[:, 1])
        return pairs, survivors, matrix[np.searchsorted(candidates, survivors)]

    def _passage_members(
        self, reader: StoreReader, shingled: _Shingled
    ) -> tuple[I64Array, I64Array]:
        """(doc position, stored number) pairs sharing at least ``fingerprint_min_shared``
        fingerprints posted by at most ``fingerprint_max_df`` articles (stored and new), as
        :func:`dedup.candidates.fingerprint_pairs` counts them in the scan."""
        config = self.config
        posted = shingled.fingerprints.take(shingled.eligible)  # type: ignore[union-attr]
        queries = np.repeat(shingled.eligible, posted.sizes)
        values = posted.hashes.view(np.int64)
        found_q, found_num = reader.bucket_members(
            np.arange(len(values), dtype=np.int64),
            np.full(len(values), FINGERPRINT_BAND, dtype=np.int64),
            values,
        )
        # Articles posting each fingerprint: the stored ones, plus the batch's own.
        stored = np.bincount(found_q, minlength=len(values))
        _, inverse, in_batch = np.unique(values, return_inverse=True, return_counts=True)
        frequent = stored + in_batch[inverse] > config.fingerprint_max_df
        keep = ~frequent[found_q]
        codes, shared = np.unique(
            queries[found_q[keep]] * np.int64(1 << 32) + found_num[keep], return_counts=True
        )
        codes = codes[shared >= config.fingerprint_min_shared]
        return codes >> np.int64(32), codes & np.int64(0xFFFFFFFF)

    def _verify(self, reader: StoreReader, batch: _Batch, shingled: _Shingled) -> None:
        """The scan's verification of the batch's candidates; the accepted pairs as edges."""
        config = self.config
        stored_pairs, survivors, survivor_sigs = self._stored_candidates(reader, batch, shingled)
        batch.survivor_records = records = reader.records(survivors.tolist())
        lines = reader.blobs("lines", survivors.tolist())
        survivor_texts = [
            shingle_text(unpack_lines(lines[n]), unpack_dropped(records[n].dropped))
            for n in survivors.tolist()
        ]
        for n, text in zip(survivors.tolist(), survivor_texts, strict=True):
            batch.text_of[n] = text
            batch.ids[n] = records[n].id
        universe = concatenate(
            [shingled.shingles, shingle_texts(survivor_texts, config.ngram)], config.ngram
        )
        universe_sigs = np.concatenate([shingled.signatures, survivor_sigs]).reshape(
            -1, config.num_perm
        )
        universe_nums = np.concatenate([shingled.nums, survivors]).astype(np.int64)
        pair_parts = [
            np.stack(
                [
                    stored_pairs[:, 0],
                    len(batch.docs) + np.searchsorted(survivors, stored_pairs[:, 1]),
                ],
                axis=1,
            ).astype(np.int64)
        ]
        eligible = shingled.eligible
        if len(eligible) > 1:
            fingerprints = shingled.fingerprints
            inside = candidate_pairs(
                shingled.signatures[eligible],
                None if fingerprints is None else fingerprints.take(eligible),
                config,
            )
            pair_parts.append(eligible[inside].astype(np.int64))
        published = {new.num: new.published_ts for new in batch.news}
        published.update({n: r.published_ts for n, r in batch.affected.items()})
        published.update({n: r.published_ts for n, r in records.items()})
        moments = [published.get(n) for n in universe_nums.tolist()]
        timestamps = np.array([np.nan if m is None else m for m in moments], dtype=np.float64)
        accepted, jaccard, containment, relations, _ = verify_pairs(
            np.concatenate(pair_parts).reshape(-1, 2),
            universe,
            universe_sigs,
            batch.texts + survivor_texts,
            config,
            timestamps,
        )
        for (left, right), j, c, relation in zip(
            accepted.tolist(), jaccard.tolist(), containment.tolist(), relations, strict=True
        ):
            a, b = int(universe_nums[left]), int(universe_nums[right])
            edge = Edge(a, b, j, c, RELATION_CODE[relation])
            batch.changes.edge_add.append(edge)
            batch.new_edges[a].append(edge)
            batch.new_edges[b].append(Edge(b, a, j, c, edge.relation))

    @staticmethod
    def _seeds(batch: _Batch, shingled: _Shingled, old_edges: dict[int, list[Edge]]) -> set[int]:
        """Where the affected components start: the (re)shingled articles and every article
        an edge of theirs touches, new or removed; deleted articles are gone."""
        new_edges = batch.new_edges
        seeds = set(shingled.nums.tolist()) | {
            n for edges in new_edges.values() for e in edges for n in (e.a, e.b)
        }
        seeds |= {e.b for edges in old_edges.values() for e in edges}
        return seeds - set(batch.deleted)

    def _component_records(
        self, reader: StoreReader, batch: _Batch, component: set[int], now: float
    ) -> dict[int, Record]:
        """The records of the component's articles, the new ones made up."""
        known = {**batch.survivor_records, **batch.affected}
        new_nums = {new.num for new in batch.news}
        records = reader.records([n for n in component if n not in known and n not in new_nums])
        records.update({n: known[n] for n in component if n in known})
        for new in batch.news:
            records[new.num] = Record(
                num=new.num,
                id=new.article.id,
                published_ts=new.published_ts,
                added_ts=now,
                text_len=len(new.article.text),
                source=new.article.source,
                size=0,
                norm=0.0,
                cluster=ClusterFields(new.num),
            )
        for num in component:
            batch.ids[num] = records[num].id
        return records

    @staticmethod
    def _write_records(
        batch: _Batch,
        shingled: _Shingled,
        clusters: dict[int, ClusterFields],
        records: dict[int, Record],
    ) -> None:
        """Records of (re)shingled articles, cluster changes of the others, new lines."""
        changes = batch.changes
        doc_index = {doc.num: i for i, doc in enumerate(batch.docs)}
        sizes = shingled.shingles.sizes
        for num, fields in clusters.items():
            record = records[num]
            if num in doc_index:
                doc = batch.docs[doc_index[num]]
                changes.records[num] = replace(
                    record,
                    size=int(sizes[doc_index[num]]),
                    cluster=fields,
                    dropped=pack_dropped(doc.dropped),
                )
            elif record.cluster != fields:
                changes.clusters[num] = fields
        for new in batch.news:
            changes.blobs["lines"][new.num] = pack_lines(new.lines)

    @staticmethod
    def _result(batch: _Batch, records: dict[int, Record], rejected: dict[str, Rejected]) -> Plan:
        changes = batch.changes
        after = {**records, **changes.records}
        after.update({n: replace(records[n], cluster=f) for n, f in changes.clusters.items()})
        return Plan(
            changes,
            records=after,
            edges=dict(batch.new_edges),
            ids=batch.ids,
            vectors=changes.blobs["vector"],
            rejected=rejected,
        )

    def _bucket_members(
        self, reader: StoreReader, queries: I64Array, bands: I64Array, values: I64Array
    ) -> tuple[I64Array, I64Array]:
        """Stored articles in the probed buckets: from memory once the signatures are."""
        if self._signatures.valid and not self._band_index.valid:
            banded = np.zeros(self._signatures.matrix.shape[0], dtype=bool)
            sizes = {r.num: r.size for r in reader.all_records()}
            nums = np.fromiter(sizes, dtype=np.int64, count=len(sizes))
            counts = np.fromiter(sizes.values(), dtype=np.int64, count=len(sizes))
            nums = nums[(counts >= self.config.min_shingles) & (nums < len(banded))]
            banded[nums] = True
            self._band_index.build(self._signatures, banded)
        if self._band_index.valid:
            return self._band_index.members(queries, bands, values)
        return reader.bucket_members(queries, bands, values)
