"""API-key scopes: ``read`` or ``read_write``, inferred from the HTTP method unless a route says
otherwise."""

from __future__ import annotations

from enum import StrEnum

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Scope(StrEnum):
    read = "read"
    read_write = "read_write"


def required_scope(method: str, override: Scope | None = None) -> Scope:
    if override is not None:
        return override
    return Scope.read if method.upper() in READ_METHODS else Scope.read_write


def satisfies(have: Scope, need: Scope) -> bool:
    return have == Scope.read_write or need == Scope.read
