"""Writers: the output files are a contract (names, fields, rounding, UTF-8, one object a line)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from dedup import Cluster, Member, Pair, Rejected, RelatedItem, ScanReport, write_report, writers
from dedup.errors import DedupError, OutputError
from dedup.writers import (
    OUTPUT_FILES,
    OutputFolder,
    cluster_record,
    pair_record,
    reject_record,
    related_record,
)


def hand_report(*, related: bool = True) -> ScanReport:
    members = (
        Member("خبر-1", 1.0, 1.0, "canonical"),
        Member("خبر-2", 0.123456789, 0.987654321, "near"),
        Member("خبر-3", 0.5, 0.75, "near", via="خبر-2"),
    )
    return ScanReport(
        clusters=(
            Cluster("c1", "خبر-1", members, newest="خبر-3"),
            Cluster("c2", "x", (Member("x", 1.0, 1.0, "canonical"),)),
        ),
        pairs=(
            Pair("خبر-1", "خبر-2", 0.123456789, 0.987654321, "near"),
            Pair("خبر-2", "خبر-3", 1.0, 1.0, "exact"),
        ),
        rejected=(
            Rejected("a.jsonl", 3, None, "invalid JSON: Expecting value at column 1"),
            Rejected("a.jsonl", 9, "مكرر", "duplicate id (first occurrence kept)"),
        ),
        related={"x": (RelatedItem("خبر-1", 0.3333333333),)} if related else {},
        stats={"counts": {"accepted": 4}, "seconds": {"read": 0.1}, "عربي": "نعم"},
    )


def read_jsonl(path: Path) -> list[dict[str, object]]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_output_file_names() -> None:
    assert OUTPUT_FILES == (
        "clusters.jsonl",
        "pairs.jsonl",
        "rejects.jsonl",
        "related.jsonl",
        "summary.json",
    )


def test_cluster_record_rounds_to_six_decimals_and_keeps_via() -> None:
    record = cluster_record(hand_report().clusters[0])
    assert record == {
        "cluster_id": "c1",
        "canonical": "خبر-1",
        "size": 3,
        "members": [
            {
                "id": "خبر-1",
                "similarity": 1.0,
                "containment": 1.0,
                "relation": "canonical",
                "via": None,
            },
            {
                "id": "خبر-2",
                "similarity": 0.123457,
                "containment": 0.987654,
                "relation": "near",
                "via": None,
            },
            {
                "id": "خبر-3",
                "similarity": 0.5,
                "containment": 0.75,
                "relation": "near",
                "via": "خبر-2",
            },
        ],
        "newest": "خبر-3",
    }


def test_pair_reject_and_related_records() -> None:
    report = hand_report()
    assert pair_record(report.pairs[0]) == {
        "a": "خبر-1",
        "b": "خبر-2",
        "jaccard": 0.123457,
        "containment": 0.987654,
        "relation": "near",
    }
    assert reject_record(report.rejected[0]) == {
        "file": "a.jsonl",
        "line": 3,
        "id": None,
        "reason": "invalid JSON: Expecting value at column 1",
    }
    assert related_record("x", report.related["x"]) == {
        "id": "x",
        "related": [{"id": "خبر-1", "score": 0.333333}],
    }


def test_write_report_files(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "out"
    written = write_report(hand_report(), out)
    assert [p.name for p in written] == list(OUTPUT_FILES)
    report = hand_report()
    assert read_jsonl(out / "clusters.jsonl") == [cluster_record(c) for c in report.clusters]
    assert read_jsonl(out / "pairs.jsonl") == [pair_record(p) for p in report.pairs]
    assert read_jsonl(out / "rejects.jsonl") == [reject_record(r) for r in report.rejected]
    assert read_jsonl(out / "related.jsonl") == [related_record("x", report.related["x"])]
    summary = (out / "summary.json").read_text(encoding="utf-8")
    expected = {**report.stats, "completed": True}
    assert json.loads(summary) == expected
    assert summary.endswith("}\n")
    assert summary == json.dumps(expected, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def test_outputs_are_utf8_without_escapes_or_crlf(tmp_path: Path) -> None:
    write_report(hand_report(), tmp_path)
    for name in OUTPUT_FILES:
        raw = (tmp_path / name).read_bytes()
        assert b"\r\n" not in raw
        assert b"\\u" not in raw  # Arabic written as UTF-8, not \\u escapes
        raw.decode("utf-8")
    assert "خبر-1" in (tmp_path / "clusters.jsonl").read_text(encoding="utf-8")


def test_related_file_is_empty_when_no_lists_were_computed(tmp_path: Path) -> None:
    written = write_report(hand_report(related=False), tmp_path)
    assert [p.name for p in written] == list(OUTPUT_FILES)
    assert (tmp_path / "related.jsonl").read_bytes() == b""


def test_empty_report_gives_empty_files(tmp_path: Path) -> None:
    write_report(ScanReport(clusters=(), pairs=(), rejected=()), tmp_path)
    for name in ("clusters.jsonl", "pairs.jsonl", "rejects.jsonl", "related.jsonl"):
        assert (tmp_path / name).read_bytes() == b""
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary == {"completed": True}


def test_write_report_overwrites_previous_outputs(tmp_path: Path) -> None:
    write_report(hand_report(), tmp_path)
    write_report(ScanReport(clusters=(), pairs=(), rejected=(), related={"x": ()}), tmp_path)
    assert (tmp_path / "clusters.jsonl").read_bytes() == b""
    assert read_jsonl(tmp_path / "related.jsonl") == [{"id": "x", "related": []}]


def test_no_stale_related_lists_from_an_earlier_run(tmp_path: Path) -> None:
    write_report(hand_report(related=True), tmp_path)
    write_report(hand_report(related=False), tmp_path)
    assert (tmp_path / "related.jsonl").read_bytes() == b""


# ---------------------------------------------------------------------------
# All files at once, or none (OutputFolder)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_failed_write_leaves_the_previous_run_and_no_staging_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write_report(hand_report(), out)
    before = _snapshot(out)

    def broken(pair: Pair) -> dict[str, object]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers, "pair_record", broken)
    with pytest.raises(OSError, match="No space left"):
        write_report(ScanReport(clusters=(), pairs=hand_report().pairs, rejected=()), out)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_output_folder_is_checked_before_the_work(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match=r"a-file is a file; give --out a folder"):
        OutputFolder(tmp_path / "a-file")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "draft.txt").write_text("مسودة", encoding="utf-8")
    with pytest.raises(OutputError, match=r"holds files dedup did not write \(draft\.txt\)"):
        OutputFolder(notes)
    with pytest.raises(OutputError, match=r"cannot write the output folder"):
        OutputFolder("/proc/dedup-out")
    assert isinstance(OutputError("x"), DedupError)


def test_interrupts_wait_for_the_swap() -> None:
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: received.append(number))
    try:
        with writers._signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            assert received == []  # held inside the block
        time.sleep(0.05)
        assert received == [signal.SIGTERM]  # delivered after it
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_outputs_get_the_modes_the_umask_gives_not_private_temporary_ones(
    tmp_path: Path, umask: int
) -> None:
    """The staging folder and the report page come from mkdtemp/mkstemp (0700/0600)."""
    from dedup.report import write_html

    previous = os.umask(umask)
    try:
        folder = writers.OutputFolder(tmp_path / "out")
        folder.write(ScanReport((), (), ()))
        page = write_html(tmp_path / "out" / "report.html", "<!doctype html>")
    finally:
        os.umask(previous)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o777 & ~umask
    assert page.stat().st_mode & 0o777 == 0o666 & ~umask
    assert (tmp_path / "out" / "clusters.jsonl").stat().st_mode & 0o777 == 0o666 & ~umask
