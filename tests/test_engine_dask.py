"""The Dask engine: the local scan's output files byte for byte, on a cluster of processes.

One local cluster (``dask_client``, tests/conftest.py) serves most tests; the worker-kill
test starts its own, and one test starts ``dask scheduler`` and two ``dask worker``
processes by their command-line tools. Every server listens on 127.0.0.1 and is stopped by
the test that started it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dedup import Article, DedupConfig, Rejected, RelatedConfig, ScanReport, read_corpus, scan
from dedup.cli import main
from dedup.engines.dask import driver, scan_on_dask, scan_with_client
from dedup.errors import ConfigError, EngineError
from dedup.writers import write_report

pytest.importorskip("distributed", reason='dask[distributed] is not installed ("dedup[dask]")')

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus" / "articles.jsonl"
SAUDI = ROOT.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl"
OUTPUT_FILES = ("clusters.jsonl", "pairs.jsonl", "rejects.jsonl", "related.jsonl")

# Records no driver may store, and a reader reject passed through (as tests/test_drivers.py).
EDGE_CASES: list[Article | Rejected] = [
    Article(id="blank", text="   \n\t "),
    Article(id="too-short", text="لا"),
    Article(id="copy-of-nothing", text="ـــــ ًٌٍَُِّْ"),
    Rejected("feed.jsonl", 7, "broken", "invalid JSON (Expecting value at column 1)"),
]


def _corpus(name: str) -> list[Article | Rejected]:
    if name == "sample":
        return [*read_corpus(str(SAMPLE)), *EDGE_CASES]
    if not SAUDI.exists():
        pytest.skip("../shared/data not present")
    # Several partitions (250-article chunks, 4 a partition), learned boilerplate lines.
    return list(read_corpus(str(SAUDI)))[:3000]


def _written(report: ScanReport, folder: Path) -> dict[str, bytes]:
    write_report(report, folder)
    return {name: (folder / name).read_bytes() for name in OUTPUT_FILES}


def _summary(folder: Path) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary.pop("seconds")
    summary.pop("engine", None)
    return summary


def _assert_same_files(local: ScanReport, dask: ScanReport, tmp_path: Path) -> None:
    expected = _written(local, tmp_path / "local")
    got = _written(dask, tmp_path / "dask")
    for name in OUTPUT_FILES:
        assert got[name] == expected[name], name
    assert _summary(tmp_path / "dask") == _summary(tmp_path / "local")


_LOCAL: dict[str, ScanReport] = {}


def _local(name: str) -> ScanReport:
    if name not in _LOCAL:
        _LOCAL[name] = scan(_corpus(name))
    return _LOCAL[name]


@pytest.mark.parametrize("name", ["sample", "saudinewsnet-3000"])
def test_the_output_files_are_the_local_scans_byte_for_byte(
    name: str, dask_client: Any, tmp_path: Path
) -> None:
    report = scan_with_client(_corpus(name), client=dask_client, config=DedupConfig())
    assert report.stats["engine"] == {
        "name": "dask",
        "workers": 2,
        "partitions": 1 if name == "sample" else 3,
    }
    assert report.pairs  # a corpus with duplicates: the comparison means something
    _assert_same_files(_local(name), report, tmp_path)


@pytest.mark.parametrize("per_worker", [2, 5])
def test_one_chunk_partitions_shuffle_across_buckets_to_the_same_output(
    per_worker: int, dask_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """12 partitions, 4 or 10 buckets (and verification blocks): band and fingerprint
    groups split over partitions, buckets holding several keys' groups."""
    monkeypatch.setattr(driver, "_PARTITION_CHUNKS", 1)
    monkeypatch.setattr(driver, "_TASKS_PER_WORKER", per_worker)
    report = scan_with_client(
        _corpus("saudinewsnet-3000"), client=dask_client, config=DedupConfig()
    )
    assert report.stats["engine"]["partitions"] == 12  # type: ignore[index]
    _assert_same_files(_local("saudinewsnet-3000"), report, tmp_path)


