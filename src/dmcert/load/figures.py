"""The figures `dmcert load` judges per endpoint (latency percentiles, throughput, error
ratio), read two ways: once for the whole run from summary.json's STATS, and once per
full time interval of the run, which `--compare` pairs with the same interval of a run of
the other build that ran at the same time.

An interval's latency percentile is a sample only when the interval holds enough requests
for it (`requests_for`).
Only intervals wholly inside the run count: the first and last bucket of the time series
are partly outside it, so their rates would be too low (or, for a sliver, too high).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dmcert.load.hdr import PERCENTILES, Recording, SeriesPoint


@dataclass(frozen=True)
class Figure:
    label: str  # as printed and as keyed in summary.json's intervals
    path: tuple[str, ...]  # where summary.json's STATS hold it for the whole run
    higher_is_worse: bool
    ratio: bool = False  # a fraction whose change is told in percentage points

    def of_stats(self, stats: dict[str, Any] | None) -> float | None:
        value: Any = stats
        for key in self.path:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return float(value) if isinstance(value, int | float) else None

    def of_interval(self, point: SeriesPoint, width: float) -> float | None:
        if self.ratio:
            return point.failures / point.requests if point.requests else None
        if self.path[0] == "rps":
            return point.requests / width
        if self.path[0] == "rows_per_s":
            return point.rows / width
        value = next(p.value for p in PERCENTILES if p.label == self.path[1])
        if point.latency.get_total_count() < requests_for(value):
            return None
        return point.latency.get_value_at_percentile(value) / 1000


def requests_for(percentile: float) -> int:
    """Requests an interval needs before its pX says anything more than its maximum:
    p50 2, p95 20, p99 100, p99.9 1000."""
    return math.ceil(round(100 / (100 - percentile), 6))


FIGURES: tuple[Figure, ...] = (
    *(
        Figure(f"{percentile.label} ms", ("latency_ms", percentile.label), True)
        for percentile in PERCENTILES
        if percentile.compared
    ),
    Figure("req/s", ("rps",), False),
    Figure("rows/s", ("rows_per_s",), False),
    Figure("error ratio", ("error_ratio",), True, ratio=True),
)


def full_intervals(recording: Recording, started: float, finished: float) -> list[int]:
    """The buckets of the time series that lie wholly inside [started, finished]."""
    width = recording.bucket_s
    return [b for b in sorted(recording.series) if b >= started and b + width <= finished]


def interval_samples(recording: Recording, started: float, finished: float) -> dict[str, Any]:
    """Per endpoint (and "total"), per figure, its value in each full interval, keyed by the
    interval's start (epoch seconds): `--compare` pairs the intervals two runs share."""
    width = recording.bucket_s
    buckets = full_intervals(recording, started, finished)
    names = sorted({name for points in recording.series.values() for name in points})
    samples: dict[str, dict[str, dict[str, float]]] = {}
    for name in [*names, "total"]:
        points = {}
        for bucket in buckets:
            if name == "total":
                point = SeriesPoint()
                for each in recording.series[bucket].values():
                    point.merge(each)
            else:
                point = recording.series[bucket].get(name) or SeriesPoint()
            points[str(bucket)] = point
        samples[name] = {
            figure.label: {
                at: value
                for at, point in points.items()
                if (value := figure.of_interval(point, width)) is not None
            }
            for figure in FIGURES
        }
    return {"bucket_s": width, "count": len(buckets), "samples": samples}
