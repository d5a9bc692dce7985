"""`dmcert load --compare A B`: two builds' runs side by side, B judged against A (the
baseline), each side a summary.json or a folder of `--repeat` runs.

Like with like first: runs whose workload set (workload, model, users or rate, duration,
batch size, records per list, pages per walk, dmcert version) differs are refused, exit 2
naming what differs, unless `--force`.

Then every endpoint and figure (figures.FIGURES) is judged, as benchstat judges benchmarks,
in one of two ways:
- builds run at the same time (their runs share at least MIN_PAIRS full intervals of the
  wall clock): each shared interval is a pair, both sides under the same machine load at
  that moment, and a Wilcoxon signed-rank test asks whether the paired change is zero;
- otherwise each run is one sample (its figure for the whole run), and a Mann-Whitney U
  test asks whether the runs differ. Intervals of separate runs are never pooled as
  independent samples: they share their run's conditions (see load/README.md).
Holm's correction runs over the whole comparison; "~" marks a change that is not
significant, "?" too few samples to judge (one run per side, or too few pairs). A
regression is a change that is significant, in the worse direction, and beyond the
threshold t (percent: its whole confidence interval; for the error ratio also at least 0.1
percentage point). Exit 1 when any is flagged, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from dmcert.errors import EXIT_FAILED, EXIT_OK, UsageError
from dmcert.load.figures import FIGURES, Figure
from dmcert.load.significance import ALPHA, Change, judge, judge_paired, significant
from dmcert.load.summary import READABLE_SCHEMAS
from dmcert.options import create_reports_dir, reports_dir

MIN_PAIRS = 6  # intervals both runs share before they are compared pair by pair
ERROR_RATIO_FLOOR_PP = 0.1  # an error ratio must rise by at least this many percentage points
COMPARE_PLOT = "compare.png"


@dataclass(frozen=True)
class Side:
    """One side of a comparison: where it was read from and its runs' summaries."""

    path: str
    runs: list[dict[str, Any]]

    @property
    def workload(self) -> str:
        return self.runs[0]["workload"]

    def _stats(self, run: dict[str, Any], endpoint: str) -> dict[str, Any] | None:
        return run["total"] if endpoint == "total" else run["endpoints"].get(endpoint)

    def intervals(self, endpoint: str, figure: Figure) -> dict[str, float]:
        """The figure in each full interval of every run, by the interval's start."""
        merged: dict[str, float] = {}
        for run in self:
            values = run.get("intervals", {}).get("samples", {}).get(endpoint, {})
            found = values.get(figure.label, {})
            if isinstance(found, dict):  # schema /2 kept no interval times
                merged.update(found)
        return merged

    def run_values(self, endpoint: str, figure: Figure) -> list[float]:
        """The figure for each whole run: one sample per run."""
        values = [figure.of_stats(self._stats(run, endpoint)) for run in self]
        return [value for value in values if value is not None]

    def __iter__(self):
        return iter(self.runs)


@dataclass(frozen=True)
class Row:
    endpoint: str
    figure: Figure
    change: Change
    significant: bool
    regression: bool
    judgeable: bool  # there were enough samples for the test to reach significance

    @property
    def worse(self) -> bool:
        delta = self.change.change
        if delta is None or delta == 0:
            return False
        return (delta > 0) == self.figure.higher_is_worse

    @property
    def mark(self) -> str:
        """benchstat's notation: "~" no significant change, "?" cannot judge."""
        if self.change.p_value == 1.0 and self.change.min_p == 1.0:
            return "~"  # every sample equal on both sides
        if not self.judgeable:
            return "?"
        if not self.significant:
            return "~"
        if self.regression:
            return "REGRESSION"
        return "worse" if self.worse else "better"


def read_summary(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"summary not found: {path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"cannot read summary {path}: {exc.__class__.__name__}") from None
    if not isinstance(data, dict) or data.get("schema") not in READABLE_SCHEMAS:
        raise UsageError(f"{path} is not a dmcert load summary.json ({READABLE_SCHEMAS[-1]})")
    return data


def read_side(path: str) -> Side:
    """A summary.json, a report folder holding one, or a folder of run-N report folders."""
    where = Path(path)
    if where.is_dir():
        if (where / "summary.json").is_file():
            return Side(path, [read_summary(where / "summary.json")])
        runs = sorted(
            where.glob("run-*/summary.json"), key=lambda p: int(p.parent.name.split("-")[1])
        )
        if not runs:
            raise UsageError(f"{where} holds no summary.json and no run-N/summary.json")
        return Side(path, [read_summary(run) for run in runs])
    return Side(path, [read_summary(where)])


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value}


def _workload_sets(side: Side) -> dict[str, list[Any]]:
    """Each workload-set field and its value in each run of the side."""
    flats = [_flatten(run["environment"].get("workload_set") or {}) for run in side.runs]
    keys = sorted({key for flat in flats for key in flat})
    return {key: [flat.get(key) for flat in flats] for key in keys}


def workload_differences(a: Side, b: Side) -> list[str]:
    """What makes the two sides' runs unlike: empty when they worked on the same thing."""
    if a.workload != b.workload:
        return [f"workload A {a.workload}, B {b.workload}"]
    missing = [
        side.path
        for side in (a, b)
        if any("workload_set" not in run["environment"] for run in side.runs)
    ]
    if missing:
        return [f"{', '.join(missing)} does not record its data set (an older dmcert)"]
    sets_a, sets_b = _workload_sets(a), _workload_sets(b)
    differences = []
    for key in sorted(set(sets_a) | set(sets_b)):
        values_a, values_b = sets_a.get(key), sets_b.get(key)
        if values_a != values_b:
            differences.append(f"{key} A {_values(values_a)}, B {_values(values_b)}")
    return differences