@pytest.mark.parametrize(
    "settings",
    [
        {"learn_boilerplate": False, "strip_furniture": False},
        {"passage_candidates": False, "related": RelatedConfig(k=0)},
        {"template_guard": False, "candidate_threshold": 0.3},
    ],
    ids=["keep-furniture", "lsh-only-no-related", "no-template-guard-lsh-0.3"],
)
def test_other_settings_give_the_local_output_too(
    settings: dict[str, Any], dask_client: Any, tmp_path: Path
) -> None:
    config = DedupConfig(**settings)
    records = _corpus("sample")
    local = scan(records, config=config)
    report = scan_with_client(records, client=dask_client, config=config)
    _assert_same_files(local, report, tmp_path)


@pytest.mark.parametrize(
    "records",
    [[], EDGE_CASES, [Article(id="only", text="خبر واحد عن افتتاح معرض الكتاب")]],
    ids=["empty", "all-rejected", "one-article"],
)
def test_corpora_without_pairs(records: list[Article | Rejected], dask_client: Any) -> None:
    local = scan(records)
    got = scan_with_client(records, client=dask_client, config=DedupConfig())
    assert (got.clusters, got.pairs, got.rejected, got.related) == (
        local.clusters,
        local.pairs,
        local.rejected,
        local.related,
    )
    assert got.stats["counts"] == local.stats["counts"]


def test_workers_run_without_dasks_malloc_trim_threshold(dask_client: Any) -> None:
    found = dask_client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert len(found) == 2
    assert set(found.values()) == {None}


