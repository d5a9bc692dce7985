"""`dmcert load WORKLOAD --repeat N`: N runs of one workload on one prepared data set, each in
a folder of its own (run-1 ... run-N, each a complete report), and repeats.json, the
aggregate: per endpoint and figure the median over the runs and each run's value.
`dmcert load --compare` reads such a folder as one side of a comparison.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dmcert.load.figures import FIGURES

AGGREGATE_FILE = "repeats.json"
AGGREGATE_SCHEMA = "dmcert-load-repeats/1"


@dataclass(frozen=True)
class Leg:
    """One Locust run of `dmcert load`: the folder holding its report, and its summary."""

    folder: Path
    summary: dict[str, Any]


def aggregate(summaries: list[dict[str, Any]], folders: list[str]) -> dict[str, Any]:
    names = sorted({name for summary in summaries for name in summary["endpoints"]})
    endpoints: dict[str, Any] = {}
    for name in [*names, "total"]:
        figures: dict[str, Any] = {}
        for figure in FIGURES:
            values = [
                figure.of_stats(s["total"] if name == "total" else s["endpoints"].get(name))
                for s in summaries
            ]
            known = [value for value in values if value is not None]
            figures[figure.label] = {
                "median": statistics.median(known) if known else None,
                "runs": values,
            }
        endpoints[name] = figures
    return {
        "schema": AGGREGATE_SCHEMA,
        "workload": summaries[0]["workload"],
        "runs": folders,
        "verdict": "pass" if all(s["verdict"] == "pass" for s in summaries) else "fail",
        "breaches": [
            f"{folder}: {breach}"
            for folder, summary in zip(folders, summaries, strict=True)
            for breach in summary["breaches"]
        ],
        "endpoints": endpoints,
    }


def write_aggregate(legs: list[Leg], reports: Path) -> dict[str, Any]:
    # read back: each summary now names the clean-up's residue
    summaries = [json.loads((leg.folder / "summary.json").read_text()) for leg in legs]
    document = aggregate(summaries, [leg.folder.name for leg in legs])
    (reports / AGGREGATE_FILE).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document
