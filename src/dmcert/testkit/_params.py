"""Test parameters that send a given HTTP method, marked `writes` unless a --read-only run
may send that method, so the plugin skips exactly those cases in read-only runs instead of
the client refusing them mid-test."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from dmcert.contract.spec import Operation
from dmcert.testkit._client import READ_ONLY_METHODS


def method_marks(method: str) -> list[pytest.MarkDecorator]:
    """`[writes]` for a method a read-only run does not send, else no mark."""
    return [] if method.upper() in READ_ONLY_METHODS else [pytest.mark.writes]


def operation_params(ops: Iterable[Operation]) -> list[Any]:
    """One parameter per operation, with id `op.key` and its method's marks."""
    return [pytest.param(op, id=op.key, marks=method_marks(op.method)) for op in ops]
