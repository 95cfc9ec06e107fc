"""Writers for the scan outputs: a stable contract others build on.

``clusters.jsonl``, ``pairs.jsonl``, ``rejects.jsonl``, ``related.jsonl`` and
``summary.json``; UTF-8, one sorted JSON object per line, similarities rounded
to 6 decimals, so the same input and parameters give byte-identical files
(``summary.json`` differs only in its ``seconds`` block, which times the run).

The files of a run appear together or not at all (:class:`OutputFolder`): they are written
into a staging folder beside the output folder, which then takes its place, so an
interrupted run leaves the previous complete run as it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dedup.errors import OutputError
from dedup.readers import Format, csv_header, input_format, raw_records
from dedup.records import Cluster, Pair, Rejected, RelatedItem, ScanReport

__all__ = [
    "OUTPUT_FILES",
    "SCHEMAS",
    "OutputFolder",
    "cluster_record",
    "current_umask",
    "pair_record",
    "reject_record",
    "related_record",
    "write_deduplicated",
    "write_report",
]

OUTPUT_FILES = ("clusters.jsonl", "pairs.jsonl", "rejects.jsonl", "related.jsonl", "summary.json")
#: JSON Schema (draft 2020-12) of each output file, and of the index's match lines, shipped
#: in the package: ``json.loads(importlib.resources.files("dedup").joinpath(path).read_text())``
#: (for a ``.jsonl`` file, each line is one instance).
SCHEMAS = {
    "clusters.jsonl": "data/schemas/clusters.schema.json",
    "pairs.jsonl": "data/schemas/pairs.schema.json",
    "rejects.jsonl": "data/schemas/rejects.schema.json",
    "related.jsonl": "data/schemas/related.schema.json",
    "summary.json": "data/schemas/summary.schema.json",
    "matches.jsonl": "data/schemas/match.schema.json",
}
# Files a run may find in its output folder and replace: its own, and the review report.
_OWN_FILES = frozenset({*OUTPUT_FILES, "report.html"})
_DIGITS = 6


def _round(value: float) -> float:
    return round(float(value), _DIGITS)


def cluster_record(cluster: Cluster) -> dict[str, Any]:
    """One line of ``clusters.jsonl``."""
    return {
        "cluster_id": cluster.cluster_id,
        "canonical": cluster.canonical,
        "size": cluster.size,
        "members": [
            {
                "id": m.id,
                "similarity": _round(m.similarity),
                "containment": _round(m.containment),
                "relation": m.relation,
                "via": m.via,
            }
            for m in cluster.members
        ],
        "newest": cluster.newest,
    }


def pair_record(pair: Pair) -> dict[str, Any]:
    """One line of ``pairs.jsonl``."""
    return {
        "a": pair.a,
        "b": pair.b,
        "jaccard": _round(pair.jaccard),
        "containment": _round(pair.containment),
        "relation": pair.relation,
    }


def reject_record(rejected: Rejected) -> dict[str, Any]:
    """One line of ``rejects.jsonl``."""
    return {
        "file": rejected.file,
        "line": rejected.line,
        "id": rejected.id,
        "reason": rejected.reason,
    }


def related_record(article_id: str, items: Iterable[RelatedItem]) -> dict[str, Any]:
    """One line of ``related.jsonl``."""
    return {"id": article_id, "related": [{"id": i.id, "score": _round(i.score)} for i in items]}


def _write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False))
            out.write("\n")


class OutputFolder:
    """An output folder whose files are replaced all at once.

    Made before the work, so an unwritable or foreign folder is reported before any article
    is read: the folder must be new, empty, or hold only the files of an earlier run, and a
    staging folder is created beside it (which proves it can be written). :meth:`write` fills
    the staging folder and puts it in the folder's place; :meth:`discard` removes it.

    Examples
    --------
    >>> import tempfile, os
    >>> from dedup.records import ScanReport
    >>> with tempfile.TemporaryDirectory() as parent:
    ...     written = OutputFolder(os.path.join(parent, "نتائج")).write(ScanReport((), (), ()))
    ...     sorted(path.name for path in written)
    ['clusters.jsonl', 'pairs.jsonl', 'rejects.jsonl', 'related.jsonl', 'summary.json']
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        _check_folder(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            staging = tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            # mkdtemp makes a private folder (0700); an output folder gets the mode mkdir
            # would give it, so that the others the umask allows can read the results.
            os.chmod(staging, 0o777 & ~current_umask())
        except OSError as error:
            raise OutputError(
                f"{self.path}: cannot write the output folder ({error.strerror or error}); "
                "give --out a folder in a place you can write to"
            ) from error
        self.staging = Path(staging)

    def write(self, report: ScanReport) -> list[Path]:
        """Write every output file, then put them in place at once; the paths written."""
        try:
            names = _write_files(report, self.staging)
            _swap(self.staging, self.path)
        except BaseException:
            self.discard()
            raise
        return [self.path / name for name in names]

    def discard(self) -> None:
        """Remove the staging folder (the output folder is left as it was)."""
        shutil.rmtree(self.staging, ignore_errors=True)


def _check_folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} is a file; give --out a folder (it is created if missing)")
    foreign = (
        sorted(p.name for p in path.iterdir() if p.name not in _OWN_FILES)
        if (path.is_dir())
        else []
    )
    if foreign:
        raise OutputError(
            f"{path} holds files dedup did not write ({', '.join(foreign[:5])}); the whole "
            "folder is replaced by the new run, so give --out a new or empty folder"
        )


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM received in the block are raised again after it (their handlers
    run in the main thread, whichever thread the signal reached); outside the main thread,
    where handlers cannot be set, a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda n, _: pending.append(n)) for number in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for received in pending:
            signal.raise_signal(received)


