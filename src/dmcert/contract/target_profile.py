"""The target profile (keys file): what the suite cannot discover about a deployment.

TOML, as design.md describes: `[target]` holds facts such as the order identifier field,
each `[keys.NAME]` one key with the scopes it was issued with. A key value may come from
the environment (`key_env`) so secrets stay out of files. Key values never appear in the
repr of these objects. A key linked to a partner names it (`partner = "acme"`); the partner
and its mappings sit in the profile's own `[partners.acme]` table or in a partners file
(`partner_file = "acme.toml"`, relative to the profile), in the format of
dmcert.contract.partners. A key without `partner` is a pass-through key.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from dmcert.contract import scopes as scope_grammar
from dmcert.contract.partners import (
    Partner,
    PartnerFileError,
    dump_partner,
    load_partners_file,
    parse_partners,
)
from dmcert.contract.tls import client_context
from dmcert.contract.toml_file import read_toml
from dmcert.errors import UsageError

ORDER_IDENTIFIERS = ("external_order_id", "order_number")

# Every field the keys file may hold, per table: anything else is most likely a typo (say
# `scope` for `scopes`), which would otherwise silently change what the run verifies.
_FIELDS = {
    "": ("target", "reference", "keys", "partners"),
    "[target]": ("order_identifier", "shipped_order", "ca_file"),
    "[reference]": ("admin_token",),
    "[keys.NAME]": ("key", "key_env", "scopes", "expired", "revoked", "partner", "partner_file"),
}


@dataclass(frozen=True)
class ApiKey:
    """One API key and what it was issued with."""

    name: str
    value: str = field(repr=False)
    scopes: tuple[str, ...] = ()
    expired: bool = False
    revoked: bool = False
    partner: Partner | None = None
    """The partner the key is linked to (its mappings apply); None: a pass-through key."""
    partner_file: str | None = None
    """Where the partner was read from, when not from the profile itself."""

    @property
    def usable(self) -> bool:
        """Whether the target should accept this key at all."""
        return not (self.expired or self.revoked)

    def allows(self, method: str, resource: str) -> bool:
        """Whether the declared scopes let this key send `method` to `resource`."""
        return self.usable and scope_grammar.allows(self.scopes, method, resource)


@dataclass(frozen=True)
class TargetProfile:
    """Everything the suite knows about a target beyond its URL."""

    order_identifier: str = "external_order_id"
    shipped_order: str | None = None
    ca_file: Path | None = None  # the CA that signed the target's certificate, if not public
    admin_token: str | None = field(default=None, repr=False)
    keys: dict[str, ApiKey] = field(default_factory=dict)

    def secrets(self) -> list[str]:
        """Every secret string of the profile, for redaction."""
        values = [key.value for key in self.keys.values()]
        if self.admin_token:
            values.append(self.admin_token)
        return [value for value in values if value]

    def mapped_keys(self) -> list[ApiKey]:
        """The usable keys linked to a partner, by name."""
        keys = [key for key in self.keys.values() if key.usable and key.partner is not None]
        return sorted(keys, key=lambda key: key.name)

    def usable_key_with(self, resource: str, action: str) -> ApiKey | None:
        """Some usable pass-through key granting `action` on `resource`, preferring the
        narrowest (a partner key answers in its partner's names)."""
        candidates = [
            key
            for key in self.keys.values()
            if key.usable
            and key.partner is None
            and scope_grammar.grants(key.scopes, resource, action)
        ]
        return min(candidates, key=lambda key: len(key.scopes), default=None)

    def full_key(self) -> ApiKey | None:
        """A usable pass-through key granting every action on every resource."""
        for key in self.keys.values():
            if (
                key.usable
                and key.partner is None
                and all(
                    scope_grammar.grants(key.scopes, resource, action)
                    for resource in scope_grammar.RESOURCES
                    for action in scope_grammar.ACTIONS
                )
            ):
                return key
        return None

    def key_where(self, *, expired: bool = False, revoked: bool = False) -> ApiKey | None:
        """The first key declared expired (or revoked)."""
        for key in self.keys.values():
            if (expired and key.expired) or (revoked and key.revoked):
                return key
        return None


def load_profile(path: Path | str) -> TargetProfile:
    """Read and validate a keys file; every problem is a one-line UsageError."""
    path = Path(path)
    data = read_toml(path, "keys file")
    return parse_profile(data, source=str(path), base=path.parent)


def parse_profile(data: dict, source: str = "keys file", base: Path | None = None) -> TargetProfile:
    """Build a TargetProfile from parsed TOML; a relative ca_file is read from `base`."""
    _no_unknown_fields(data, "", source)
    target = data.get("target", {})
    if not isinstance(target, dict):
        raise UsageError(f"{source}: [target] must be a table")
    _no_unknown_fields(target, "[target]", source)
    order_identifier = target.get("order_identifier", "external_order_id")
    if order_identifier not in ORDER_IDENTIFIERS:
        raise UsageError(
            f"{source}: [target] order_identifier must be one of {', '.join(ORDER_IDENTIFIERS)}"
        )
    reference = data.get("reference", {})
    if isinstance(reference, dict):
        _no_unknown_fields(reference, "[reference]", source)
    keys_table = data.get("keys", {})
    if not isinstance(keys_table, dict):
        raise UsageError(f"{source}: [keys] must hold [keys.NAME] tables")
    try:
        partners = parse_partners(data.get("partners", {}), source)
    except PartnerFileError as exc:
        raise UsageError(str(exc)) from None
    keys = {
        name: _parse_key(name, entry, source, partners, base) for name, entry in keys_table.items()
    }
    return TargetProfile(
        order_identifier=order_identifier,
        shipped_order=target.get("shipped_order"),
        ca_file=_ca_file(target.get("ca_file"), base, source),
        admin_token=reference.get("admin_token") if isinstance(reference, dict) else None,
        keys=keys,
    )


def _ca_file(value: object, base: Path | None, source: str) -> Path | None:
    """The CA file as an absolute path, checked now: a bad one is the user's configuration,
    not a target that fails its handshakes."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise UsageError(f"{source}: [target] ca_file must be the path of a PEM file")
    path = Path(value).expanduser()
    path = (base / path if base and not path.is_absolute() else path).absolute()
    try:
        client_context(path)
    except FileNotFoundError:
        raise UsageError(f"{source}: [target] ca_file not found: {path}") from None
    except ssl.SSLError:  # an OSError too: before the OSError clause
        raise UsageError(f"{source}: [target] ca_file {path} holds no PEM certificate") from None
    except OSError as exc:
        raise UsageError(f"{source}: [target] cannot read ca_file {path}: {exc.strerror}") from None
    return path


def _partner_of(
    entry: dict, where: str, partners: dict[str, Partner], base: Path | None
) -> Partner | None:
    """The key's partner: from its partner_file, else from the profile's [partners]."""
    name = entry.get("partner")
    if name is None:
        if "partner_file" in entry:
            raise UsageError(f"{where}: partner_file needs partner (the partner's name in it)")
        return None
    if not isinstance(name, str) or not name:
        raise UsageError(f"{where}: partner must be a partner's name")
    if "partner_file" in entry:
        path = Path(str(entry["partner_file"])).expanduser()
        path = base / path if base and not path.is_absolute() else path
        try:
            partners = load_partners_file(path)
        except PartnerFileError as exc:
            raise UsageError(f"{where}: {exc}") from None
    if name not in partners:
        raise UsageError(f"{where}: partner {name!r} is not defined ([partners.{name}])")
    return partners[name]


def _parse_key(
    name: str,
    entry: object,
    source: str,
    partners: dict[str, Partner] | None = None,
    base: Path | None = None,
) -> ApiKey:
    where = f"{source}: [keys.{name}]"
    if not isinstance(entry, dict):
        raise UsageError(f"{where} must be a table")
    _no_unknown_fields(entry, "[keys.NAME]", source, where)
    if "key" in entry and "key_env" in entry:
        raise UsageError(f"{where} sets both key and key_env; keep one")
    if "key_env" in entry:
        value = os.environ.get(str(entry["key_env"]), "")
        if not value:
            raise UsageError(f"{where}: environment variable {entry['key_env']} is not set")
    elif isinstance(entry.get("key"), str) and entry["key"]:
        value = entry["key"]
    else:
        raise UsageError(f"{where} needs key or key_env")
    scopes = entry.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise UsageError(f"{where}: scopes must be a list of strings")
    bad = [s for s in scopes if not scope_grammar.is_valid(s)]
    if bad:
        raise UsageError(f"{where}: not a documented scope: {bad[0]}")
    return ApiKey(
        name=name,
        value=value,
        scopes=tuple(scopes),
        expired=bool(entry.get("expired", False)),
        revoked=bool(entry.get("revoked", False)),
        partner=_partner_of(entry, where, partners or {}, base),
        partner_file=entry.get("partner_file"),
    )


def _no_unknown_fields(table: dict, kind: str, source: str, where: str | None = None) -> None:
    known = _FIELDS[kind]
    unknown = [name for name in table if name not in known]
    if unknown:
        place = where or (f"{source}: {kind}" if kind else source)
        raise UsageError(f"{place}: unknown field {unknown[0]!r} (known: {', '.join(known)})")


def dump_profile(profile: TargetProfile) -> str:
    """The TOML text of a profile (used by `dmcert serve --keys-out`)."""
    lines = ["[target]", f"order_identifier = {_toml_str(profile.order_identifier)}"]
    if profile.shipped_order:
        lines.append(f"shipped_order = {_toml_str(profile.shipped_order)}")
    if profile.ca_file:
        lines.append(f"ca_file = {_toml_str(str(profile.ca_file))}")
    if profile.admin_token:
        lines += ["", "[reference]", f"admin_token = {_toml_str(profile.admin_token)}"]
    for key in profile.keys.values():
        lines += ["", f"[keys.{key.name}]", f"key = {_toml_str(key.value)}"]
        lines.append("scopes = [" + ", ".join(_toml_str(s) for s in key.scopes) + "]")
        if key.expired:
            lines.append("expired = true")
        if key.revoked:
            lines.append("revoked = true")
        if key.partner is not None:
            lines.append(f"partner = {_toml_str(key.partner.name)}")
            if key.partner_file:
                lines.append(f"partner_file = {_toml_str(key.partner_file)}")
    inline = {
        key.partner.name: key.partner
        for key in profile.keys.values()
        if key.partner is not None and not key.partner_file
    }
    for partner in inline.values():
        lines += ["", *dump_partner(partner)]
    return "\n".join(lines) + "\n"


def write_profile(profile: TargetProfile, path: Path | str) -> None:
    """Write a keys file readable by its owner only: it holds secrets."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(dump_profile(profile))


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
