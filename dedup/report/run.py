"""A finished scan's outputs as plain records: from a :class:`ScanReport` or from its folder.

The report reads the five output files' records (``clusters.jsonl`` and the others, in the
format :mod:`dedup.writers` writes), so ``dedup scan --html`` and ``dedup report DIR`` build
the page from the same values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dedup.config import DedupConfig
from dedup.errors import InputError
from dedup.records import ScanReport
from dedup.writers import cluster_record, pair_record, reject_record, related_record

__all__ = ["RunOutputs"]

# Parameters summary.json adds to the config's own (derived from it, not settable).
_DERIVED = ("bands", "rows")


@dataclass(frozen=True)
class RunOutputs:
    """The records of one run, as its output files hold them.

    Attributes
    ----------
    clusters, pairs, rejects, related
        One dict per line of ``clusters.jsonl``, ``pairs.jsonl``, ``rejects.jsonl`` and
        ``related.jsonl``.
    summary
        ``summary.json``.
    """

    clusters: list[dict[str, Any]]
    pairs: list[dict[str, Any]]
    rejects: list[dict[str, Any]]
    related: list[dict[str, Any]]
    summary: dict[str, Any]

    @classmethod
    def from_scan(cls, report: ScanReport) -> RunOutputs:
        """The records :func:`dedup.writers.write_report` writes for ``report``.

        Examples
        --------
        >>> RunOutputs.from_scan(ScanReport((), (), ())).summary
        {'completed': True}
        """
        related = report.related
        return cls(
            clusters=[cluster_record(c) for c in report.clusters],
            pairs=[pair_record(p) for p in report.pairs],
            rejects=[reject_record(r) for r in report.rejected],
            related=[related_record(i, related[i]) for i in sorted(related)],
            summary={**report.stats, "completed": True},
        )

    @classmethod
    def load(cls, folder: str | Path) -> RunOutputs:
        """Read the output files of a finished run in ``folder``.

        Raises
        ------
        InputError
            A file is missing or unreadable, or ``summary.json`` does not say the run
            completed.
        """
        path = Path(folder)
        summary = _read_json(path / "summary.json")
        if not isinstance(summary, dict) or summary.get("completed") is not True:
            raise InputError(
                f"{path / 'summary.json'} does not say the run completed; run dedup scan "
                f"... --out {path} again"
            )
        return cls(
            clusters=_read_jsonl(path / "clusters.jsonl"),
            pairs=_read_jsonl(path / "pairs.jsonl"),
            rejects=_read_jsonl(path / "rejects.jsonl"),
            related=_read_jsonl(path / "related.jsonl"),
            summary=summary,
        )

    def config(self) -> DedupConfig:
        """The run's parameters (from ``summary.json``), to prepare the texts as it did.

        Raises
        ------
        InputError
            ``summary.json`` holds parameters this version does not know.
        """
        parameters = dict(self.summary.get("parameters", {}))
        for name in _DERIVED:
            parameters.pop(name, None)
        try:
            return DedupConfig.from_dict(parameters)
        except (ValueError, TypeError) as error:
            raise InputError(
                f"summary.json: parameters this version cannot read ({error}); build the "
                "report with the dedup version that made the run"
            ) from error


def _missing(path: Path) -> InputError:
    return InputError(
        f"{path}: no such file; give dedup report the --out folder of a finished dedup scan"
    )


def _read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise _missing(path) from None
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot be read as JSON ({error})") from error


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        raise _missing(path) from None
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot be read as JSON Lines ({error})") from error
