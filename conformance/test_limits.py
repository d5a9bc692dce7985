"""Area LIM (and VER): the 10 MB body cap, no throttling of bursts or of concurrent requests
today, the throttling and deprecation headers, which must be well-formed wherever a target
sends them, and the versioned base path the API is served under."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from functools import cache

import pytest

from dmcert.testkit import (
    BASE_PATH,
    ClosedWhileSending,
    Exchange,
    PreconditionFailed,
    Reply,
    TargetNotAnswering,
    is_single,
    listed_identifier,
    operations,
    path_of,
)

MAX_BODY = 10_485_760
JSON = {"Content-Type": "application/json"}
NON_NEGATIVE_INTEGER = re.compile(r"^\d+$")
LINK_ENTRY = re.compile(r"\s*<[^<>]*>\s*(;[^,]*)?")
BURST = 100
BURST_SECONDS = 20.0
IN_FLIGHT = 60
LIST_ONE = {"limit": "1"}


@cache
def padded_body(prefix: bytes, size: int, suffix: bytes = b'"}') -> bytes:
    """A JSON object of exactly `size` bytes: `prefix`, padding characters, `suffix`."""
    return prefix + b"x" * (size - len(prefix) - len(suffix)) + suffix


BODIED_WRITES = [op for op in operations() if op.method in ("POST", "PUT")]


@pytest.mark.requirement("LIM-001", "ERR-017")
@pytest.mark.writes
@pytest.mark.parametrize("op", BODIED_WRITES, ids=lambda op: op.key)
def test_body_over_10_mb_is_413_payload_too_large(op, run, api, expect):
    """LIM-001, ERR-017: a 10.5 MB body to any create or update is 413, in the error
    envelope with code PAYLOAD_TOO_LARGE (a body without any documented field, to an unknown
    record for updates: refused whatever happens). --quick sends it to one operation.
    A target may answer 413 and close the connection while the body is still being sent (RFC
    9110 §15.5.14): the 413 is judged when it arrived; a connection closed with no answer
    read leaves no status to judge (not exercised), and is no outage (ERR-004)."""
    if run.quick and op != BODIED_WRITES[0]:
        pytest.skip("--quick: one oversized body is enough")
    path = op.path if "{" not in op.path else path_of(op.collection, f"{run.prefix}unknown")
    body = padded_body(b'{"padding": "', MAX_BODY + MAX_BODY // 20)
    try:
        reply = api.request(op.method, path, content=body, headers=JSON, may_close=True)
    except ClosedWhileSending as closed:
        pytest.skip(
            f"{op.key} with a {len(body):,}-byte body: the target {closed.exchange.no_answer} "
            "before an answer could be read (refused at ingress; no status to judge)"
        )
    said = (
        f"{op.key} with a {len(body):,}-byte body answered {reply.status} {reply.error_code or ''}"
    )
    expect("LIM-001", reply.status == 413, said, reply)
    enveloped = isinstance(reply.body, dict) and reply.body.get("success") is False
    expect(
        "ERR-017",
        reply.status == 413 and enveloped and reply.error_code == "PAYLOAD_TOO_LARGE",
        said,
        reply,
    )


BELOW_CAP = [
    pytest.param(10_000_000, "LIM-002", id="10-MB", marks=pytest.mark.requirement("LIM-002")),
    pytest.param(MAX_BODY, "LIM-007", id="10-MiB", marks=pytest.mark.requirement("LIM-007")),
]
"""Bodies of at most 10 MB: 10,000,000 bytes in either reading of MB (LIM-002), 10,485,760
bytes only if MB means MiB (LIM-007, our reading)."""


@pytest.mark.writes
@pytest.mark.parametrize(("size", "rule"), BELOW_CAP)
def test_body_of_at_most_10_mb_is_not_rejected_for_its_size(size, rule, api, expect):
    """LIM-002: a body of 10,000,000 bytes is not 413; LIM-007: nor is one of exactly
    10,485,760 bytes (an inventory upsert with an empty row list and long notes: refused as
    400 for its content, not for its size)."""
    body = padded_body(b'{"inventory": [], "notes": "', size)
    reply = api.post(path_of("inventory"), content=body, headers=JSON)
    expect(
        rule,
        reply.status != 413,
        f"a {len(body):,}-byte body answered {reply.status} {reply.error_code or ''}",
        reply,
    )


@pytest.mark.requirement("LIM-003")
def test_a_burst_of_requests_is_not_throttled(api, expect):
    """LIM-003: 100 back-to-back requests with one key (at most 20 s) get no 429."""
    replies: list[Reply] = []
    deadline = time.monotonic() + BURST_SECONDS
    while len(replies) < BURST and time.monotonic() < deadline:
        replies.append(api.get(path_of("products"), params=LIST_ONE))
    throttled = [reply for reply in replies if reply.status == 429]
    expect(
        "LIM-003",
        not throttled,
        f"{len(throttled)} of {len(replies)} back-to-back requests answered 429",
        *(throttled or replies[:1]),
    )


@pytest.mark.requirement("LIM-004")
def test_more_than_50_requests_in_flight_are_queued_not_rejected(api, expect):
    """LIM-004: 60 requests with one key released at once all complete, none 429 or 503 and
    none without an answer (a closed or reset connection is also an ERR-004 finding)."""
    start = threading.Barrier(IN_FLIGHT, timeout=10)

    def one(_: int) -> Reply | Exchange:
        start.wait()
        try:
            return api.get(path_of("products"), params=LIST_ONE)
        except TargetNotAnswering as unanswered:
            return unanswered.exchange

    try:
        with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
            outcomes = list(pool.map(one, range(IN_FLIGHT)))
    except threading.BrokenBarrierError:
        raise PreconditionFailed(f"the {IN_FLIGHT} requests were not released together") from None
    replies = [outcome for outcome in outcomes if isinstance(outcome, Reply)]
    lost = [outcome for outcome in outcomes if isinstance(outcome, Exchange)]
    refused = [reply for reply in replies if reply.status in (429, 503)]
    why = sorted({exchange.no_answer or "no answer" for exchange in lost})
    expect(
        "LIM-004",
        not lost and not refused,
        f"of {IN_FLIGHT} concurrent requests {len(refused)} answered 429/503 and "
        f"{len(lost)} got no answer ({'; '.join(why) or 'none lost'})",
        *(refused or lost or replies[:1]),
    )


def sunset_ok(value: str) -> bool:
    try:
        return value.strip().endswith("GMT") and parsedate_to_datetime(value) is not None
    except (TypeError, ValueError):
        return False


def deprecation_links(value: str) -> list[str]:
    """The entries of a Link header whose rel is deprecation."""
    entries = re.split(r",(?=\s*<)", value)
    return [entry for entry in entries if re.search(r'rel="?deprecation"?', entry, re.I)]


def link_ok(value: str) -> bool:
    return all(LINK_ENTRY.fullmatch(entry) for entry in deprecation_links(value))


def deprecation_complete(reply: Reply) -> bool:
    headers = reply.headers
    if "deprecation" not in headers:
        return True
    return "sunset" in headers and bool(deprecation_links(headers.get("link", "")))


HEADER_RULES: list[tuple[str, str, Callable[[str], bool]]] = [
    ("LIM-005", "retry-after", lambda value: bool(NON_NEGATIVE_INTEGER.match(value.strip()))),
    (
        "LIM-006",
        "x-ratelimit-remaining",
        lambda value: bool(NON_NEGATIVE_INTEGER.match(value.strip())),
    ),
    ("VER-003", "sunset", sunset_ok),
    ("VER-004", "deprecation", lambda value: value.strip().lower() == "true"),
    ("VER-005", "link", link_ok),
]


@pytest.mark.requirement("LIM-005", "LIM-006", "VER-003", "VER-004", "VER-005", "VER-006")
def test_throttling_and_deprecation_headers_are_well_formed_when_present(run, api, expect):
    """LIM-005, LIM-006, VER-003..006: on the replies of every list, an unknown record and a
    refused create, Retry-After and X-RateLimit-Remaining (if sent) are non-negative
    integers; Sunset is an HTTP-date, Deprecation reads true, a rel="deprecation" Link holds
    a <URI>, and Deprecation comes with Sunset and that Link (read-only runs: no create)."""
    replies = [api.get(op.path) for op in operations() if op.method == "GET" and "{" not in op.path]
    replies.append(api.get(path_of("products", f"{run.prefix}unknown")))
    if not run.read_only:
        replies.append(api.post(path_of("products"), json={}))
    for rule, header, well_formed in HEADER_RULES:
        carrying = [reply for reply in replies if header in reply.headers]
        bad = [reply for reply in carrying if not well_formed(reply.headers[header])]
        values = sorted({reply.headers[header] for reply in bad})
        expect(
            rule,
            not bad,
            f"{header}: sent on {len(carrying)} of {len(replies)} replies, malformed: {values}",
            *(bad or replies[:1]),
        )
    incomplete = [reply for reply in replies if not deprecation_complete(reply)]
    expect(
        "VER-006",
        not incomplete,
        f"Deprecation without Sunset and a rel=deprecation Link on {len(incomplete)} replies",
        *(incomplete or replies[:1]),
    )


@pytest.mark.requirement("VER-001")
@pytest.mark.parametrize(
    "op", [op for op in operations() if op.method == "GET"], ids=lambda op: op.path
)
def test_api_is_served_under_the_versioned_base_path_with_trailing_slashes(
    op, run, api, records, expect
):
    """VER-001: each documented read, at <root>/api/integrations/v1 plus its documented path
    ending in /, is served (200 {"success": true}); record paths address a listed record."""
    identifier = None
    if is_single(op):
        identifier = listed_identifier(api, op.collection, records.order_identifier)
        if identifier is None:
            pytest.skip(f"the target lists no {op.collection} record to read")
    path = path_of(op.collection, identifier)
    reply = api.get(path)
    served = reply.status == 200 and isinstance(reply.body, dict) and reply.body.get("success")
    expect(
        "VER-001",
        served is True,
        f"GET {run.target}{BASE_PATH}{path} answered {reply.status} {reply.error_code or ''}",
        reply,
    )
