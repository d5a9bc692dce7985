"""The plots of `dmcert load`: latency.png and throughput.png for a run (full intervals
only: a partial last interval would show a spike or a dip that never happened),
capacity.png for `--find-capacity`, compare.png for `--compare`.

Every percentile drawn has its own legend entry (its line style), and the SLO limits that
apply to the endpoints drawn are horizontal lines on the latency plot.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # after use(): the backend must be chosen first
from matplotlib.lines import Line2D
from matplotlib.ticker import ScalarFormatter

from dmcert.load.figures import FIGURES, full_intervals
from dmcert.load.hdr import PERCENTILES, Recording, SeriesPoint
from dmcert.load.plan import USERS_COUNTER
from dmcert.load.slo import LATENCY_KEYS, SloFile

if TYPE_CHECKING:
    from dmcert.load.capacity import Capacity
    from dmcert.load.compare import Row, Side

LATENCY_PLOT = "latency.png"
THROUGHPUT_PLOT = "throughput.png"
# the percentiles drawn, the solid one first: it carries the colour
PLOTTED = sorted((p for p in PERCENTILES if p.line), key=lambda p: p.line != "-")


def _percentile_legend(axis: Any, endpoints: list[Any]) -> None:
    """Endpoint colours, then one entry per percentile line style."""
    ordered = sorted(PLOTTED, key=lambda p: p.value)
    styles = [Line2D([], [], color="grey", linestyle=p.line, label=p.label) for p in ordered]
    axis.legend(handles=[*endpoints, *styles], loc="upper left", fontsize="small")


def _slo_lines(axis: Any, slo: SloFile | None, names: list[str]) -> None:
    if slo is None:
        return
    limits: dict[tuple[str, float], list[str]] = {}
    for name in names:
        for key, limit in slo.limits_for(name).items():
            if key in LATENCY_KEYS and LATENCY_KEYS[key] in {p.label for p in PLOTTED}:
                limits.setdefault((LATENCY_KEYS[key], limit), []).append(name)
    for (label, limit), scopes in sorted(limits.items(), key=lambda item: item[0][1]):
        where = "all" if len(scopes) == len(names) else ", ".join(scopes)
        axis.axhline(limit, color="red", linewidth=1, alpha=0.7)
        axis.annotate(
            f"SLO {label} {limit:g} ms ({where})",
            (0.995, limit),
            xycoords=("axes fraction", "data"),
            ha="right",
            va="bottom",
            fontsize="x-small",
            color="red",
        )


def write_plots(
    document: dict[str, Any], reports: Path, title: str, slo: SloFile | None = None
) -> list[Path]:
    """Draw the run's plots from the master's recording document; the files written."""
    recording = Recording.from_json(document["recording"])
    start, finish = float(document["started"]), float(document["finished"])
    buckets = full_intervals(recording, start, finish)
    names = sorted({name for b in buckets for name in recording.series[b]})
    width = recording.bucket_s
    paths = [reports / LATENCY_PLOT, reports / THROUGHPUT_PLOT]
    times = [bucket + width / 2 - start for bucket in buckets]

    figure, axis = plt.subplots(figsize=(10, 5))
    handles = []
    for name in names:
        shown: list[float] = []
        values: dict[str, list[float]] = {percentile.label: [] for percentile in PLOTTED}
        for at, bucket in zip(times, buckets, strict=True):
            point = recording.series[bucket].get(name)
            if point is None or point.latency.get_total_count() == 0:
                continue
            shown.append(at)
            for percentile in PLOTTED:
                value = point.latency.get_value_at_percentile(percentile.value) / 1000
                values[percentile.label].append(value)
        solid, *others = PLOTTED
        (line,) = axis.plot(shown, values[solid.label], marker=".", label=name)
        handles.append(line)
        for percentile in others:
            axis.plot(
                shown,
                values[percentile.label],
                linestyle=percentile.line,
                color=line.get_color(),
                alpha=0.6,
            )
    if names:
        axis.set_yscale("log")
        axis.yaxis.set_major_formatter(ScalarFormatter())
        _slo_lines(axis, slo, names)
    axis.set_xlabel("seconds since start")
    axis.set_ylabel("latency, ms (log scale)")
    axis.set_title(f"{title}: latency per {width} s interval (full intervals only)")
    _finish(figure, [axis], paths[0], bool(names), lambda: _percentile_legend(axis, handles))

    figure, (rate_axis, error_axis, users_axis) = plt.subplots(
        3, 1, figsize=(10, 8), sharex=True, height_ratios=(3, 1, 1)
    )
    rows_axis = None
    for name in names:
        points = [recording.series[bucket].get(name) or SeriesPoint() for bucket in buckets]
        (line,) = rate_axis.plot(
            times, [p.requests / width for p in points], marker=".", label=f"{name} req/s"
        )
        ratios = [p.failures / p.requests * 100 if p.requests else 0.0 for p in points]
        error_axis.plot(times, ratios, color=line.get_color(), marker=".")
        rows = [p.rows / width for p in points]
        if any(rows):
            rows_axis = rows_axis or rate_axis.twinx()
            rows_axis.plot(times, rows, linestyle="-.", color="black", label=f"{name} rows/s")
            rows_axis.set_ylabel("rows/s (dash-dot)")
    users = [recording.counters.get(f"{USERS_COUNTER}{bucket}", 0) for bucket in buckets]
    users_axis.step(times, users, where="mid", color="grey")
    rate_axis.set_ylabel("requests/s")
    error_axis.set_ylabel("errors, %")
    error_axis.set_ylim(bottom=0, top=max(1.0, error_axis.get_ylim()[1]))
    users_axis.set_ylim(bottom=0)
    users_axis.set_ylabel("active users")
    users_axis.set_xlabel("seconds since start")
    rate_axis.set_title(f"{title}: throughput, error ratio and users per {width} s interval")
    if rows_axis is not None:
        rows_axis.legend(loc="upper right", fontsize="small")
    axes = [rate_axis, error_axis, users_axis]
    _finish(figure, axes, paths[1], bool(names), lambda: rate_axis.legend(loc="upper left"))
    return paths


def write_capacity_plot(found: Capacity, slo: SloFile, path: Path, title: str) -> None:
    """Latency percentiles and error ratio against the offered rate, one point per step."""
    steps = sorted(found.steps, key=lambda step: step.rate)
    figure, (axis, error_axis) = plt.subplots(
        2, 1, figsize=(10, 7), sharex=True, height_ratios=(3, 1)
    )
    rates = [step.rate for step in steps]
    for percentile in sorted(PLOTTED, key=lambda p: p.value):
        values = [step.latency_ms.get(percentile.label) for step in steps]
        axis.plot(rates, values, linestyle=percentile.line, marker="o", label=percentile.label)
    for step in steps:
        if step.outcome != "held":
            marker = "x" if step.outcome == "breached" else "s"
            axis.plot([step.rate], [step.latency_ms["p95"] or 0], marker, color="red")
    if found.capacity is not None:
        _rate_line(axis, found.capacity, f" capacity {found.capacity:g}/s", "green", "--", 0.5)
    if found.generator_limit is not None:
        label = f"generator limit {found.generator_limit:g}/s"
        _rate_line(axis, found.generator_limit, label, "orange", ":", 0.9)
    if rates:
        axis.set_yscale("log")
        axis.yaxis.set_major_formatter(ScalarFormatter())
        for key, limit in slo.defaults.items():
            if key in LATENCY_KEYS:
                axis.axhline(limit, color="red", linewidth=1, alpha=0.7)
                axis.annotate(
                    f"SLO {LATENCY_KEYS[key]} {limit:g} ms", (0.995, limit),
                    xycoords=("axes fraction", "data"), ha="right", va="bottom",
                    fontsize="x-small", color="red",
                )  # fmt: skip
    error_axis.plot(rates, [s.error_ratio * 100 for s in steps], marker="o", color="black")
    if "max_error_ratio" in slo.run:
        error_axis.axhline(slo.run["max_error_ratio"] * 100, color="red", linewidth=1)
    axis.set_ylabel("latency, ms (log scale)")
    error_axis.set_ylabel("errors, %")
    error_axis.set_xlabel("offered load, requests/s (x: SLO breached, square: generator limit)")
    axis.set_title(f"{title}: latency and errors against offered load")
    _finish(figure, [axis, error_axis], path, bool(steps), lambda: axis.legend(loc="upper left"))


def write_compare_plot(a: Side, b: Side, rows: list[Row], path: Path) -> None:
    """A/B overlay: each endpoint's interval samples of p95 and req/s, A beside B."""
    shown = [figure for figure in FIGURES if figure.label in ("p95 ms", "req/s")]
    names = list(dict.fromkeys(row.endpoint for row in rows))
    verdicts = {(row.endpoint, row.figure.label): row for row in rows}
    figure, axes = plt.subplots(len(shown), 1, figsize=(max(8, 1.6 * len(names)), 8))
    for axis, chosen in zip(axes, shown, strict=True):
        data, positions, colours = [], [], []
        for index, name in enumerate(names):
            for offset, side, colour in ((-0.2, a, "tab:blue"), (0.2, b, "tab:orange")):
                values = list(side.intervals(name, chosen).values())
                data.append(values or side.run_values(name, chosen) or [float("nan")])
                positions.append(index + offset)
                colours.append(colour)
        boxes = axis.boxplot(data, positions=positions, widths=0.35, patch_artist=True)
        for box, colour in zip(boxes["boxes"], colours, strict=True):
            box.set_facecolor(colour)
            box.set_alpha(0.6)
        labels = []
        for name in names:
            row = verdicts.get((name, chosen.label))
            mark = "" if row is None else f"\n{row.mark}"
            labels.append(f"{name}{mark}")
        axis.set_xticks(range(len(names)), labels, fontsize="x-small")
        axis.set_ylabel(chosen.label)
        axis.grid(True, alpha=0.3)
    axes[0].legend(
        handles=[
            Line2D([], [], color="tab:blue", linewidth=6, alpha=0.6, label=f"A {a.path}"),
            Line2D([], [], color="tab:orange", linewidth=6, alpha=0.6, label=f"B {b.path}"),
        ],
        loc="upper left",
        fontsize="small",
    )
    axes[0].set_title("A/B: the figure in each interval of each run")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _finish(figure: Any, axes: list[Any], path: Path, has_data: bool, legend: Any) -> None:
    if has_data:
        legend()
    else:
        axes[0].text(0.5, 0.5, "no requests recorded", ha="center", transform=axes[0].transAxes)
    for axis in axes:
        axis.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _rate_line(axis: Any, rate: float, label: str, color: str, style: str, height: float) -> None:
    """A vertical line at an offered rate, labelled at `height` of the axes."""
    axis.axvline(rate, color=color, linestyle=style, linewidth=1)
    axis.annotate(
        label, (rate, height), xycoords=("data", "axes fraction"), va="top",
        fontsize="small", color=color,
    )  # fmt: skip
