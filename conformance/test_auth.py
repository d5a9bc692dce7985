"""Area AUTH: the X-API-Key header; missing, unknown, expired and revoked keys; the auth
error bodies; and that the auth layer answers before routing and validation.

The per-operation checks of a key send valid calls (served_call): which check answers an
invalid call first is unspecified (gap 27), and AUTH-010 alone judges that order."""

from __future__ import annotations

import secrets

import pytest

from dmcert.testkit import (
    Reply,
    method_marks,
    must,
    operation_params,
    operations,
    path_of,
    served_call,
    track_created,
)

NO_CREDENTIALS = "Authentication credentials were not provided."
INVALID_KEY = "Invalid API key"
EXPIRED_KEY = "API key has expired"
OPS = operation_params(operations())


def send_valid_call(op, api, records, subjects, key) -> Reply:
    """A call of `op` that is valid but for its key, sent with `key` (a create a broken
    target serves anyway is cleaned up)."""
    call = served_call(op, api, records, subjects)
    reply = call.send(api, key=key)
    track_created(records, call, reply)
    return reply


def echoes(reply: Reply, key: str) -> bool:
    """Whether the reply repeats the key it was sent, in its body or any header."""
    return key in reply.text or any(key in value for value in reply.headers.values())


def unknown_key() -> str:
    return f"sk_test_dmcert{secrets.token_hex(16)}"


def said(reply: Reply) -> str:
    """Status and detail for the message; another body is only shown (redacted) as evidence,
    since it may echo a key."""
    known = reply.detail in (NO_CREDENTIALS, INVALID_KEY, EXPIRED_KEY)
    return f"answered {reply.status} with " + (
        f"detail {reply.detail!r}" if known else "another body"
    )


@pytest.mark.requirement("AUTH-001")
def test_valid_key_in_x_api_key_is_accepted(api, expect):
    """AUTH-001: the full-access key sent as X-API-Key lists orders (200)."""
    reply = api.get(path_of("orders"))
    expect("AUTH-001", reply.status == 200, f"GET /orders/ with a valid key {said(reply)}", reply)


@pytest.mark.requirement("AUTH-002", "AUTH-003")
@pytest.mark.parametrize("op", OPS)
def test_missing_key_is_403_on_every_operation(op, api, records, subjects, expect):
    """AUTH-002: without X-API-Key every operation answers 403; AUTH-003: with {"detail":
    "Authentication credentials were not provided."} (the docs give no body, gap 1)."""
    reply = send_valid_call(op, api, records, subjects, None)
    where = f"{op.key} without X-API-Key {said(reply)}"
    expect("AUTH-002", reply.status == 403, where, reply)
    expect("AUTH-003", reply.is_detail_body(NO_CREDENTIALS), where, reply)


def is_refusal(reply: Reply, key: str, detail: str) -> bool:
    """401 {"detail": detail} (other members allowed but success and error), and the key not
    echoed back."""
    return reply.status == 401 and reply.is_detail_body(detail) and not echoes(reply, key)


def expect_documented_refusal(
    op, api, records, subjects, expect, key: str, requirement: str, detail: str, what: str
) -> None:
    """The refusal the docs give for an unknown or expired `key` on `op`: 401 {"detail":
    detail} without the key echoed back (`requirement`), a {"detail"} body (AUTH-007)."""
    reply = send_valid_call(op, api, records, subjects, key)
    where = f"{op.key} with {what} {said(reply)}"
    expect("AUTH-007", reply.is_detail_body(), where, reply)
    expect(requirement, is_refusal(reply, key, detail), where, reply)


@pytest.mark.requirement("AUTH-004", "AUTH-007")
@pytest.mark.parametrize("op", OPS)
def test_unknown_key_is_401_invalid_api_key(op, api, records, subjects, expect):
    """AUTH-004, AUTH-007: an unknown key is 401 {"detail": "Invalid API key"} on every
    operation, and the key is not echoed back."""
    expect_documented_refusal(
        op, api, records, subjects, expect, unknown_key(), "AUTH-004", INVALID_KEY, "an unknown key"
    )


@pytest.mark.requirement("AUTH-005", "AUTH-007")
@pytest.mark.parametrize("op", OPS)
def test_expired_key_is_401_api_key_has_expired(op, api, records, subjects, profile, expect):
    """AUTH-005, AUTH-007: a key past its expiry is 401 {"detail": "API key has expired"} on
    every operation, and the key is not echoed back."""
    key = profile.key_where(expired=True)
    if key is None:
        pytest.skip("the target profile declares no expired key")
    what = f"expired key {key.name}"
    expect_documented_refusal(
        op, api, records, subjects, expect, key.value, "AUTH-005", EXPIRED_KEY, what
    )


