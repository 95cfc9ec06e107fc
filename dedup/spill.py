"""Texts held on disk: the prepared texts of a large corpus, read back one at a time.

After preparation the scan reads a text again only for the few articles it compares
(verification, clustering) and, with related lists on, once more in order. Holding every
prepared text as a Python string costs about 3 KB an article (1,480 characters of Arabic at
two bytes each; 266 MB at 100k articles of ``benchmarks.archive``, some 2.7 GB at a
million), so above a share of the scan's memory limit they go to a temporary file as UTF-8
with one offset per text, and are read back with ``os.pread`` (a memory map would count the
file's pages read in the process's resident memory). The scan's output is the same either
way.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO, overload

import numpy as np
import numpy.typing as npt

__all__ = ["SpilledTexts", "TextBuffer", "held_size"]

# Texts encoded and written at once: a few MB of bytes per write, few Python calls.
_WRITE_BATCH = 4096


def held_size(texts: Iterable[str]) -> int:
    """Bytes ``texts`` take as Python strings (``sys.getsizeof``: two a character for
    Arabic, plus a header each).

    Examples
    --------
    >>> held_size(["وزارة النفط"]) > 2 * len("وزارة النفط")
    True
    """
    return sum(map(sys.getsizeof, texts))


class SpilledTexts(Sequence[str]):
    """A sequence of texts kept in a temporary file; ``texts[i]`` reads the i-th back.

    Parameters
    ----------
    texts
        The texts, in order (consumed once).
    folder
        Where the temporary file goes (None: the system's temporary folder).

    Examples
    --------
    >>> with SpilledTexts(["وزارة النفط", "", "سعر الخام"]) as spilled:
    ...     len(spilled), spilled[0], spilled[1:]
    (3, 'وزارة النفط', ['', 'سعر الخام'])
    """

    def __init__(
        self, texts: Iterable[str] = (), folder: str | os.PathLike[str] | None = None
    ) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="dedup-texts-", dir=folder)
        self._path = Path(self._folder.name) / "texts.utf8"
        self._out: BinaryIO | None = self._path.open("wb")
        self._lengths: list[npt.NDArray[np.int64]] = []
        self._offsets = np.zeros(1, dtype=np.int64)
        self._file: BinaryIO | None = None
        self._sealing = threading.Lock()
        self.extend(texts)

    def extend(self, texts: Iterable[str]) -> None:
        """Write more texts after those written (before the first read)."""
        if self._out is None:
            raise ValueError("texts are added before the first read")
        batch: list[bytes] = []
        for text in texts:
            batch.append(text.encode("utf-8"))
            if len(batch) == _WRITE_BATCH:
                self._write(batch)
        self._write(batch)

    def _write(self, batch: list[bytes]) -> None:
        if self._out is not None and batch:
            self._lengths.append(np.fromiter(map(len, batch), dtype=np.int64, count=len(batch)))
            self._out.write(b"".join(batch))
            batch.clear()

    def _sealed(self) -> None:
        """Close the writing and map the file, at the first read (the pool's threads may
        make it together: one does it, the others wait)."""
        with self._sealing:
            if self._out is None:
                return
            self._out.close()
            lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int64)
            offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
            self._file = self._path.open("rb")
            self._offsets, self._lengths = offsets, []
            self._out = None

    def __len__(self) -> int:
        if self._out is not None:
            return sum(map(len, self._lengths))
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, position: int) -> str: ...

    @overload
    def __getitem__(self, position: slice) -> list[str]: ...

    def __getitem__(self, position: int | slice) -> str | list[str]:
        self._sealed()
        if isinstance(position, slice):
            start, stop, step = position.indices(len(self))
            if step == 1:
                return self._read_range(start, stop)
            return [self._read(i) for i in range(start, stop, step)]
        count = len(self)
        if not -count <= position < count:
            raise IndexError(f"text {position} of {count}")
        return self._read(position % count)

    def __iter__(self) -> Iterator[str]:
        self._sealed()
        return (self._read(i) for i in range(len(self)))

    def _read(self, position: int) -> str:
        start, stop = int(self._offsets[position]), int(self._offsets[position + 1])
        if start == stop or self._file is None:
            return ""
        return os.pread(self._file.fileno(), stop - start, start).decode("utf-8")

    def _read_range(self, first: int, last: int) -> list[str]:
        """Texts ``first`` to ``last`` (excluded) in one read."""
        if first >= last or self._file is None:
            return []
        offsets = self._offsets[first : last + 1].tolist()
        data = os.pread(self._file.fileno(), offsets[-1] - offsets[0], offsets[0])
        base = offsets[0]
        return [
            data[start - base : stop - base].decode("utf-8")
            for start, stop in itertools.pairwise(offsets)
        ]

    def close(self) -> None:
        """Delete the file (the sequence is unusable after)."""
        for handle in (self._out, self._file):
            if handle is not None:
                handle.close()
        self._out = self._file = None
        self._folder.cleanup()

    def __enter__(self) -> SpilledTexts:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class TextBuffer:
    """Texts added in batches, held in memory up to ``budget`` bytes
    (:func:`held_size`) and moved to a :class:`SpilledTexts` once they pass it.

    Examples
    --------
    >>> with ExitStack() as spills:
    ...     buffer = TextBuffer(budget=200, spills=spills)
    ...     buffer.extend(["وزارة النفط"])
    ...     held = type(buffer.texts).__name__
    ...     buffer.extend(["سعر الخام " * 20])
    ...     held, type(buffer.texts).__name__, len(buffer.texts), buffer.texts[0]
    ('list', 'SpilledTexts', 2, 'وزارة النفط')
    """

    def __init__(self, budget: int, spills: ExitStack) -> None:
        self._budget, self._spills = budget, spills
        self._held: list[str] = []
        self._size = 0
        self._spilled: SpilledTexts | None = None

    def extend(self, texts: Sequence[str]) -> None:
        """Add ``texts`` after those added."""
        if self._spilled is not None:
            self._spilled.extend(texts)
            return
        self._held.extend(texts)
        self._size += held_size(texts)
        if self._size > self._budget:
            self._spilled = self._spills.enter_context(SpilledTexts(self._held))
            self._held = []

    @property
    def texts(self) -> Sequence[str]:
        """Every text added, in order (no more may be added once a spilled one is read)."""
        return self._held if self._spilled is None else self._spilled