def test_workers_of_another_dedup_version_are_refused(
    dask_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(driver, "__version__", "0.0.1")
    with pytest.raises(EngineError, match=r"Dask workers run dedup .*, this client 0\.0\.1"):
        scan_with_client([], client=dask_client, config=DedupConfig())


def test_a_cluster_without_workers_is_an_error_not_a_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from distributed import Client, LocalCluster

    from dedup.engines.dask import connect

    monkeypatch.setattr(connect, "CONNECT_SECONDS", 1.0)
    with (
        LocalCluster(
            n_workers=0,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        Client(cluster) as client,
        pytest.raises(EngineError, match="the Dask cluster has no worker after 1 s"),
    ):
        scan_with_client([], client=client, config=DedupConfig())


def test_workers_run_this_checkout(dask_client: Any) -> None:
    """The parity above compares this code with itself, not with an installed copy."""
    import dedup

    def where() -> str:
        import dedup as on_worker

        return str(Path(on_worker.__file__).resolve())

    assert set(dask_client.run(where).values()) == {str(Path(dedup.__file__).resolve())}


def test_scan_engine_dask_through_the_public_api(tmp_path: Path) -> None:
    records = _corpus("sample")
    report = scan(records, engine="dask", workers=1)
    assert report.stats["engine"] == {"name": "dask", "workers": 1, "partitions": 1}
    _assert_same_files(_local("sample"), report, tmp_path)


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"engine": "spark"}, "unknown engine 'spark'; known: dask, local"),
        ({"workers": 2}, 'scheduler and workers are settings of engine="dask"'),
        ({"engine": "dask", "workers": 2, "scheduler": "tcp://x:1"}, "not both"),
        ({"engine": "dask", "workers": 0}, "workers must be at least 1, got 0"),
    ],
)
def test_engine_settings_are_checked(keywords: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        scan([], **keywords)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_an_unreachable_scheduler_is_a_clear_error_not_a_hang() -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    with pytest.raises(EngineError, match=rf"cannot reach the Dask scheduler at {address} within"):
        scan_on_dask([], config=DedupConfig(), scheduler=address, timeout=2)
    assert time.monotonic() - started < 20


def test_the_cli_says_so_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.engines.dask import connect

    monkeypatch.setattr(connect, "CONNECT_SECONDS", 1.0)
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(
        main,
        ["scan", str(SAMPLE), "--out", str(tmp_path), "--engine", "dask", "--scheduler", address],
    )
    assert result.exit_code == 1
    assert f"Error: cannot reach the Dask scheduler at {address}" in result.output
    assert "Traceback" not in result.output


def test_without_dask_installed_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed: ImportError
    with pytest.raises(EngineError, match=r'install it with: pip install "dedup\[dask\]"'):
        scan([], engine="dask")


def test_importing_dedup_and_the_engine_does_not_import_dask() -> None:
    code = (
        "import sys, dedup, dedup.pipeline, dedup.engines.dask, dedup.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert found.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--workers", "2"], "--workers and --scheduler need --engine dask"),
        (["--engine", "dask", "--workers", "2", "--scheduler", "tcp://x:1"], "not both"),
        (["--engine", "dask", "--jobs", "2"], "--jobs is for --engine local"),
        (["--engine", "dask", "--memory-limit", "1G"], "--memory-limit is for --engine local"),
    ],
)
def test_cli_engine_flags_that_clash_are_usage_errors(
    flags: list[str], message: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(main, ["scan", str(SAMPLE), "--out", str(tmp_path), *flags])
    assert result.exit_code == 2
    assert message in result.output


def test_a_worker_killed_mid_run_changes_nothing(tmp_path: Path) -> None:
    """SIGKILL of a worker process while the partitions are being prepared: its nanny starts
    another, the scheduler reruns the lost tasks, and the output is the same."""
    from dedup.engines.dask.connect import open_client

    killed: list[int] = []
    with open_client(scheduler=None, workers=2) as client:
        pids = sorted(client.run(os.getpid).values())

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "prepare" and done == 1 and not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        report = scan_with_client(
            _corpus("saudinewsnet-3000"), client=client, config=DedupConfig(), progress=progress
        )
        after = sorted(client.run(os.getpid).values())
    assert killed
    assert pids[0] not in after
    assert len(after) == 2  # its nanny started another
    _assert_same_files(_local("saudinewsnet-3000"), report, tmp_path)


@pytest.fixture
def command_line_cluster(tmp_path: Path) -> Iterator[str]:
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, stopped by pid."""
    port = _free_port()
    # What README, "Running on a cluster", tells operators to give the workers: a Dask
    # configuration file that drops MALLOC_TRIM_THRESHOLD_ (an environment variable
    # DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON__MALLOC_TRIM_THRESHOLD_=None does not:
    # Dask lowercases the keys it reads from the environment, a key of its own).
    settings = tmp_path / "dask-config"
    settings.mkdir()
    (settings / "dedup.yaml").write_text(
        "distributed:\n  nanny:\n    pre-spawn-environ:\n      MALLOC_TRIM_THRESHOLD_: null\n",
        encoding="utf-8",
    )
    address = f"tcp://127.0.0.1:{port}"
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [environment.get("PYTHONPATH")])]
    )
    environment["DASK_CONFIG"] = str(settings)
    dask = [sys.executable, "-m", "dask"]
    commands = [
        [
            *(*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port)),
            *("--no-dashboard", "--dashboard-address", "127.0.0.1:0"),
        ],
        *[
            [
                *(*dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1"),
                *("--no-dashboard", "--nworkers", "1"),
            ]
            for _ in range(2)
        ],
    ]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for command in commands:
            processes.append(
                subprocess.Popen(
                    command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
            if command[3] == "scheduler":
                _wait_for_port(port, processes[0])
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"dask scheduler did not listen on 127.0.0.1:{port}")


def test_the_cli_on_a_scheduler_and_workers_started_by_their_command_line_tools(
    command_line_cluster: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    common = ["scan", str(SAMPLE), "-q", "--jobs", "1"]
    local = runner.invoke(main, [*common, "--out", str(tmp_path / "local")])
    assert local.exit_code == 0, local.output
    remote = runner.invoke(
        main,
        [
            *("scan", str(SAMPLE), "-q", "--out", str(tmp_path / "dask")),
            *("--engine", "dask", "--scheduler", command_line_cluster),
        ],
    )
    assert remote.exit_code == 0, remote.output
    for name in OUTPUT_FILES:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    summary = json.loads((tmp_path / "dask" / "summary.json").read_text(encoding="utf-8"))
    assert summary["engine"]["name"] == "dask"
    assert summary["engine"]["workers"] >= 1
    assert _summary(tmp_path / "dask") == _summary(tmp_path / "local")
    # The README's configuration file reached the workers through their nannies.
    from distributed import Client

    with Client(command_line_cluster, timeout="10s") as client:
        found = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert len(found) == 2
    assert set(found.values()) == {None}


def test_a_thread_may_scan_while_another_does(dask_client: Any) -> None:
    """Two scans on one client at once: task names are unique to each run."""
    records = _corpus("sample")
    found: list[ScanReport] = []
    threads = [
        threading.Thread(
            target=lambda: found.append(
                scan_with_client(records, client=dask_client, config=DedupConfig())
            )
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 2
    assert found[0].clusters == found[1].clusters == _local("sample").clusters