def _values(values: list[Any] | None) -> str:
    if not values:
        return "-"
    distinct = list(dict.fromkeys(json.dumps(value) for value in values))
    return distinct[0] if len(distinct) == 1 else "/".join(json.dumps(v) for v in values)


def compare(a: Side, b: Side, threshold: float) -> list[Row]:
    """One row per endpoint and figure present in either side ("total" last)."""
    names = sorted({name for side in (a, b) for run in side.runs for name in run["endpoints"]})
    judged: list[tuple[str, Figure, Change]] = []
    for name in [*names, "total"]:
        for figure in FIGURES:
            at_a, at_b = a.intervals(name, figure), b.intervals(name, figure)
            shared = sorted(set(at_a) & set(at_b), key=float)
            if len(shared) >= MIN_PAIRS:
                pairs = [(at_a[at], at_b[at]) for at in shared]
                if figure.label == "rows/s" and not any(x or y for x, y in pairs):
                    continue
                change = judge_paired(pairs, ratio=figure.ratio)
            else:
                runs_a, runs_b = a.run_values(name, figure), b.run_values(name, figure)
                if figure.label == "rows/s" and not any(runs_a + runs_b):
                    continue
                change = judge(runs_a, runs_b, ratio=figure.ratio)
            judged.append((name, figure, change))
    flags, judgeable = significant([change for _, _, change in judged])
    rows = []
    for (name, figure, change), sig, ok in zip(judged, flags, judgeable, strict=True):
        row = Row(name, figure, change, sig, False, ok)
        regression = sig and row.worse and _beyond(row, threshold)
        rows.append(Row(name, figure, change, sig, regression, ok))
    return rows


def _beyond(row: Row, threshold: float) -> bool:
    """Whether the change is beyond the threshold. For latency and throughput the whole 95 %
    interval must be: a shift the samples cannot place beyond the threshold is "worse", not
    a regression (identical builds run together can differ by several percent when a third
    process loads one of them more; load/README.md)."""
    change = row.change
    if change.change is None:
        return False
    if row.figure.ratio:
        relative_ok = not change.a or abs(change.b - change.a) / change.a * 100 > threshold
        return abs(change.change) >= ERROR_RATIO_FLOOR_PP and relative_ok
    if change.low is None or change.high is None:
        return abs(change.change) > threshold
    nearest = change.low if change.change > 0 else -change.high
    return nearest > threshold


def compare_command(args: argparse.Namespace, console: Console) -> int:
    threshold = args.threshold
    if threshold < 0:
        raise UsageError("--threshold must be a non-negative percentage")
    a, b = read_side(args.compare[0]), read_side(args.compare[1])
    differences = workload_differences(a, b)
    if differences and not args.force:
        raise UsageError(
            "the runs did not do the same work: " + "; ".join(differences) + " (--force compares"
            " them anyway)"
        )
    rows = compare(a, b, threshold)
    _print_table(console, a, b, rows)
    for difference in differences:
        console.print(f"note (--force): {difference}")
    if any(row.mark == "?" for row in rows):
        console.print(
            "? = cannot judge significance: too few samples for the test to reach its share "
            "of alpha (one per side, or a few runs); repeat both with --repeat N, or run longer"
        )
    flagged = [row for row in rows if row.regression]
    for row in flagged:
        console.print(
            f"regression: {row.endpoint} {row.figure.label} {_fmt(row.change.a)} -> "
            f"{_fmt(row.change.b)} ({_change(row)}, p={row.change.p_value:.2g}; "
            f"threshold {threshold:g} %)"
        )
    if not flagged:
        console.print(f"no significant regression beyond {threshold:g} %")
    reports = reports_dir(args.reports)
    create_reports_dir(reports)
    from dmcert.load.plots import write_compare_plot

    write_compare_plot(a, b, rows, reports / COMPARE_PLOT)
    console.print(f"A/B overlay: {reports / COMPARE_PLOT}")
    return EXIT_FAILED if flagged else EXIT_OK


def _print_table(console: Console, a: Side, b: Side, rows: list[Row]) -> None:
    table = Table(
        title=f"A: {a.path} ({a.workload}, {len(a.runs)} run(s))   "
        f"B: {b.path} ({b.workload}, {len(b.runs)} run(s))   "
        f"alpha {ALPHA:g}, Holm-corrected over the {sum(r.judgeable for r in rows)} tests "
        "that could reach it"
    )
    for column in ("endpoint", "figure", "A", "B", "change", "95 % CI", "p", "n", ""):
        table.add_column(column, justify="left" if column in ("endpoint", "figure") else "right")
    for row in rows:
        change = row.change
        table.add_row(
            row.endpoint,
            row.figure.label,
            _fmt(change.a),
            _fmt(change.b),
            _change(row),
            _interval(row),
            "-" if change.p_value is None else f"{change.p_value:.2g}",
            f"{change.n_a}+{change.n_b}",
            row.mark,
        )
    console.print(table)


def _change(row: Row) -> str:
    value = row.change.change
    if value is None:
        return "-"
    return f"{value:+.2f} pp" if row.figure.ratio else f"{value:+.1f} %"


def _interval(row: Row) -> str:
    low, high = row.change.low, row.change.high
    if low is None or high is None:
        return "-"
    unit = " pp" if row.figure.ratio else " %"
    return f"[{low:+.1f}, {high:+.1f}]{unit}"


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if abs(value) < 1 else f"{value:,.3f}".rstrip("0").rstrip(".")
