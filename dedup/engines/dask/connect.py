"""The Dask client of a run: a scheduler given by address, or a local cluster started here.

Dask is the engine's one doorway and is imported here only when the engine is used (the
core install stays light: ``pip install "dedup[dask]"`` brings it). Workers of a cluster
started here

- are processes (the stages hold the GIL in their pure-Python string code), one thread each;
- listen on 127.0.0.1 only, without a dashboard;
- do not get Dask's ``MALLOC_TRIM_THRESHOLD_=65536`` (``distributed.nanny.pre-spawn-environ``):
  it made the numpy MinHash stage 2.5x slower in an earlier test (glibc returns every freed
  block to the system at once, and the signature stage frees large arrays in a loop).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dedup.errors import ConfigError, EngineError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["CONNECT_SECONDS", "INSTALL_HINT", "WORKER_CONFIG", "open_client"]

#: How long to wait for a scheduler to answer, and then for its first worker.
CONNECT_SECONDS = 10.0

INSTALL_HINT = 'pip install "dedup[dask]"'

#: Dask settings for the workers this module starts (dask.config keys). A worker started by
#: ``dask worker`` reads the same from the environment: see README, "Running on a cluster".
WORKER_CONFIG: dict[str, Any] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as error:
        raise EngineError(
            f"the dask engine needs Dask's distributed scheduler, which is not installed "
            f"({error}); install it with: {INSTALL_HINT}"
        ) from error
    return distributed


@contextlib.contextmanager
def open_client(
    *, scheduler: str | None, workers: int | None, timeout: float | None = None
) -> Iterator[Client]:
    """A client of the scheduler at ``scheduler`` (``tcp://host:8786``), or of a local
    cluster of ``workers`` processes started for the run and stopped after it.

    Raises
    ------
    EngineError
        Dask is not installed, the scheduler does not answer within ``timeout`` seconds, or
        no worker joins it within ``timeout`` seconds (None: :data:`CONNECT_SECONDS`).
    """
    timeout = CONNECT_SECONDS if timeout is None else timeout
    if scheduler is not None and workers is not None:
        raise ConfigError(
            "give either workers (a local cluster started for the run) or scheduler (an "
            "existing cluster), not both"
        )
    if workers is not None and workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    distributed = _import_distributed()
    if scheduler is not None:
        with _connected(distributed, scheduler, timeout) as client:
            yield client
        return
    import dask

    with (
        dask.config.set(WORKER_CONFIG),
        distributed.LocalCluster(
            n_workers=workers or _default_workers(),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # The scheduler serves its health and metrics routes over HTTP even without the
            # dashboard, by default on port 8787: a free port, so that clusters side by side
            # (tests, two scans) do not collide.
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _default_workers() -> int:
    from dedup.parallel import default_jobs

    return default_jobs()


@contextlib.contextmanager
def _connected(distributed: Any, address: str, timeout: float) -> Iterator[Client]:
    try:
        client = distributed.Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError) as error:
        raise EngineError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s ({error}); "
            "check the address (tcp://HOST:8786), that `dask scheduler` runs there and that "
            "the port is open to this machine"
        ) from error
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError as error:
            raise EngineError(
                f"the Dask scheduler at {address} has no worker after {timeout:g} s; start "
                f"some with: dask worker {address}"
            ) from error
        yield client
    finally:
        client.close()
