"""Who is asking: the identity of a request, decided once per request by the app's sign-in mode, and
what it may do (Adobe's own permissions, or the access policy)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable

from flask import current_app, g

MODES = ("adobe", "portal", "none")


@dataclass(frozen=True)
class Identity:
    """A person (or nobody, when nobody signs in): their sign-in name, display name and groups."""

    user: str = ""
    name: str = ""
    groups: tuple[str, ...] = ()
    mode: str = "none"

    @property
    def anonymous(self) -> bool:
        return not self.user

    @property
    def cache_scope(self) -> str:
        """What keeps one person's cached answers from another's: their sign-in, hashed (Adobe answers each
        person's own token with their own sandboxes). The integration's answers (portal and none) are the
        same for everyone, and the policy is applied after the cache."""
        if self.mode != "adobe" or self.anonymous:
            return ""
        return hashlib.sha256(f"{self.mode}:{self.user.lower()}".encode()).hexdigest()[:20]

    def audit_fields(self) -> dict[str, object]:
        """Who, for the audit log: the person, and their groups in portal mode."""
        fields: dict[str, object] = {"user": self.user or None}
        if self.mode == "portal":
            fields["groups"] = list(self.groups)
        return fields


def current_identity() -> Identity:
    """The identity of this request (anonymous before it is known)."""
    return g.get("identity") or Identity(mode=current_app.config.get("AUTH_MODE", "none"))


def may(action: str, sandbox: str) -> bool:
    """Whether this request's identity may do ``action`` (create, explore, manage) in ``sandbox``.

    Portal mode asks the access policy. With Adobe sign-in, Adobe decides: every call carries the
    person's own token, so the platform refuses what their permissions do not allow. With nobody
    signing in, whoever reaches the app acts as the integration.
    """
    if current_app.config.get("AUTH_MODE") != "portal":
        return True
    identity = current_identity()
    return current_app.extensions["access_policy"].allows(identity.user, identity.groups, action, sandbox)


def allowed_sandboxes(action: str, names: Iterable[str]) -> set[str]:
    """The names among ``names`` where this request's identity may do ``action``."""
    return {name for name in names if may(action, name)}
