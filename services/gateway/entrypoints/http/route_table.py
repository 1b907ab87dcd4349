"""What a public route is: the owner service and method it goes to, its gates and its models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from services.gateway.domain.plans import Tier
from services.gateway.domain.scopes import Scope


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    service: str
    rpc: str
    summary: str
    tag: str
    plan: Tier | None = None
    # Beyond the tier: a paid plan (Starter or higher) whose subscription is Active; Trialing,
    # PastDue and lapsed orgs get 402 ``paid_plan_required`` (bulk invites).
    requires_active_paid_plan: bool = False
    scope: Scope | None = None  # None: inferred from the HTTP method
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    path_params: dict[str, str] = field(default_factory=dict)  # URL name -> message field
    audited: bool = False
    description: str = ""
    # Public routes take no API key; they are rate-limited per client address with the named
    # policy ("anonymous", or "strict_write" for public writes such as applications).
    # On an authenticated route, any policy other than "anonymous" (e.g. "import") is counted
    # per API key on top of the key's general limit.
    public: bool = False
    rate_policy: str = "anonymous"
    # Path params passed through as text (tokens, handles) instead of parsed as UUIDs.
    raw_path_params: frozenset[str] = frozenset()
    # Routes whose data the gateway owns run here instead of going over the bus.
    local: Callable[[Any, dict[str, Any]], Awaitable[Any]] | None = None

    @property
    def mutating(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")
