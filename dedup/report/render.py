"""The page: Jinja2 templates with autoescaping, the data packed as gzip + base64 JSON.

Every string from the run or the articles reaches the HTML through an autoescaping
template, or inside the packed data, which the page's script decodes and puts in the
document with ``textContent`` only. JSON placed in a ``<script>`` element is escaped
further (:func:`script_json`): ``<``, ``>`` and ``&`` as ``\\u003c`` and so on, so no
``</script>`` or ``<!--`` can end the element early.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup

from dedup._version import __version__
from dedup.report.run import RunOutputs

__all__ = ["pack", "render_page", "script_json"]

# Histogram bins over [0, 1]: 0.02 wide, fine enough to see a threshold's neighbourhood.
_BINS = 50
# Cluster sizes drawn one bar each up to this size, then in doubling ranges.
_SINGLE_SIZES = 8
_PLOT_WIDTH, _PLOT_HEIGHT = 600, 180
# The scan's stages in the order they run (dedup/pipeline.py); summary.json sorts its keys.
_STAGES = ("read", "prepare", "shingle", "signature", "candidates", "verify", "cluster", "related")
_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(value: Any) -> Markup:
    """``value`` as JSON safe inside a ``<script>`` element.

    Examples
    --------
    >>> str(script_json({"t": "</script><!--"}))
    '{"t": "\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True).translate(_JSON_ESCAPES)
    return Markup(text)


def pack(value: Any) -> str:
    """``value`` as gzip-compressed JSON in base64 (the same bytes for the same value).

    Examples
    --------
    >>> import base64, gzip, json
    >>> json.loads(gzip.decompress(base64.b64decode(pack({"a": "بغداد"}))))
    {'a': 'بغداد'}
    """
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # mtime=0: no time stamp in the gzip header, so the page is byte-identical run to run.
    return base64.b64encode(gzip.compress(raw.encode("utf-8"), compresslevel=9, mtime=0)).decode(
        "ascii"
    )


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dedup.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _asset(name: str) -> Markup:
    """A stylesheet or script of the package, put in the page as it is (our own code)."""
    return Markup(resources.files("dedup.report").joinpath("templates", name).read_text("utf-8"))


def _histogram(values: Sequence[float], thresholds: Mapping[str, float]) -> dict[str, Any]:
    counts, _ = np.histogram(np.asarray(values, dtype=np.float64), bins=_BINS, range=(0.0, 1.0))
    top = int(counts.max(initial=0)) or 1
    width = _PLOT_WIDTH / _BINS
    bars = [
        {
            "x": round(k * width, 2),
            "w": round(width - 1, 2),
            "h": round(_PLOT_HEIGHT * int(n) / top, 2),
            "n": int(n),
            "low": round(k / _BINS, 2),
        }
        for k, n in enumerate(counts.tolist())
    ]
    lines = [
        {"x": round(value * _PLOT_WIDTH, 2), "label": f"{name} {value:g}"}
        for name, value in thresholds.items()
    ]
    return {"bars": bars, "lines": lines, "top": top, "total": len(values)}


def _size_ranges(sizes: Counter[int]) -> list[tuple[str, int]]:
    ranges: list[tuple[str, int]] = [(str(s), sizes.get(s, 0)) for s in range(1, _SINGLE_SIZES + 1)]
    low = _SINGLE_SIZES + 1
    largest = max(sizes, default=0)
    while low <= largest:
        high = low * 2 - 1
        count = sum(n for s, n in sizes.items() if low <= s <= high)
        ranges.append((f"{low}-{high}", count))
        low = high + 1
    return ranges


def _bars(items: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """Bars on a logarithmic scale (a corpus has far more singletons than large clusters)."""
    top = math.log10(max((n for _, n in items), default=1) + 1) or 1.0
    width = _PLOT_WIDTH / max(len(items), 1)
    return {
        "bars": [
            {
                "label": label,
                "n": n,
                "x": round(k * width, 2),
                "w": round(width - 4, 2),
                "h": round(_PLOT_HEIGHT * math.log10(n + 1) / top, 2),
            }
            for k, (label, n) in enumerate(items)
        ]
    }


def _plots(run: RunOutputs, thresholds: Mapping[str, float]) -> dict[str, Any]:
    sizes = Counter(int(c["size"]) for c in run.clusters)
    relations = Counter(str(p["relation"]) for p in run.pairs)
    return {
        "jaccard": _histogram(
            [p["jaccard"] for p in run.pairs], {"jaccard_threshold": thresholds["jaccard"]}
        ),
        "containment": _histogram(
            [p["containment"] for p in run.pairs],
            {"containment_threshold": thresholds["containment"]},
        ),
        "sizes": _bars(_size_ranges(sizes)),
        "relations": _bars(sorted(relations.items())),
    }


def _flat(values: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key in sorted(values):
        value = values[key]
        if isinstance(value, Mapping):
            rows.extend(_flat(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", json.dumps(value, ensure_ascii=False)))
    return rows


def render_page(run: RunOutputs, payload: Mapping[str, Any]) -> str:
    """The report page for ``run`` with ``payload`` (:func:`dedup.report.build_payload`)."""
    summary = run.summary
    counts = summary.get("counts", {})
    # Sorted keys: the in-memory stats and summary.json give the same page.
    scalar_counts = {k: counts[k] for k in sorted(counts) if not isinstance(counts[k], Mapping)}
    furniture = summary.get("furniture", {})
    seconds = summary.get("seconds", {})
    stage_order = {name: k for k, name in enumerate(_STAGES)}
    page = _environment().get_template("report.html.j2")
    return page.render(
        version=__version__,
        summary=summary,
        counts=scalar_counts,
        rejects_by_reason=dict(sorted(counts.get("rejects_by_reason", {}).items())),
        parameters=_flat(summary.get("parameters", {})),
        seconds={k: seconds[k] for k in sorted(seconds, key=lambda k: (stage_order.get(k, 99), k))},
        furniture_chars=dict(sorted(furniture.get("stripped_chars", {}).items())),
        furniture_lines=furniture.get("stripped_lines", {}),
        furniture_other={
            k: furniture[k] for k in sorted(furniture) if not isinstance(furniture[k], Mapping)
        },
        plots=_plots(run, payload["thresholds"]),
        plot_width=_PLOT_WIDTH,
        plot_height=_PLOT_HEIGHT,
        meta=script_json(
            {
                "clusters": len(run.clusters),
                "articles": len(payload["articles"]["id"]),
                "fingerprint": summary.get("config_fingerprint", ""),
            }
        ),
        data=pack(payload),
        style=_asset("report.css"),
        script=_asset("report.js"),
    )
