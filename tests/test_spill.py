"""Texts on disk read back as they were written (dedup.spill)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.spill import SpilledTexts, held_size

# Any text a page may hold after preparation: Arabic, Latin, digits, astral characters
# (emoji, 4 bytes in UTF-8), empty texts; no lone surrogates (the readers reject them).
_texts = st.lists(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40), max_size=30
)


@given(_texts)
def test_every_text_and_slice_reads_back_as_written(texts: list[str]) -> None:
    with SpilledTexts(texts) as spilled:
        assert len(spilled) == len(texts)
        assert list(spilled) == texts
        assert [spilled[i] for i in range(len(texts))] == texts
        assert spilled[1:-1] == texts[1:-1]
        assert spilled[::2] == texts[::2]
        if texts:
            assert spilled[-1] == texts[-1]


def test_texts_are_read_from_a_file_that_close_deletes(tmp_path: Path) -> None:
    texts = ["وزارة النفط العراقية", "", "سعر خام البصرة 😀"]
    spilled = SpilledTexts(iter(texts[:2]), folder=tmp_path)
    spilled.extend(texts[2:])
    assert len(spilled) == 3
    assert spilled[2] == texts[2]  # the first read ends the writing
    (folder,) = tmp_path.iterdir()
    written = (folder / "texts.utf8").read_bytes()
    assert written == "".join(texts).encode("utf-8")
    with pytest.raises(ValueError, match="texts are added before the first read"):
        spilled.extend(["خبر"])
    spilled.close()
    assert os.listdir(tmp_path) == []


def test_a_position_past_either_end_is_an_index_error() -> None:
    with SpilledTexts(["خبر"]) as spilled, pytest.raises(IndexError, match="text 1 of 1"):
        spilled[1]
    with SpilledTexts([]) as empty, pytest.raises(IndexError, match="text -1 of 0"):
        empty[-1]


def test_held_size_grows_with_the_texts_held() -> None:
    one = held_size(["وزارة النفط"])
    assert held_size(["وزارة النفط", "وزارة النفط"]) == 2 * one
    assert held_size(["وزارة النفط العراقية"]) > one
