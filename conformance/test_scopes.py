"""Area SCOPE: the scope x operation matrix derived from the keys the target profile
declares, wildcards, the denied-call body, that a denied call changes nothing, and the order
of the scope check against validation, record lookup and method routing.

The matrix sends valid calls (served_call): which check answers an invalid call first is
unspecified (gap 27), and SCOPE-009/SCOPE-010 alone judge that order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dmcert.testkit import (
    INVALID_UPDATE,
    ApiKey,
    Call,
    Operation,
    Reply,
    TargetProfile,
    action_for,
    is_single,
    missing_record_call,
    operation_params,
    operations,
    path_of,
    served_call,
    track_created,
    unknown_identifier,
)

DENIED = "You do not have permission to perform this action."
OPS = operations()
MATRIX_RULES = (
    "SCOPE-002",
    "SCOPE-003",
    "SCOPE-004",
    "SCOPE-005",
    "SCOPE-006",
    "SCOPE-007",
    "SCOPE-008",
    "SCOPE-011",
)


def usable_keys(profile: TargetProfile) -> list[ApiKey]:
    """The usable pass-through keys (a partner key's payloads are its partner's shapes)."""
    keys = [key for key in profile.keys.values() if key.usable and key.partner is None]
    if not keys:
        pytest.skip("the target profile declares no usable key")
    return sorted(keys, key=lambda key: key.name)


def denied_key(profile: TargetProfile, method: str, resource: str) -> ApiKey:
    """A usable key whose scopes do not allow `method` on `resource`, or skip."""
    for key in usable_keys(profile):
        if not key.allows(method, resource):
            return key
    pytest.skip(f"every key of the target profile may {method} {resource}")


def rules_for(key: ApiKey, op: Operation, allowed: bool) -> list[str]:
    """The requirements one matrix cell demonstrates, from how the key's scopes decide it."""
    resource, action = op.collection, action_for(op.method)
    if allowed:
        if "integrations.*" in key.scopes:
            return ["SCOPE-002"]
        if f"integrations.{resource}.*" in key.scopes:
            return ["SCOPE-003"]
        explicit = resource == "inventory" and f"integrations.inventory.{action}" in key.scopes
        return ["SCOPE-005", "SCOPE-008"] if explicit else ["SCOPE-005"]
    on_resource = any(scope.startswith(f"integrations.{resource}.") for scope in key.scopes)
    rules = ["SCOPE-005" if on_resource else "SCOPE-004"]
    if resource == "inventory" and "integrations.inventory.delete" in key.scopes:
        rules.append("SCOPE-011")
    return rules


def cell(key: ApiKey, op: Operation, reply: Reply) -> str:
    scopes = ", ".join(key.scopes) or "no scopes"
    return f"key {key.name} [{scopes}]: {op.key} answered {reply.status}"


def state_of(reply: Reply) -> tuple[int, Any]:
    """What a GET shows, with list order ignored (rows of one location have no fixed order)."""
    data = reply.data
    if isinstance(data, list):
        data = sorted(json.dumps(item, sort_keys=True) for item in data)
    return reply.status, data


@pytest.mark.requirement(*MATRIX_RULES)
@pytest.mark.parametrize("op", operation_params(OPS))
def test_each_key_may_call_exactly_what_its_scopes_grant(
    op, run, api, profile, records, subjects, expect
):
    """SCOPE-002..008, SCOPE-011: for every usable key of the profile, an operation its
    declared scopes allow is not refused (not 401/403), and one they do not allow is 403
    {"detail": "You do not have permission to perform this action."} and changes nothing
    (read back with the full key). Denied calls go first, so the state they must leave alone
    is read once before and once after them. --read-only runs check the reads only (of a
    listed record)."""
    keys = usable_keys(profile)
    denied = [key for key in keys if not key.allows(op.method, op.collection)]
    check_denied(op, denied, api, records, subjects, expect)
    for key in keys:
        if key.allows(op.method, op.collection):
            check_allowed(op, key, api, records, subjects, expect)


def check_allowed(op, key, api, records, subjects, expect) -> None:
    call = served_call(op, api, records, subjects)
    reply = call.send(api, key=key)
    track_created(records, call, reply)
    for rule in rules_for(key, op, allowed=True):
        expect(rule, reply.status not in (401, 403), f"{cell(key, op, reply)} (allowed)", reply)


