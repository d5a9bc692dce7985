"""Latency recording in HDR histograms, mergeable across processes.

Locust rounds response times to about two significant digits; these histograms keep three
(microsecond resolution below 1 ms, 0.1 % above), so the SLO gate sees unrounded
percentiles. A Recording is shipped as JSON (histograms base64-encoded) from each Locust
worker to the master, merged there, and written for the parent process.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # one hour
SIGNIFICANT_FIGURES = 3
SERIES_SIGNIFICANT_FIGURES = 2  # the time series only feeds plots
MAX_ERROR_KINDS = 50  # distinct failure messages kept per endpoint


@dataclass(frozen=True)
class Percentile:
    """One latency percentile dmcert reports. This table is the only place percentiles are
    listed: summary.json, the terminal table, the SLO keys, `--compare` and latency.png all
    derive theirs from it."""

    label: str  # its key in summary.json's latency_ms, e.g. "p99.9"
    value: float  # 99.9
    compared: bool = True  # `dmcert load --compare` judges it
    line: str | None = None  # its line style in latency.png ("-" solid: the labelled one)

    @property
    def slo_key(self) -> str:
        """Its key in an SLO file: "p99.9" -> "p99_9_ms" (TOML keys have no dots)."""
        return f"{self.label.replace('.', '_')}_ms"


PERCENTILES = (
    Percentile("p50", 50.0, line=":"),
    Percentile("p90", 90.0, compared=False),
    Percentile("p95", 95.0, line="-"),
    Percentile("p99", 99.0, line="--"),
    Percentile("p99.9", 99.9),
)


def _check_percentiles() -> None:
    values = [percentile.value for percentile in PERCENTILES]
    labels = {percentile.label for percentile in PERCENTILES}
    if values != sorted(set(values)) or len(labels) != len(values) or not 0 < values[0] < 100:
        raise ValueError("hdr.PERCENTILES must be distinct, ascending and within (0, 100)")
    if [percentile.line for percentile in PERCENTILES].count("-") != 1:
        raise ValueError("hdr.PERCENTILES must plot exactly one percentile solid")


_check_percentiles()


def new_histogram(significant_figures: int = SIGNIFICANT_FIGURES) -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, significant_figures)


def record_ms(histogram: HdrHistogram, latency_ms: float) -> None:
    """`histogram.record_value` for one latency, inlined: it runs three times per request in
    the generator, and hdrh's pure-Python version (bin() strings, four method calls) was a
    fifth of the generator's CPU. `int.bit_length()` is hdrh's `64 - _clz()`; the test
    suite checks both give the same counts."""
    micros = min(max(round(latency_ms * 1000), LOWEST_US), HIGHEST_US)
    h = histogram
    bucket = (
        (micros | h.sub_bucket_mask).bit_length()
        - h.unit_magnitude
        - h.sub_bucket_half_count_magnitude
        - 1
    )
    sub_bucket = micros >> (bucket + h.unit_magnitude)
    index = ((bucket + 1) << h.sub_bucket_half_count_magnitude) + sub_bucket
    h.counts[index - h.sub_bucket_half_count] += 1
    h.total_count += 1
    if micros < h.min_value:
        h.min_value = micros
    if micros > h.max_value:
        h.max_value = micros


def encode(histogram: HdrHistogram) -> str:
    return histogram.encode().decode("ascii")


def decode(text: str) -> HdrHistogram:
    return HdrHistogram.decode(text.encode("ascii"))


def latency_stats(histogram: HdrHistogram) -> dict[str, float | None]:
    """min, mean, each of PERCENTILES and max in milliseconds, unrounded (None when empty)."""
    if histogram.get_total_count() == 0:
        labels = [percentile.label for percentile in PERCENTILES]
        return {"min": None, "mean": None, **dict.fromkeys(labels), "max": None}
    stats: dict[str, float | None] = {
        "min": histogram.get_min_value() / 1000,
        "mean": histogram.get_mean_value() / 1000,
    }
    for percentile in PERCENTILES:
        stats[percentile.label] = histogram.get_value_at_percentile(percentile.value) / 1000
    stats["max"] = histogram.get_max_value() / 1000
    return stats


@dataclass
class EndpointRecord:
    """Everything recorded for one endpoint name.

    `latency` is measured from each request's intended start (equal to its actual start in
    the closed model); `service` from the moment it was sent, so the two differ by the
    schedule lag of the open model (coordinated omission).
    """

    latency: HdrHistogram = field(default_factory=new_histogram)
    service: HdrHistogram = field(default_factory=new_histogram)
    requests: int = 0
    failures: int = 0
    rows: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def record(self, latency_ms: float, service_ms: float, error: str | None, rows: int) -> None:
        record_ms(self.latency, latency_ms)
        record_ms(self.service, service_ms)
        self.requests += 1
        if error is not None:
            self.failures += 1
            if error in self.errors or len(self.errors) < MAX_ERROR_KINDS:
                self.errors[error] += 1
        else:
            self.rows += rows

    def merge(self, other: EndpointRecord) -> None:
        self.latency.add(other.latency)
        self.service.add(other.service)
        self.requests += other.requests
        self.failures += other.failures
        self.rows += other.rows
        for message, count in other.errors.items():
            if message in self.errors or len(self.errors) < MAX_ERROR_KINDS:
                self.errors[message] += count

    def to_json(self) -> dict[str, Any]:
        return {
            "latency": encode(self.latency),
            "service": encode(self.service),
            "requests": self.requests,
            "failures": self.failures,
            "rows": self.rows,
            "errors": dict(self.errors),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EndpointRecord:
        return cls(
            latency=decode(data["latency"]),
            service=decode(data["service"]),
            requests=int(data["requests"]),
            failures=int(data["failures"]),
            rows=int(data["rows"]),
            errors=Counter({str(k): int(v) for k, v in data["errors"].items()}),
        )


@dataclass
class SeriesPoint:
    """One endpoint during one time bucket: a coarse histogram and counts, for the plots."""

    latency: HdrHistogram = field(default_factory=lambda: new_histogram(SERIES_SIGNIFICANT_FIGURES))
    requests: int = 0
    failures: int = 0
    rows: int = 0

    def merge(self, other: SeriesPoint) -> None:
        self.latency.add(other.latency)
        self.requests += other.requests
        self.failures += other.failures
        self.rows += other.rows

    def to_json(self) -> dict[str, Any]:
        return {
            "latency": encode(self.latency),
            "requests": self.requests,
            "failures": self.failures,
            "rows": self.rows,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SeriesPoint:
        return cls(
            latency=decode(data["latency"]),
            requests=int(data["requests"]),
            failures=int(data["failures"]),
            rows=int(data["rows"]),
        )


@dataclass
class Recording:
    """Per-endpoint records, a per-bucket time series, and named counters (walks, ...)."""

    bucket_s: int = 1
    endpoints: dict[str, EndpointRecord] = field(default_factory=dict)
    series: dict[int, dict[str, SeriesPoint]] = field(default_factory=dict)
    counters: Counter[str] = field(default_factory=Counter)

    def record(
        self,
        name: str,
        latency_ms: float,
        service_ms: float,
        *,
        error: str | None = None,
        rows: int = 0,
        at: float,
    ) -> None:
        """One finished request; `at` is its completion time (epoch seconds).

        On the generator's hot path: histograms are made only for a new endpoint or time
        bucket (never one per request, as `setdefault(name, EndpointRecord())` would)."""
        record = self.endpoints.get(name)
        if record is None:
            record = self.endpoints[name] = EndpointRecord()
        record.record(latency_ms, service_ms, error, rows)
        bucket = int(at // self.bucket_s) * self.bucket_s
        points = self.series.get(bucket)
        if points is None:
            points = self.series[bucket] = {}
        point = points.get(name)
        if point is None:
            point = points[name] = SeriesPoint()
        record_ms(point.latency, latency_ms)
        point.requests += 1
        if error is None:
            point.rows += rows
        else:
            point.failures += 1

    def count(self, counter: str, amount: int = 1) -> None:
        self.counters[counter] += amount

    @property
    def requests(self) -> int:
        return sum(record.requests for record in self.endpoints.values())

    @property
    def empty(self) -> bool:
        return not self.endpoints and not self.counters

    def merge(self, other: Recording) -> None:
        for name, record in other.endpoints.items():
            if name in self.endpoints:
                self.endpoints[name].merge(record)
            else:
                self.endpoints[name] = record
        for bucket, points in other.series.items():
            mine = self.series.setdefault(bucket, {})
            for name, point in points.items():
                if name in mine:
                    mine[name].merge(point)
                else:
                    mine[name] = point
        self.counters.update(other.counters)

    def drain(self) -> Recording:
        """Hand over everything recorded so far and start afresh (incremental shipping)."""
        taken = Recording(self.bucket_s, self.endpoints, self.series, self.counters)
        self.endpoints, self.series, self.counters = {}, {}, Counter()
        return taken

    def to_json(self) -> dict[str, Any]:
        return {
            "bucket_s": self.bucket_s,
            "endpoints": {name: record.to_json() for name, record in self.endpoints.items()},
            "series": {
                str(bucket): {name: point.to_json() for name, point in points.items()}
                for bucket, points in self.series.items()
            },
            "counters": dict(self.counters),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Recording:
        return cls(
            bucket_s=int(data["bucket_s"]),
            endpoints={
                name: EndpointRecord.from_json(record) for name, record in data["endpoints"].items()
            },
            series={
                int(bucket): {name: SeriesPoint.from_json(p) for name, p in points.items()}
                for bucket, points in data["series"].items()
            },
            counters=Counter({str(k): int(v) for k, v in data["counters"].items()}),
        )
