"""What a scan's processes import: datasketch's package pulls in scipy.integrate (half a
second), so neither a default scan nor a worker's sketch task may need it."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _imports_datasketch(code: str) -> bool:
    program = textwrap.dedent(code) + "\nimport sys\nprint('datasketch' in sys.modules)\n"
    found = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120
    )
    return found.stdout.strip().splitlines()[-1] == "True"


def test_a_default_scan_does_not_import_datasketch() -> None:
    assert not _imports_datasketch(
        """
        from dedup import Article, DedupConfig, RelatedConfig, scan
        body = "وصل وزير الخارجية إلى بغداد اليوم في زيارة رسمية تستمر يومين " * 3
        report = scan([Article(id="1", text=body), Article(id="2", text="بغداد- " + body)],
                      config=DedupConfig(related=RelatedConfig(k=0)), jobs=1)
        assert [c.size for c in report.clusters] == [2]
        """
    )


def test_a_worker_sketch_task_does_not_import_datasketch() -> None:
    assert not _imports_datasketch(
        """
        from dedup.parallel import run_task
        payload = {"config": {}, "texts": ["وزارة النفط العراقية تعلن"]}
        assert run_task("sketch", payload)["digests"][0] is not None
        """
    )


def test_a_setting_outside_the_kept_layouts_asks_datasketch() -> None:
    assert _imports_datasketch(
        """
        from dedup import DedupConfig
        assert DedupConfig(candidate_threshold=0.45).bands_rows
        """
    )