def check_denied(op, denied, api, records, subjects, expect) -> None:
    """Each denied key once; a create must leave its fresh record absent, any other write
    must leave the shared record (or inventory row) as it was before all denied calls."""
    before: Reply | None = None
    shared_state = ""
    replies: list[Reply] = []
    for key in denied:
        call = served_call(op, api, records, subjects, victim=False)
        writes_shared = subjects is not None and call.state is not None and call.creates is None
        if writes_shared and before is None:
            shared_state = call.state
            before = api.get(shared_state)
        reply = call.send(api, key=key)
        replies.append(reply)
        for rule in rules_for(key, op, allowed=False):
            expect(rule, reply.status == 403, f"{cell(key, op, reply)} (denied)", reply)
        documented = reply.is_detail_body(DENIED)
        expect(
            "SCOPE-006",
            reply.status == 403 and documented,
            f"{cell(key, op, reply)} (denied) with "
            + ("the documented detail" if documented else "another body"),
            reply,
        )
        if subjects is not None and call.creates is not None:
            check_not_created(call, key, op, reply, api, records, expect)
    if before is not None and all(reply.status == 403 for reply in replies):
        after = api.get(shared_state)
        unchanged = state_of(before) == state_of(after)
        names = ", ".join(key.name for key in denied)
        expect(
            "SCOPE-007",
            unchanged,
            f"{op.key} denied to {names}: the record read back is "
            + ("unchanged" if unchanged else "changed"),
            before,
            after,
            *replies[-1:],
        )


def check_not_created(call: Call, key: ApiKey, op: Operation, reply: Reply, api, records, expect):
    after = api.get(call.state)
    if after.status == 200:
        records.track(*call.creates)
    if reply.status == 403:  # a create that was not even denied fails SCOPE-004/005 instead
        expect(
            "SCOPE-007",
            after.status == 404,
            f"{cell(key, op, reply)} (denied); GET {call.state} then answered {after.status}",
            reply,
            after,
        )


VALIDATED_OPS = [
    op for op in OPS if op.method in ("POST", "PUT") or (op.method == "GET" and not is_single(op))
]


@pytest.mark.requirement("SCOPE-009")
@pytest.mark.parametrize("op", operation_params(VALIDATED_OPS))
def test_scope_check_precedes_request_validation(op, api, profile, subjects, expect):
    """SCOPE-009: a key without the scope sending an invalid request gets 403, not 400 (a
    create with {}, an update of an existing record with a mistyped field, a list read with
    a garbage cursor)."""
    key = denied_key(profile, op.method, op.collection)
    if op.method == "GET":
        reply = api.get(op.path, key=key, params={"cursor": "not-a-cursor"})
    elif op.method == "POST":
        reply = api.post(op.path, key=key, json={})
    else:
        path = path_of(op.collection, subjects.main[op.collection])
        reply = api.put(path, key=key, json=INVALID_UPDATE[op.collection])
    expect(
        "SCOPE-009",
        reply.status == 403,
        f"key {key.name}: {op.key} with an invalid {'query' if op.method == 'GET' else 'body'} "
        f"answered {reply.status} {reply.error_code or ''}",
        reply,
    )


@pytest.mark.requirement("SCOPE-010")
@pytest.mark.parametrize("op", operation_params(op for op in OPS if is_single(op)))
def test_scope_check_precedes_record_lookup(op, api, records, profile, expect):
    """SCOPE-010: a key without the action gets 403 for an unknown identifier, not 404 (the
    call otherwise valid, so that only the lookup competes with the scope check)."""
    key = denied_key(profile, op.method, op.collection)
    reply = missing_record_call(op, records).send(api, key=key)
    expect(
        "SCOPE-010",
        reply.status == 403,
        f"key {key.name}: {op.key} of an unknown record answered {reply.status} "
        f"{reply.error_code or ''}",
        reply,
    )


@pytest.mark.requirement("SCOPE-012")
@pytest.mark.writes
@pytest.mark.parametrize("template", sorted({op.path for op in OPS}))
def test_undocumented_method_is_405_before_the_scope_check(template, run, api, profile, expect):
    """SCOPE-012: PATCH is 405 also for a key without write scope on the resource."""
    collection = template.strip("/").split("/")[0]
    key = denied_key(profile, "PATCH", collection)
    path = path_of(collection, unknown_identifier(run.prefix)) if "{" in template else template
    reply = api.request("PATCH", path, key=key, json={})
    expect(
        "SCOPE-012",
        reply.status == 405,
        f"key {key.name}: PATCH {template} answered {reply.status}",
        reply,
    )
