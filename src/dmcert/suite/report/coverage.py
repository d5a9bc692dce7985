"""Which documented statuses (and error codes) the run actually provoked, per operation."""

from __future__ import annotations

from collections import Counter

from dmcert.contract.spec import operations

# (method, path template, status, error code or "") -> times seen
Coverage = Counter[tuple[str, str, int, str]]


def coverage_table(coverage: Coverage) -> list[dict]:
    rows = []
    for op in operations():
        seen: dict[str, set[str]] = {}
        for (method, path, status, code), _count in coverage.items():
            if method == op.method and path == op.path:
                seen.setdefault(str(status), set()).add(code)
        rows.append(
            {
                "operation": op.key,
                "documented": [
                    {
                        "status": status,
                        "provoked": status in seen,
                        "codes": sorted(c for c in seen.get(status, ()) if c),
                    }
                    for status in op.statuses
                ],
                "undocumented_seen": sorted(s for s in seen if s not in op.statuses),
            }
        )
    return rows
