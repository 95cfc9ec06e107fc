"""``engine="dask"``: the scan on a Dask cluster (``pip install "dedup[dask]"``).

:func:`scan_on_dask` starts a local cluster for the run or connects to a scheduler, and
:func:`scan_with_client` runs on a :class:`distributed.Client` the caller holds (an ingest
job with its own cluster). Both give the local scan's report, byte for byte in every
output file; only ``stats["seconds"]`` differs, and ``stats["engine"]`` names the engine.
Dask itself is imported when a scan runs, never by ``import dedup``.
"""

from __future__ import annotations

from collections.abc import Iterable

from dedup.config import DedupConfig
from dedup.engines.dask.connect import INSTALL_HINT, open_client
from dedup.engines.dask.driver import partition_spans, scan_with_client
from dedup.pipeline import Progress
from dedup.records import Article, Rejected, ScanReport

__all__ = ["INSTALL_HINT", "partition_spans", "scan_on_dask", "scan_with_client"]


def scan_on_dask(
    records: Iterable[Article | Rejected],
    *,
    config: DedupConfig,
    progress: Progress | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    timeout: float | None = None,
) -> ScanReport:
    """The scan on the Dask scheduler at ``scheduler``, or on a local cluster of
    ``workers`` processes (None: one per core) started for the run.

    Raises
    ------
    dedup.errors.EngineError
        Dask is not installed, the scheduler or its workers cannot be reached within
        ``timeout`` seconds (None: ten), or workers kept dying.
    """
    with open_client(scheduler=scheduler, workers=workers, timeout=timeout) as client:
        return scan_with_client(records, client=client, config=config, progress=progress)
