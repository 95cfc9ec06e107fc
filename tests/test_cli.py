"""Command line: exit codes, stderr text, config file and flags, and a real subprocess."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from dedup import DedupConfig, __version__
from dedup.cli import main

STORY = (
    "أعلنت وزارة النفط العراقية اليوم زيادة صادرات الخام عبر موانئ البصرة الجنوبية "
    "إلى أكثر من ثلاثة ملايين برميل يوميا خلال الشهر الجاري"
)
OTHER = (
    "فاز المنتخب الوطني لكرة القدم بالمباراة النهائية لبطولة غرب آسيا بعد فوزه "
    "على منافسه بهدفين مقابل هدف واحد في الملعب الرئيسي"
)

WriteJsonl = Callable[..., Path]


@pytest.fixture
def corpus(write_jsonl: WriteJsonl) -> Path:
    """Three good records (two copies of one story) and one bad line."""
    path = write_jsonl(
        [
            {"id": "a", "text": STORY, "source": "ina"},
            {"id": "b", "text": "بغداد - " + STORY.replace("أعلنت", "اعلنت"), "source": "wam"},
            {"id": "c", "text": OTHER},
        ]
    )
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"id": "d", "text": \n')
    return path


def invoke(*args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def summary(out: Path) -> dict[str, object]:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def parameters(out: Path) -> dict[str, object]:
    return summary(out)["parameters"]  # type: ignore[return-value]


# ---------------------------------------------------------------------------
# Success


def test_scan_writes_outputs_and_one_summary_line(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("scan", str(corpus), "--out", str(out), "--related-k", "0")
    assert result.exit_code == 0, result.output
    for name in ("clusters.jsonl", "pairs.jsonl", "rejects.jsonl", "summary.json"):
        assert (out / name).is_file()
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert re.fullmatch(
        r"dedup: 4 records, 3 accepted, 1 rejected, 2 clusters \(1 with duplicates\), "
        rf"1 pairs in \d+\.\ds -> {re.escape(str(out))}\n",
        result.stderr,
    )
    pairs = [json.loads(x) for x in (out / "pairs.jsonl").read_text("utf-8").splitlines()]
    assert [(p["a"], p["b"]) for p in pairs] == [("a", "b")]
    rejects = [json.loads(x) for x in (out / "rejects.jsonl").read_text("utf-8").splitlines()]
    assert [(r["file"], r["line"]) for r in rejects] == [(str(corpus), 4)]


def test_related_k_zero_writes_an_empty_related_file(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("scan", str(corpus), "--out", str(out), "--related-k", "0").exit_code == 0
    assert (out / "related.jsonl").read_bytes() == b""
    assert parameters(out)["related"]["k"] == 0  # type: ignore[index]


def test_default_run_writes_related_lists(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("scan", str(corpus), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert parameters(out)["related"]["k"] == DedupConfig().related.k  # type: ignore[index]
    lines = [json.loads(x) for x in (out / "related.jsonl").read_text("utf-8").splitlines()]
    assert {line["id"] for line in lines} <= {"a", "b", "c"}


def test_several_inputs_and_stdin(corpus: Path, tmp_path: Path) -> None:
    more = tmp_path / "more.csv"
    more.write_text(f"id,text\nc,{STORY}\ne,{OTHER}\n", encoding="utf-8")
    stdin = (json.dumps({"id": "s", "text": STORY}, ensure_ascii=False) + "\n").encode("utf-8")
    out = tmp_path / "out"
    result = invoke(
        "scan", str(corpus), str(more), "-", "--out", str(out), "--related-k", "0", input=stdin
    )
    assert result.exit_code == 0, result.output
    counts = summary(out)["counts"]
    assert counts["input_records"] == 7  # type: ignore[index]
    assert counts["accepted"] == 5  # type: ignore[index]  # a b c e s; 'c' repeated, 'd' broken
    rejects = (out / "rejects.jsonl").read_text("utf-8")
    assert "duplicate id" in rejects


def test_encoding_option(tmp_path: Path) -> None:
    path = tmp_path / "legacy.jsonl"
    path.write_bytes(
        (json.dumps({"id": "w", "text": STORY}, ensure_ascii=False) + "\n").encode("cp1256")
    )
    out = tmp_path / "out"
    result = invoke(
        "scan", str(path), "--out", str(out), "--encoding", "cp1256", "--related-k", "0"
    )
    assert result.exit_code == 0, result.output
    assert summary(out)["counts"]["accepted"] == 1  # type: ignore[index]


def test_field_options(write_jsonl: WriteJsonl, tmp_path: Path) -> None:
    path = write_jsonl(
        [
            {"doc": "x", "body": STORY, "when": "2023-01-01"},
            {"doc": "y", "body": STORY, "when": "2022-01-01"},
        ]
    )
    out = tmp_path / "out"
    result = invoke(
        "scan",
        str(path),
        "--out",
        str(out),
        "--id-field",
        "doc",
        "--text-field",
        "body",
        "--date-field",
        "when",
        "--related-k",
        "0",
    )
    assert result.exit_code == 0, result.output
    (cluster,) = [json.loads(x) for x in (out / "clusters.jsonl").read_text("utf-8").splitlines()]
    assert cluster["canonical"] == "y"  # the earlier date


# ---------------------------------------------------------------------------
# Config file and flags


def test_config_file_values_are_used_and_flags_override_them(corpus: Path, tmp_path: Path) -> None:
    config = tmp_path / "dedup.toml"
    config.write_text(
        "[scan]\njaccard_threshold = 0.9\nngram = 4\nmin_shingles = 25\n[scan.related]\nk = 0\n",
        encoding="utf-8",
    )
    out = tmp_path / "from-file"
    assert invoke("scan", str(corpus), "--out", str(out), "--config", str(config)).exit_code == 0
    used = parameters(out)
    assert (used["jaccard_threshold"], used["ngram"], used["min_shingles"]) == (0.9, 4, 25)
    assert used["related"]["k"] == 0  # type: ignore[index]
    assert (out / "related.jsonl").read_bytes() == b""  # related k = 0 in the file

    out = tmp_path / "flags"
    result = invoke(
        "scan",
        str(corpus),
        "--out",
        str(out),
        "--config",
        str(config),
        "--jaccard-threshold",
        "0.85",
        "--ngram",
        "6",
        "--related-k",
        "1",
    )
    assert result.exit_code == 0, result.output
    used = parameters(out)
    assert (used["jaccard_threshold"], used["ngram"], used["min_shingles"]) == (0.85, 6, 25)
    assert used["related"]["k"] == 1  # type: ignore[index]


def test_config_file_with_top_level_keys(corpus: Path, tmp_path: Path) -> None:
    config = tmp_path / "dedup.toml"
    config.write_text("containment_threshold = 0.75\nstrip_furniture = false\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(
        "scan", str(corpus), "--out", str(out), "--config", str(config), "--related-k", "0"
    )
    assert result.exit_code == 0, result.output
    used = parameters(out)
    assert (used["containment_threshold"], used["strip_furniture"]) == (0.75, False)
    assert used["learn_boilerplate"] is True


def test_keep_furniture_and_no_template_guard(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "defaults"
    assert invoke("scan", str(corpus), "--out", str(out), "--related-k", "0").exit_code == 0
    used = parameters(out)
    assert (used["strip_furniture"], used["learn_boilerplate"], used["template_guard"]) == (
        True,
        True,
        True,
    )
    out = tmp_path / "flags"
    result = invoke(
        "scan",
        str(corpus),
        "--out",
        str(out),
        "--related-k",
        "0",
        "--keep-furniture",
        "--no-template-guard",
    )
    assert result.exit_code == 0, result.output
    used = parameters(out)
    assert (used["strip_furniture"], used["learn_boilerplate"], used["template_guard"]) == (
        False,
        False,
        False,
    )


def test_summary_records_bands_rows_and_fingerprint(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        invoke(
            "scan", str(corpus), "--out", str(out), "--related-k", "0", "--num-perm", "64"
        ).exit_code
        == 0
    )
    config = DedupConfig.from_dict(
        {k: v for k, v in parameters(out).items() if k not in ("bands", "rows")}
    )
    assert config.num_perm == 64
    assert summary(out)["config_fingerprint"] == config.fingerprint
    assert (parameters(out)["bands"], parameters(out)["rows"]) == config.bands_rows


def test_progress_flag(corpus: Path, tmp_path: Path) -> None:
    result = invoke(
        "scan", str(corpus), "--out", str(tmp_path / "out"), "--related-k", "0", "--progress"
    )
    assert result.exit_code == 0, result.output
    assert "dedup: 4 records" in result.stderr


# ---------------------------------------------------------------------------
# Errors: exit 1 with a clean message, exit 2 for usage


def test_missing_input_file_exits_1_without_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    result = invoke("scan", str(missing), "--out", str(tmp_path / "out"), "--related-k", "0")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {missing}: no such file or folder\n"
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_missing_text_field_exits_1(write_jsonl: WriteJsonl, tmp_path: Path) -> None:
    path = write_jsonl([{"id": "a", "body": STORY, "headline": "عنوان"}])
    result = invoke("scan", str(path), "--out", str(tmp_path / "out"), "--related-k", "0")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: {path}: no field 'text' in any record; available: body, headline"
    )
    assert result.stderr.endswith("; use --text-field body\n")
    assert result.stderr.count("\n") == 1  # one clean line, no traceback


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], r"Missing option '--out'"),
        (
            ["--out", "{out}", "--jaccard-threshold", "1.5"],
            r"jaccard_threshold must be in \(0, 1\], got 1\.5",
        ),
        (["--out", "{out}", "--ngram", "1"], r"ngram must be between 2 and 32, got 1"),
        (["--out", "{out}", "--jaccard-threshold", "high"], r"'high' is not a valid float"),
        (["--out", "{out}", "--frobnicate"], r"No such option.*--frobnicate"),
        (
            ["--out", "{out}", "--format", "xml"],
            r"'xml' is not one of 'auto', 'jsonl', 'csv', 'txt'",
        ),
        (["--out", "{out}", "--related-k", "-1"], r"related k must be >= 0, got -1"),
    ],
)
def test_usage_errors_exit_2(corpus: Path, tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.replace("{out}", str(tmp_path / "out")) for a in args]
    result = invoke("scan", str(corpus), *args)
    assert result.exit_code == 2
    assert re.search(message, result.stderr), result.stderr
    assert "Traceback" not in result.output


def test_no_input_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("scan", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "Missing argument 'INPUTS...'" in result.stderr


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("treshold = 0.9\n", r"unknown config key\(s\): treshold"),
        ("[scan\nngram = 4\n", r"is not valid TOML"),
    ],
)
def test_bad_config_file_is_a_usage_error(
    corpus: Path, tmp_path: Path, toml: str, message: str
) -> None:
    config = tmp_path / "dedup.toml"
    config.write_text(toml, encoding="utf-8")
    result = invoke("scan", str(corpus), "--out", str(tmp_path / "out"), "--config", str(config))
    assert result.exit_code == 2
    assert re.search(message, result.stderr), result.stderr


def test_config_file_with_a_non_table_related_value_is_a_usage_error(
    corpus: Path, tmp_path: Path
) -> None:
    config = tmp_path / "dedup.toml"
    config.write_text("related = 5\n", encoding="utf-8")
    result = invoke("scan", str(corpus), "--out", str(tmp_path / "out"), "--config", str(config))
    assert result.exit_code == 2
    assert "related" in result.stderr


def test_unreadable_config_file_is_a_usage_error(corpus: Path, tmp_path: Path) -> None:
    result = invoke(
        "scan", str(corpus), "--out", str(tmp_path / "out"), "--config", str(tmp_path / "none.toml")
    )
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


# ---------------------------------------------------------------------------
# Help and version


def _all_commands() -> list[list[str]]:
    paths = [[]]
    assert isinstance(main, click.Group)
    for name in main.commands:
        paths.append([name])
    return paths


@pytest.mark.parametrize("command", _all_commands(), ids=lambda c: " ".join(c) or "dedup")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_has_help(command: list[str], flag: str) -> None:
    result = invoke(*command, flag)
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    obj = main if not command else main.commands[command[0]]  # type: ignore[attr-defined]
    assert obj.help  # a docstring, shown in the help text
    assert obj.help.splitlines()[0].split(" (")[0] in " ".join(result.stdout.split())


def test_version_option() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"dedup, version {__version__}\n"


# ---------------------------------------------------------------------------
# Real processes


def test_python_m_dedup_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dedup", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"dedup, version {__version__}\n"


def test_console_script_scan(corpus: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("dedup")
    executable = str(script) if script.exists() else shutil.which("dedup")
    assert executable, "the dedup console script is not installed"
    out = tmp_path / "out"
    result = subprocess.run(
        [executable, "scan", str(corpus), "--out", str(out), "--related-k", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("dedup: 4 records, 3 accepted, 1 rejected")
    assert (out / "clusters.jsonl").is_file()

    missing = subprocess.run(
        [executable, "scan", str(tmp_path / "nope.jsonl"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1
    assert missing.stderr == f"Error: {tmp_path / 'nope.jsonl'}: no such file or folder\n"


# ---------------------------------------------------------------------------
# Hardening: outputs all at once, checks before the work, exit codes

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus" / "articles.jsonl"

# A scan whose writing of clusters.jsonl is slow, and says when it starts.
_SLOW_WRITER = """
import sys, time
import dedup.writers as writers
original = writers.cluster_record
def slow(cluster):
    sys.stderr.write("writing\\n")
    sys.stderr.flush()
    time.sleep(0.05)
    return original(cluster)