def current_umask() -> int:
    """The process's file-mode creation mask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` in ``target``'s place; the previous run is removed after."""
    with _signals_held():
        retired = None
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.rmdir(retired)
            os.rename(target, retired)
        os.rename(staging, target)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def _write_files(report: ScanReport, folder: Path) -> list[str]:
    _write_jsonl(folder / "clusters.jsonl", (cluster_record(c) for c in report.clusters))
    _write_jsonl(folder / "pairs.jsonl", (pair_record(p) for p in report.pairs))
    _write_jsonl(folder / "rejects.jsonl", (reject_record(r) for r in report.rejected))
    related = report.related
    _write_jsonl(folder / "related.jsonl", (related_record(i, related[i]) for i in sorted(related)))
    with open(folder / "summary.json", "w", encoding="utf-8", newline="\n") as out:
        json.dump(
            {**report.stats, "completed": True}, out, ensure_ascii=False, indent=2, sort_keys=True
        )
        out.write("\n")
    return list(OUTPUT_FILES)


def write_report(report: ScanReport, out_dir: str | Path) -> list[Path]:
    """Write every output file of a scan into ``out_dir``, all at once (:class:`OutputFolder`).

    ``related.jsonl`` is empty when the scan computed no related lists; ``summary.json``
    says ``"completed": true``. Returns the paths written.

    Raises
    ------
    OutputError
        ``out_dir`` is a file, holds files of something else, or cannot be written.
    """
    return OutputFolder(out_dir).write(report)


def write_deduplicated(
    path: str | Path,
    inputs: Sequence[str | Path],
    kept: Mapping[tuple[str, int], str],
    *,
    format: Format = "auto",
    encoding: str = "utf-8",
) -> int:
    """Write the kept records of ``inputs`` to ``path`` as they were, in the input's format.

    ``kept`` maps an article's ``(origin_file, origin_line)`` to its id (the canonical of each
    cluster, for ``dedup scan --write-deduplicated``). JSON Lines inputs give their lines
    unchanged; CSV inputs their rows with every column (under the first input's header);
    folders of ``.txt`` files a JSON Lines file of ``{"id", "text"}`` (with inputs of mixed
    formats, JSON Lines: a CSV row as a JSON object). Written to a
    temporary file that then replaces ``path``. Returns the number of records written.
    """
    formats = {input_format(name, format) for name in inputs}
    target = Path(path)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(staging, "w", encoding="utf-8", newline="") as out:
            if formats == {"csv"}:
                count = _write_csv_rows(out, inputs, kept, encoding)
            else:
                count = _write_json_lines(out, inputs, kept, format, encoding)
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    return count


def _chosen(
    inputs: Sequence[str | Path], kept: Mapping[tuple[str, int], str], format: Format, encoding: str
) -> Iterator[tuple[Format, str, str | dict[str, str]]]:
    for name in inputs:
        chosen = input_format(name, format)
        for where, line, record in raw_records(name, format=chosen, encoding=encoding):
            article_id = kept.get((where, line))
            if article_id is not None:
                yield chosen, article_id, record


def _write_json_lines(
    out: io.TextIOBase,
    inputs: Sequence[str | Path],
    kept: Mapping[tuple[str, int], str],
    format: Format,
    encoding: str,
) -> int:
    """JSON Lines as they were; a text file or a CSV row (mixed inputs) as a JSON object."""
    count = 0
    for chosen, article_id, record in _chosen(inputs, kept, format, encoding):
        if chosen == "txt":
            record = {"id": article_id, "text": str(record)}
        line = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
        out.write(line + "\n")
        count += 1
    return count


def _write_csv_rows(
    out: io.TextIOBase,
    inputs: Sequence[str | Path],
    kept: Mapping[tuple[str, int], str],
    encoding: str,
) -> int:
    delimiter = "\t" if str(inputs[0]).removesuffix(".gz").endswith(".tsv") else ","
    header = csv_header(inputs[0], encoding=encoding)
    writer = csv.DictWriter(out, fieldnames=header, delimiter=delimiter, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for _, _, row in _chosen(inputs, kept, "csv", encoding):
        writer.writerow(row)  # type: ignore[arg-type]  # CSV records are dicts
        count += 1
    return count