@pytest.mark.requirement("AUTH-006", "AUTH-011")
@pytest.mark.parametrize("op", OPS)
def test_revoked_key_is_refused_on_every_operation(op, api, records, subjects, profile, expect):
    """AUTH-011: a revoked key is refused (401 or 403) on every operation; AUTH-006: with 401
    {"detail": "Invalid API key"} and the key not echoed back (the docs give neither status
    nor body, gap 3)."""
    key = profile.key_where(revoked=True)
    if key is None:
        pytest.skip("the target profile declares no revoked key")
    reply = send_valid_call(op, api, records, subjects, key)
    where = f"{op.key} with revoked key {key.name} {said(reply)}"
    expect("AUTH-011", reply.status in (401, 403), where, reply)
    expect("AUTH-006", is_refusal(reply, key.value, INVALID_KEY), where, reply)


@pytest.mark.requirement("AUTH-011")
@pytest.mark.writes
def test_a_revoked_key_is_refused_on_the_next_request(run, api, admin, expect):
    """AUTH-011: revoking a key takes effect on the next request: a key that was just served
    is refused (401 or 403; the docs give no status, gap 3) once revoked (revoked through
    the reference target's admin route)."""
    key = admin.mint_key(f"{run.prefix}revocable", ["integrations.orders.read"])
    before = api.get(path_of("orders"), key=key, params={"limit": "1"})
    must(before, 200, "a request with a freshly minted key")
    admin.revoke(key.name)
    after = api.get(path_of("orders"), key=key, params={"limit": "1"})
    expect(
        "AUTH-011",
        after.status in (401, 403),
        f"the next request with the revoked key {said(after)}",
        before,
        after,
    )


@pytest.mark.requirement("AUTH-013")
def test_auth_rejections_are_not_written_to_the_integration_log(run, api, admin, profile, expect):
    """AUTH-013: 401 and 403 rejections of the auth layer never reach the integration log
    (read through the reference target's admin route): an unknown key, no key, and a key
    without the scope, each on a path no other request uses."""
    start = admin.log_position()
    marker = f"{run.prefix}unlogged-{secrets.token_hex(4)}"
    path = path_of("products", marker)
    replies = [api.get(path, key=unknown_key()), api.get(path, key=None)]
    narrow = next(
        (k for k in profile.keys.values() if k.usable and not k.allows("GET", "products")), None
    )
    if narrow is not None:
        replies.append(api.get(path, key=narrow))
    refused = [reply for reply in replies if reply.status in (401, 403)]
    logged = [entry for entry in admin.log_after(start) if marker in str(entry.get("path"))]
    expect(
        "AUTH-013",
        refused and not logged,
        f"{len(logged)} integration-log entries for {len(refused)} refused requests "
        f"(statuses {[reply.status for reply in replies]})",
        *replies,
    )


@pytest.mark.requirement("AUTH-008")
def test_empty_key_value_is_rejected(api, expect):
    """AUTH-008: an X-API-Key header with an empty value is 401 or 403, never served."""
    reply = api.get(path_of("orders"), key="")
    expect("AUTH-008", reply.status in (401, 403), f"an empty X-API-Key {said(reply)}", reply)


@pytest.mark.requirement("AUTH-009")
@pytest.mark.parametrize(
    ("header", "scheme"),
    [("Authorization", "Bearer "), ("Authorization", ""), ("Api-Key", "")],
    ids=["authorization-bearer", "authorization-raw", "api-key-header"],
)
def test_key_sent_outside_x_api_key_is_not_accepted(header, scheme, api, full_key, expect):
    """AUTH-009: a valid key sent in another header than X-API-Key is 403 (no X-API-Key)."""
    reply = api.get(path_of("orders"), key=None, headers={header: scheme + full_key.value})
    expect(
        "AUTH-009",
        reply.status == 403,
        f"a valid key in {header} ({scheme.strip() or 'raw'}) {said(reply)}",
        reply,
    )


def _auth_first_cases():
    cases = [
        ("an unknown path without a key", "GET", "/widgets/", None, ..., 403),
        ("an invalid body without a key", "POST", path_of("products"), None, {"sku": 5}, 403),
        ("an unknown path with an unknown key", "GET", "/widgets/", unknown_key(), ..., 401),
        ("an invalid body with an unknown key", "POST", "/orders/", unknown_key(), [], 401),
        ("an invalid query without a key", "GET", "/orders/?cursor=not-a-cursor", None, ..., 403),
        (
            "an invalid query with an unknown key",
            "GET",
            "/inventory/?cursor=-",
            unknown_key(),
            ...,
            401,
        ),
    ]
    for case in cases:
        yield pytest.param(*case, id=case[0].replace(" ", "-"), marks=method_marks(case[1]))


@pytest.mark.requirement("AUTH-010")
@pytest.mark.parametrize(
    ("what", "method", "path", "key", "body", "status"), list(_auth_first_cases())
)
def test_authentication_precedes_routing_and_validation(
    what, method, path, key, body, status, api, expect
):
    """AUTH-010: without a key, or with an unknown one, an unknown path or an invalid body or
    query is still answered 403 / 401 by the auth layer."""
    reply = api.request(method, path, key=key, json=body)
    expect("AUTH-010", reply.status == status, f"{what} {said(reply)}", reply)