writers.cluster_record = slow
from dedup.cli import main
sys.argv = ["dedup", "scan", sys.argv[1], "--out", sys.argv[2], "--jaccard-threshold", "0.95"]
main()
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_sigterm_while_writing_leaves_the_previous_complete_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("scan", str(SAMPLE), "--out", str(out)).exit_code == 0
    previous = _files(out)
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(SAMPLE), str(out)],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    line = child.stderr.readline()
    assert line == "writing\n", line
    child.terminate()  # SIGTERM, while clusters.jsonl is being written
    child.communicate(timeout=60)
    assert child.returncode == 143
    assert _files(out) == previous  # the complete previous run, nothing of the new one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left
    summary = json.loads(previous["summary.json"])
    assert summary["completed"] is True


def test_an_unwritable_out_fails_before_any_article_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("the scan ran before the output folder was checked")

    monkeypatch.setattr("dedup.cli.scan", no_scan)
    result = invoke("scan", str(SAMPLE), "--out", "/proc/dedup-out")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: /proc/dedup-out: cannot write the output folder")
    assert "Traceback" not in result.output
    missing = invoke("scan", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "out"))
    assert missing.exit_code == 1
    assert missing.stderr == f"Error: {tmp_path / 'nope.jsonl'}: no such file or folder\n"
    assert not (tmp_path / "out").exists()


