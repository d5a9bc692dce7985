"""Checks made before the first test, so that a configuration mistake of the user ends in one
line and exit 2 instead of a run that blames the target for it: the keys file declares a
usable key, and the target accepts every key the file declares usable. (The reports
directory is proven writable where every command takes it: dmcert.options.create_reports_dir.)"""

from __future__ import annotations

import httpx

from dmcert.contract.spec import BASE_PATH
from dmcert.contract.target_profile import TargetProfile
from dmcert.contract.tls import client_context
from dmcert.errors import UnreachableError, UsageError

KEY_CHECK_TIMEOUT_S = 10.0


def check_usable_key(profile: TargetProfile) -> None:
    """A keys file whose every key is expired or revoked can verify nothing."""
    if not any(key.usable for key in profile.keys.values()):
        raise UsageError(
            "the keys file declares no usable key (every key is expired or revoked, or "
            "there is none): add at least one [keys.NAME] the target accepts"
        )


def check_keys_accepted(root: str, profile: TargetProfile) -> None:
    """Every key declared usable must be accepted: a 401 means the keys file is wrong (a
    typo, a rotated key, the key of another tenant), which is not a conformance failure.
    The call is a GET of one order list page; a 403 (a key without that scope) is fine."""
    url = f"{root}{BASE_PATH}/orders/"
    verify = client_context(profile.ca_file)
    with httpx.Client(timeout=KEY_CHECK_TIMEOUT_S, follow_redirects=False, verify=verify) as client:
        for key in profile.keys.values():
            if not key.usable:
                continue
            try:
                response = client.get(url, params={"limit": 1}, headers={"X-API-Key": key.value})
            except httpx.HTTPError as exc:
                raise UnreachableError(
                    f"target unreachable at {root} while checking key {key.name!r}: "
                    f"{type(exc).__name__}"
                ) from None
            if response.status_code == 401:
                raise UsageError(
                    f"the target rejects key {key.name!r} with 401, but the keys file declares "
                    "it usable: fix its value, or mark it expired = true / revoked = true"
                )
