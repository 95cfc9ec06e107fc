"""Engines that run the scan's dataflow beyond one process.

``engine="local"`` is :func:`dedup.pipeline.scan` itself (one process, ``jobs`` worker
processes for preparation); :mod:`dedup.engines.dask` runs the same stages on a Dask cluster
(``engine="dask"``). Each engine is a folder of its own; the stages stay in their modules.
"""

from __future__ import annotations

ENGINES = ("dask", "local")
"""The engines ``dedup.scan`` and ``dedup scan --engine`` know."""

__all__ = ["ENGINES"]
