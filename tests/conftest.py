"""Fixtures shared by the core test suite."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dedup import DedupConfig, RelatedConfig

#: Real corpora live next to the repository (they exist in CI too); tests read
#: them at run time and never copy their text.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def pytest_configure(config: pytest.Config) -> None:
    # When a Hypothesis test fails, its pytest plugin imports libcst to suggest a
    # patch, and libcst triggers a DeprecationWarning from mypy_extensions; with
    # filterwarnings = error that turns every Hypothesis failure into an
    # INTERNALERROR that hides the falsifying example.
    config.addinivalue_line(
        "filterwarnings", "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"
    )


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared real-data folder."""
    return SHARED_DATA


@pytest.fixture(scope="session")
def oracle_config() -> DedupConfig:
    """Defaults, minus everything that edits the text or the pairs before verification.

    With furniture stripping, learned boilerplate and the template guard off,
    the pipeline shingles exactly the normalized text, so a brute-force oracle
    on that text is the ground truth. The passage branch and the date limit of
    containment matches are off too: the oracle checks the 5-gram rule alone
    (tests/test_pipeline.py covers those two).
    """
    return DedupConfig(
        related=RelatedConfig(k=0),
        strip_furniture=False,
        learn_boilerplate=False,
        template_guard=False,
        passage_containment_threshold=None,
        containment_max_days_apart=None,
    )


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    """Write records as a JSON Lines file in the test's temporary folder."""

    def write(records: Iterable[dict[str, Any]], name: str = "articles.jsonl") -> Path:
        path = tmp_path / name
        lines = (json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        path.write_text("".join(lines), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A client of a local Dask cluster shared by the session: two worker processes of one
    thread, on 127.0.0.1, no dashboard, started once (about 2 s) and stopped at the end.

    Skipped when Dask is not installed, except when the environment variable ``CI`` is set
    (CI installs the test extra, which brings it): then the tests fail.
    """
    try:
        import distributed  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip('dask[distributed] is not installed (pip install "dedup[dask]")')
    from dedup.engines.dask.connect import open_client

    with open_client(scheduler=None, workers=2) as client:
        yield client
