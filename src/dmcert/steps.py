"""Building blocks conformance tests share: choosing a key, and preconditions."""

from __future__ import annotations

import pytest

from dmcert.client import Reply
from dmcert.profile import Key, TargetProfile
from dmcert.verdicts import PreconditionFailed


def need_key(profile: TargetProfile, resource: str, action: str) -> Key:
    """A usable key granting `action` on `resource`, or skip the test (not exercised)."""
    key = profile.usable_key_with(resource, action)
    if key is None:
        pytest.skip(f"no key in the target profile grants integrations.{resource}.{action}")
    return key


def must(reply: Reply, status: int, what: str) -> Reply:
    """A precondition: the step must answer `status`, else the check cannot be verified."""
    if reply.status != status:
        raise PreconditionFailed(f"{what}: {reply.exchange.summary()}")
    return reply
