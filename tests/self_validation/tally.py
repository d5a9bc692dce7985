"""The self-validation tallies: each run's outcome travels as a user property of its test
report, so the lines at the end count every run, also when the tests ran in pytest-xdist
workers (the root conftest prints them: under xdist only it is loaded by the controller)."""

from __future__ import annotations

FAULT_TALLY = "self_validation_fault"  # user property: [fault, which tests, caught]
VARIANT_TALLY = "self_validation_variant"  # user property: [variant, passed, warnings]


def _tallied(terminalreporter, name: str) -> list[list]:
    return [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for key, value in getattr(report, "user_properties", ())
        if key == name
    ]


def write_tallies(terminalreporter) -> None:
    """The faults-caught and variants-passed lines, from every report of the session."""
    variants = _tallied(terminalreporter, VARIANT_TALLY)
    if variants:
        for variant, _passed, warned in sorted(variants):
            shown = ", ".join(warned) or "none"
            terminalreporter.write_line(f"variant {variant}: SHOULD warnings {shown}")
        passed = sum(passed for _, passed, _ in variants)
        terminalreporter.write_line(
            f"self-validation: {passed}/{len(variants)} conformant variants passed"
        )
    injections = _tallied(terminalreporter, FAULT_TALLY)
    if injections:
        faults = {fault for fault, _, _ in injections}
        missed = {fault for fault, _, caught in injections if not caught}
        terminalreporter.write_line(
            f"self-validation: {len(faults - missed)}/{len(faults)} injected faults caught by "
            f"the suite ({sum(caught for *_, caught in injections)}/{len(injections)} "
            "injections blamed on the right requirements)"
        )
