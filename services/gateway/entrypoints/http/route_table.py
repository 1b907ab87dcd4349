"""What a public route is: the declared RPC it goes to, its gates and its models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from libs.shared.rpc import Rpc
from services.gateway.domain.plans import PlanGate, Tier, gate_of
from services.gateway.domain.roles import Auth, Role
from services.gateway.domain.scopes import Scope


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    # The owner's method this route forwards to; None for a route the gateway answers itself.
    rpc: Rpc[Any, Any] | None
    summary: str
    tag: str
    # The plan gate: a tier (its default gate: a trialing org passes the tier of its trial),
    # or a PlanGate with the endpoint's own trial or status rule (domain/plans.py).
    plan: Tier | PlanGate | None = None
    scope: Scope | None = None  # None: inferred from the HTTP method
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    # The JSON body of a 2xx when it is not the RPC's reply model: a local view that answers
    # another shape, or one without an RPC. A route that answers no JSON has neither.
    response: type[BaseModel] | None = None
    status: int = 200
    path_params: dict[str, str] = field(default_factory=dict)  # URL name -> message field
    audited: bool = False
    description: str = ""
    # Public routes take no API key; they are rate-limited per client address with the named
    # policy ("anonymous", or "strict_write" for public writes such as applications), except
    # "provider_webhook": per endpoint path (one org's Stripe or Paddle endpoint), since a
    # provider posts every account's events from a few shared addresses.
    # On an authenticated route, any policy other than "anonymous" (e.g. "import") is counted
    # per API key on top of the key's general limit.
    public: bool = False
    rate_policy: str = "anonymous"
    # Path params passed through as text (tokens, handles) instead of parsed as UUIDs.
    raw_path_params: frozenset[str] = frozenset()
    # Routes whose data the gateway owns, or that need request details, run here; a local view
    # with an ``rpc`` calls it (and answers its reply, when the route answers JSON).
    local: Callable[[Any, dict[str, Any]], Awaitable[Any]] | None = None
    # The OpenAPI operationId; by default the RPC's name.
    operation: str | None = None
    # What a 2xx carries: JSON, or a script, an image, a CSV or stored file ("*/*": the type
    # it was stored with), or nothing ("": a redirect); all but JSON answered by a local view.
    media_type: str = "application/json"
    # Seconds the gateway waits for the owner's answer, when longer than the RPC default
    # (REKOMI_RPC_TIMEOUT_SECONDS): a payout run over 10,000 affiliates takes seconds.
    rpc_timeout: float | None = None
    # Another type a 2xx may carry beside its JSON (``format=csv``: "text/csv").
    also_media_type: str | None = None
    # Takes an ``Idempotency-Key`` header: the same request again within the window gets the
    # first answer replayed, another one with the key a 409 (entrypoints/http/idempotency.py).
    idempotent: bool = False
    # The credentials the route takes (domain/roles.py): API keys and dashboard operators by
    # default; ``Auth.JWT_ONLY`` for the dashboard alone, ``Auth.AFFILIATE_JWT`` for
    # affiliates' own portal, ``Auth.API_KEY_ONLY`` for signed server calls.
    auth: Auth = Auth.KEY_OR_JWT
    # The least role of a dashboard operator (Viewer < Manager < Owner). Every route that
    # admits operators decides it; None there refuses them all (403) and fails
    # tests/unit/test_route_roles.py. API keys skip roles.
    role: Role | None = None
    # Operators also need a verified e-mail (403 ``email_not_verified``); API keys skip it.
    email_verified: bool = False
    # Error statuses the route may answer with an empty JSON object instead of the envelope,
    # where the reference shows one (the embedded dashboard's 401 for an unknown token).
    bare_errors: frozenset[int] = frozenset()
    # A page on any origin may read this public route's 429 (``Access-Control-Allow-Origin``
    # naming the request's origin): the per-address limit is counted before the view can tell
    # an allowed origin, and a rate limit reveals nothing, while hiding it makes a widget
    # call it a refusal instead of "try later".
    readable_limits: bool = False

    def __post_init__(self) -> None:
        where = f"{self.method} {self.path}"
        self._check_auth(where)
        if self.local is None and self.rpc is None:
            raise ValueError(f"{where}: neither an RPC nor a local view")
        if self.response is not None and self.rpc is not None and (
                self.local is None or self.response is self.rpc.reply):
            raise ValueError(f"{where}: a route that answers its RPC's reply takes its shape "
                             "from the Rpc; `response` is for local views that answer another")
        if self.operation is None and self.rpc is None:
            raise ValueError(f"{where}: a local route names its operation")
        if self.idempotent and (self.public or not self.mutating):
            raise ValueError(f"{where}: keys are kept per org, for writes: an idempotent route "
                             "is an authenticated POST, PUT, PATCH or DELETE")

    def _check_auth(self, where: str) -> None:
        if self.public and (self.auth is not Auth.KEY_OR_JWT or self.role is not None):
            raise ValueError(f"{where}: a public route takes no credentials and no role")
        if not self.auth.takes_operator and (self.role is not None or self.email_verified):
            raise ValueError(f"{where}: roles and e-mail verification are for routes that "
                             "admit dashboard operators")
        if self.auth is Auth.AFFILIATE_JWT and (self.plan is not None or self.idempotent):
            raise ValueError(f"{where}: an affiliate route has no org: no plan gate and no "
                             "idempotency keys (kept per org)")

    @property
    def mutating(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")

    @property
    def plan_tier(self) -> Tier | None:
        """The lowest tier the route needs (None: any plan)."""
        return None if self.plan is None else gate_of(self.plan).tier

    @property
    def service(self) -> str:
        return self.rpc.service if self.rpc is not None else "gateway"

    @property
    def response_model(self) -> type[BaseModel] | None:
        """The JSON body of a 2xx: ``response``, else the RPC's reply (none for a 204)."""
        if self.response is not None or self.media_type != "application/json":
            return self.response
        return self.rpc.reply if self.rpc is not None and self.status != 204 else None

    @property
    def operation_id(self) -> str:
        name = self.operation or (self.rpc.name if self.rpc is not None else "")
        return name.replace(".", "_")
