"""The reference target's admin routes (`/_reference/`, behind `[reference] admin_token`), for
rules the API alone cannot reach: shipping an order, minting and revoking a key, reading the
integration log. Other targets have no such routes, so the rules that need them are not
exercised there, never passed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from dmcert.contract.redaction import Redactor
from dmcert.contract.target_profile import ApiKey, TargetProfile
from dmcert.contract.tls import client_context
from dmcert.testkit._expect import PreconditionFailed

ADMIN_TIMEOUT = 10.0
NO_ADMIN = "needs the reference target's admin routes (the target profile has no admin token)"


class AdminRefused(PreconditionFailed):
    """An admin route did not answer 200: the rule that needed it could not be verified."""


@dataclass
class ReferenceAdmin:
    root: str
    token: str
    profile: TargetProfile
    redactor: Redactor

    @classmethod
    def of(cls, root: str, profile: TargetProfile, redactor: Redactor) -> ReferenceAdmin | None:
        """The admin client of a reference target, or None for any other target."""
        if not profile.admin_token:
            return None
        return cls(root, profile.admin_token, profile, redactor)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = httpx.request(
                method,
                f"{self.root}/_reference/{path}",
                headers={"X-Admin-Token": self.token},
                timeout=ADMIN_TIMEOUT,
                verify=client_context(self.profile.ca_file),
                **kwargs,
            )
        except httpx.HTTPError as exc:
            raise AdminRefused(f"{method} /_reference/{path}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise AdminRefused(f"{method} /_reference/{path} answered {response.status_code}")
        return response.json()

    def ship(self, identifier: str) -> bool:
        """Mark an order shipped (the API cannot); False when the route refuses."""
        try:
            self._call("POST", f"orders/{quote(identifier, safe='')}/ship")
        except AdminRefused:
            return False
        return True

    def mint_key(self, name: str, scopes: list[str]) -> ApiKey:
        """A new key on the target; its value joins the run's secrets before any use."""
        body = self._call("POST", "keys", json={"name": name, "scopes": scopes})
        self.redactor.add(body["key"])
        return ApiKey(name=name, value=body["key"], scopes=tuple(scopes))

    def revoke(self, name: str) -> None:
        self._call("POST", f"keys/{quote(name, safe='')}/revoke")

    def log_position(self) -> int:
        """The sequence number of the newest integration-log entry (0 when empty)."""
        return int(self._call("GET", "audit/position")["position"])

    def log_after(self, position: int) -> list[dict[str, Any]]:
        """Integration-log entries newer than `position`, oldest first."""
        return self._call("GET", "audit", params={"after": str(position)})
