"""Area AUTH: the X-API-Key header; missing, unknown, expired and revoked keys; the auth
error bodies; and that the auth layer answers before routing and validation."""

from __future__ import annotations

import secrets

import pytest

from dmcert.testkit import Reply, method_marks, operation_params, operations, path_of, rejected_call

NO_CREDENTIALS = "Authentication credentials were not provided."
INVALID_KEY = "Invalid API key"
EXPIRED_KEY = "API key has expired"
OPS = operation_params(operations())


def is_detail_body(reply: Reply) -> bool:
    """{"detail": <string>} and nothing of the application envelope."""
    body = reply.body
    return (
        isinstance(body, dict)
        and isinstance(body.get("detail"), str)
        and "success" not in body
        and "error" not in body
    )


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


@pytest.mark.requirement("AUTH-002", "AUTH-003", "AUTH-007")
@pytest.mark.parametrize("op", OPS)
def test_missing_key_is_403_on_every_operation(op, run, api, expect):
    """AUTH-002, AUTH-003, AUTH-007: without X-API-Key every operation answers 403 with
    {"detail": "Authentication credentials were not provided."}."""
    reply = rejected_call(op, run.prefix).send(api, key=None)
    where = f"{op.key} without X-API-Key {said(reply)}"
    expect("AUTH-002", reply.status == 403, where, reply)
    expect("AUTH-007", is_detail_body(reply), where, reply)
    expect("AUTH-003", reply.body == {"detail": NO_CREDENTIALS}, where, reply)


@pytest.mark.requirement("AUTH-004", "AUTH-007")
@pytest.mark.parametrize("op", OPS)
def test_unknown_key_is_401_invalid_api_key(op, run, api, expect):
    """AUTH-004, AUTH-007: an unknown key is 401 {"detail": "Invalid API key"} on every
    operation, and the key is not echoed back."""
    key = unknown_key()
    reply = rejected_call(op, run.prefix).send(api, key=key)
    where = f"{op.key} with an unknown key {said(reply)}"
    expect("AUTH-007", is_detail_body(reply), where, reply)
    expect(
        "AUTH-004",
        reply.status == 401 and reply.body == {"detail": INVALID_KEY} and not echoes(reply, key),
        where,
        reply,
    )


def expect_unusable_key_refused(
    op, run, api, expect, key, requirement: str, detail: str, what: str
) -> None:
    """`key` (expired or revoked) gets 401 {"detail": detail} on `op`, a {"detail"} body
    (AUTH-007), and never sees its own value echoed back."""
    reply = rejected_call(op, run.prefix).send(api, key=key)
    where = f"{op.key} with {what} key {key.name} {said(reply)}"
    expect("AUTH-007", is_detail_body(reply), where, reply)
    expect(
        requirement,
        reply.status == 401 and reply.body == {"detail": detail} and not echoes(reply, key.value),
        where,
        reply,
    )


@pytest.mark.requirement("AUTH-005", "AUTH-007")
@pytest.mark.parametrize("op", OPS)
def test_expired_key_is_401_api_key_has_expired(op, run, api, profile, expect):
    """AUTH-005, AUTH-007: a key past its expiry is 401 {"detail": "API key has expired"} on
    every operation, and the key is not echoed back."""
    key = profile.key_where(expired=True)
    if key is None:
        pytest.skip("the target profile declares no expired key")
    expect_unusable_key_refused(op, run, api, expect, key, "AUTH-005", EXPIRED_KEY, "expired")


@pytest.mark.requirement("AUTH-006", "AUTH-007")
@pytest.mark.parametrize("op", OPS)
def test_revoked_key_is_401_invalid_api_key(op, run, api, profile, expect):
    """AUTH-006, AUTH-007: a revoked key is 401 {"detail": "Invalid API key"} on every
    operation, and the key is not echoed back."""
    key = profile.key_where(revoked=True)
    if key is None:
        pytest.skip("the target profile declares no revoked key")
    expect_unusable_key_refused(op, run, api, expect, key, "AUTH-006", INVALID_KEY, "revoked")


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
    """AUTH-010: without a key, or with an unknown one, an unknown path or an invalid body
    is still answered 403 / 401 by the auth layer."""
    reply = api.request(method, path, key=key, json=body)
    expect("AUTH-010", reply.status == status, f"{what} {said(reply)}", reply)
