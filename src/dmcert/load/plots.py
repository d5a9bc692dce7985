"""latency.png and throughput.png: the run's time series, one line per endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # after use(): the backend must be chosen first
from matplotlib.ticker import ScalarFormatter

from dmcert.load.hdr import PERCENTILES, Recording

LATENCY_PLOT = "latency.png"
THROUGHPUT_PLOT = "throughput.png"
# the percentiles drawn, the solid one first: it carries the legend label and the colour
PLOTTED = sorted((p for p in PERCENTILES if p.line), key=lambda p: p.line != "-")
LINE_NAMES = {"-": "solid", "--": "dashed", ":": "dotted", "-.": "dash-dot"}


def write_plots(document: dict[str, Any], reports: Path, title: str) -> list[Path]:
    """Draw both plots from the master's recording document; the files written."""
    recording = Recording.from_json(document["recording"])
    start, finish = float(document["started"]), float(document["finished"])
    buckets = sorted(recording.series)
    names = sorted({name for points in recording.series.values() for name in points})
    width = recording.bucket_s
    paths = [reports / LATENCY_PLOT, reports / THROUGHPUT_PLOT]

    figure, axis = plt.subplots(figsize=(10, 5))
    for name in names:
        times: list[float] = []
        values: dict[str, list[float]] = {percentile.label: [] for percentile in PLOTTED}
        for bucket in buckets:
            point = recording.series[bucket].get(name)
            if point is None or point.latency.get_total_count() == 0:
                continue
            times.append(bucket + width / 2 - start)
            for percentile in PLOTTED:
                at = point.latency.get_value_at_percentile(percentile.value) / 1000
                values[percentile.label].append(at)
        solid, *others = PLOTTED
        (line,) = axis.plot(times, values[solid.label], marker=".", label=f"{name} {solid.label}")
        for percentile in others:
            axis.plot(
                times,
                values[percentile.label],
                linestyle=percentile.line,
                color=line.get_color(),
                alpha=0.6,
            )
    axis.set_yscale("log")
    axis.yaxis.set_major_formatter(ScalarFormatter())
    axis.set_xlabel("seconds since start")
    axis.set_ylabel("latency, ms (log scale)")
    lines = ", ".join(f"{p.label} ({LINE_NAMES.get(p.line, p.line)})" for p in PLOTTED)
    axis.set_title(f"{title}: latency {lines} per {width} s")
    _finish(figure, axis, paths[0], bool(names))

    # the first and last buckets are partly outside the run: rates use the part inside
    spans = {
        bucket: max(min(bucket + width, finish) - max(bucket, start), 0.1) for bucket in buckets
    }
    figure, axis = plt.subplots(figsize=(10, 5))
    rows_axis = None
    for name in names:
        points = [(bucket, recording.series[bucket].get(name)) for bucket in buckets]
        times = [bucket + width / 2 - start for bucket, _ in points]
        rps = [(point.requests if point else 0) / spans[bucket] for bucket, point in points]
        errors = [(point.failures if point else 0) / spans[bucket] for bucket, point in points]
        (line,) = axis.plot(times, rps, marker=".", label=f"{name} req/s")
        if any(errors):
            axis.plot(times, errors, linestyle="--", color=line.get_color(), label=f"{name} err/s")
        rows = [(point.rows if point else 0) / spans[bucket] for bucket, point in points]
        if any(rows):
            rows_axis = rows_axis or axis.twinx()
            rows_axis.plot(times, rows, linestyle="-.", color="black", label=f"{name} rows/s")
            rows_axis.set_ylabel("rows/s (dash-dot)")
    axis.set_xlabel("seconds since start")
    axis.set_ylabel("requests/s")
    axis.set_title(f"{title}: throughput per {width} s")
    if rows_axis is not None:
        rows_axis.legend(loc="upper right", fontsize="small")
    _finish(figure, axis, paths[1], bool(names))
    return paths


def _finish(figure: Any, axis: Any, path: Path, has_data: bool) -> None:
    if has_data:
        axis.legend(loc="upper left", fontsize="small")
    else:
        axis.text(0.5, 0.5, "no requests recorded", ha="center", transform=axis.transAxes)
    axis.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