def test_a_folder_of_other_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("ملاحظات", encoding="utf-8")
    result = invoke("scan", str(SAMPLE), "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "holds files dedup did not write (notes.txt)" in result.stderr
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "ملاحظات"


def test_every_record_rejected_exits_3_with_the_outputs_written(
    write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    path = write_jsonl([{"id": f"w{i}", "text": "لا"} for i in range(3)])  # too short, all
    result = invoke("scan", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 3, result.output
    assert "3 of 3 records rejected (see rejects.jsonl); exit code 3" in result.stderr
    assert len((tmp_path / "out" / "rejects.jsonl").read_text("utf-8").splitlines()) == 3


def test_a_legacy_feed_read_as_utf8_is_an_error_not_a_success(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.jsonl"
    rows = [json.dumps({"id": f"w{i}", "text": STORY}, ensure_ascii=False) for i in range(3)]
    legacy.write_bytes("\n".join(rows).encode("cp1256"))
    result = invoke("scan", str(legacy), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output
    assert "--encoding" in result.stderr
    assert not (tmp_path / "out").exists()  # nothing half-written
    fine = invoke("scan", str(legacy), "--out", str(tmp_path / "ok"), "--encoding", "cp1256")
    assert fine.exit_code == 0, fine.output


def test_max_reject_rate_sets_the_bar(write_jsonl: WriteJsonl, tmp_path: Path) -> None:
    path = write_jsonl([{"id": "a", "text": STORY}, {"id": "b", "text": ""}])
    out = str(tmp_path / "out")
    assert invoke("scan", str(path), "--out", out).exit_code == 0  # not all rejected
    assert invoke("scan", str(path), "--out", out, "--max-reject-rate", "0.6").exit_code == 0
    assert invoke("scan", str(path), "--out", out, "--max-reject-rate", "0.4").exit_code == 3


def test_every_scan_flag_is_its_config_key_and_has_help(tmp_path: Path) -> None:
    command = main.commands["scan"]  # type: ignore[attr-defined]
    undocumented = [p.name for p in command.params if isinstance(p, click.Option) and not p.help]
    assert undocumented == []
    defaults = DedupConfig().to_dict()
    flags = {p.name for p in command.params if isinstance(p, click.Option)}
    for key in ("ngram", "num_perm", "seed", "jaccard_threshold", "containment_threshold",
                "min_jaccard_for_containment", "candidate_threshold", "min_shingles"):  # fmt: skip
        assert key in flags, key
        assert key in defaults, key
        config = tmp_path / f"{key}.toml"
        value = defaults[key]
        config.write_text(f"{key} = {json.dumps(value)}\n", encoding="utf-8")
        out = str(tmp_path / key)
        result = invoke("scan", str(SAMPLE), "--out", out, "--config", str(config))
        assert result.exit_code == 0, (key, result.output)


def test_progress_shows_every_stage_and_quiet_shows_nothing(tmp_path: Path) -> None:
    shown = invoke("scan", str(SAMPLE), "--out", str(tmp_path / "a"), "--progress")
    assert shown.exit_code == 0, shown.output
    for stage in ("read", "prepare", "shingle", "signature", "candidates", "verify", "cluster"):
        assert f"{stage}:" in shown.stderr, stage
    assert "related:" in shown.stderr
    quiet = invoke("scan", str(SAMPLE), "--out", str(tmp_path / "b"), "-q", "--progress")
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    assert (tmp_path / "b" / "clusters.jsonl").read_bytes() == (
        tmp_path / "a" / "clusters.jsonl"
    ).read_bytes()
    db = str(tmp_path / "news.db")
    added = invoke("index", "add", db, str(SAMPLE), "--out", os.devnull, "--progress")
    assert added.exit_code == 0, added.output
    assert "add:" in added.stderr
    assert "92 added" in added.stderr
    again = invoke("index", "query", db, str(SAMPLE), "--out", os.devnull, "-q")
    assert again.exit_code == 0
    assert again.stderr == ""


def test_write_deduplicated_keeps_each_canonical_record_as_it_was(tmp_path: Path) -> None:
    kept = tmp_path / "deduplicated.jsonl"
    result = invoke("scan", str(SAMPLE), "--out", str(tmp_path / "out"),
                    "--write-deduplicated", str(kept))  # fmt: skip
    assert result.exit_code == 0, result.output
    written = (tmp_path / "out" / "clusters.jsonl").read_text("utf-8").splitlines()
    clusters = [json.loads(line) for line in written]
    canonicals = {c["canonical"] for c in clusters}
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    expected = [line for line in lines if json.loads(line)["id"] in canonicals]
    assert kept.read_text(encoding="utf-8").splitlines() == expected  # unchanged, input order
    assert len(expected) == len(clusters) < len(lines)


def test_write_deduplicated_csv_keeps_every_column(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    feed = tmp_path / "feed.csv"
    with feed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text", "extra"])
        writer.writeheader()
        for row in rows:
            writer.writerow({"id": row["id"], "text": row["text"], "extra": f"x-{row['id']}"})
    kept = tmp_path / "kept.csv"
    out = str(tmp_path / "out")
    result = invoke("scan", str(feed), "--out", out, "--write-deduplicated", str(kept))
    assert result.exit_code == 0, result.output
    with kept.open(encoding="utf-8", newline="") as handle:
        written = list(csv.DictReader(handle))
    clusters = (tmp_path / "out" / "clusters.jsonl").read_text("utf-8").splitlines()
    assert len(written) == len(clusters)
    assert all(row["extra"] == f"x-{row['id']}" for row in written)
    by_id = {row["id"]: row["text"] for row in rows}
    assert all(row["text"] == by_id[row["id"]] for row in written)


def test_write_deduplicated_of_a_folder_gives_json_lines_and_stdin_is_refused(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text(STORY, encoding="utf-8")
    (folder / "b.txt").write_text("بغداد - " + STORY, encoding="utf-8")
    kept = tmp_path / "kept.jsonl"
    result = invoke("scan", str(folder), "--out", str(tmp_path / "out"),
                    "--write-deduplicated", str(kept))  # fmt: skip
    assert result.exit_code == 0, result.output
    # One cluster; its canonical is the longer, undated copy (the canonical order).
    assert [json.loads(x) for x in kept.read_text("utf-8").splitlines()] == [
        {"id": "b.txt", "text": "بغداد - " + STORY}
    ]
    refused = invoke("scan", "-", "--out", str(tmp_path / "o2"), "--write-deduplicated",
                     str(kept), input=b"")  # fmt: skip
    assert refused.exit_code == 2
    assert "give files, not - (stdin)" in refused.stderr
