"""Texts held on disk: the prepared texts of a large corpus, read back one at a time.

After preparation the scan reads a text again only for the few articles it compares
(verification, clustering) and, with related lists on, once more in order. Holding every
prepared text as a Python string costs about 3 KB an article (1,480 characters of Arabic at
two bytes each; 266 MB at 100k articles of ``benchmarks.archive``, some 2.7 GB at a
million), so above a share of the scan's memory limit they go to a temporary file as UTF-8
with one offset per text, and are read back through a memory map. The scan's output is the
same either way.
"""

from __future__ import annotations

import mmap
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np
import numpy.typing as npt

__all__ = ["SpilledTexts", "held_size"]

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

    def __init__(self, texts: Iterable[str], folder: str | os.PathLike[str] | None = None) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="dedup-texts-", dir=folder)
        path = Path(self._folder.name) / "texts.utf8"
        self._offsets = _write(texts, path)
        self._file = path.open("rb")
        # A zero-length file cannot be mapped: then every text is empty.
        self._map = (
            mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
            if int(self._offsets[-1])
            else None
        )

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, position: int) -> str: ...

    @overload
    def __getitem__(self, position: slice) -> list[str]: ...

    def __getitem__(self, position: int | slice) -> str | list[str]:
        if isinstance(position, slice):
            return [self._read(i) for i in range(*position.indices(len(self)))]
        count = len(self)
        if not -count <= position < count:
            raise IndexError(f"text {position} of {count}")
        return self._read(position % count)

    def __iter__(self) -> Iterator[str]:
        return (self._read(i) for i in range(len(self)))

    def _read(self, position: int) -> str:
        start, stop = int(self._offsets[position]), int(self._offsets[position + 1])
        if self._map is None or start == stop:
            return ""
        return self._map[start:stop].decode("utf-8")

    def close(self) -> None:
        """Unmap and delete the file (the sequence is unusable after)."""
        if self._map is not None:
            self._map.close()
            self._map = None
        self._file.close()
        self._folder.cleanup()

    def __enter__(self) -> SpilledTexts:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _write(texts: Iterable[str], path: Path) -> npt.NDArray[np.int64]:
    """Write ``texts`` to ``path`` as UTF-8, back to back; their byte offsets (one more than
    texts: the end)."""
    lengths: list[int] = []
    batch: list[bytes] = []
    with path.open("wb") as out:
        for text in texts:
            batch.append(text.encode("utf-8"))
            if len(batch) == _WRITE_BATCH:
                lengths.extend(map(len, batch))
                out.write(b"".join(batch))
                batch.clear()
        lengths.extend(map(len, batch))
        out.write(b"".join(batch))
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64), out=offsets[1:])
    return offsets
