"""Request/reply methods the tracking service answers."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from libs.contracts import attribution as attr
from libs.contracts import s2s as s
from libs.contracts import tracking as c
from libs.shared.rpc import RpcHandler, system_handlers
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.tracking.service_layer import attribution, clicks, s2s, settings, snippet
from services.tracking.service_layer.lookups import Tracking

D = TypeVar("D")
C = TypeVar("C", bound=BaseModel)


def _with(deps: D, command: type[C], use_case: Callable[[D, C], Awaitable[Any]]) -> RpcHandler:
    """``typed`` for use cases that need more than the pool."""
    return typed(deps, command, use_case)  # type: ignore[arg-type]


def _refreshing(t: Tracking, handler: RpcHandler) -> RpcHandler:
    """A settings change is seen at once by this replica's click path (others within
    ``tracking_cache_seconds``)."""
    async def handle(payload: dict[str, Any]) -> Any:
        result = await handler(payload)
        t.lookups.settings.forget(uuid.UUID(payload["orgId"]))
        return result
    return handle


def handlers(ctx: ServiceContext, t: Tracking) -> dict[str, RpcHandler]:
    pool = ctx.pool
    return {
        **system_handlers(ctx),
        "attribution.get": typed(pool, attr.GetAttributionParams, attribution.get_params),
        "attribution.update": _refreshing(t, typed(pool, attr.UpdateAttributionParams,
                                                   attribution.update_params)),
        "settings.get": typed(pool, c.GetTrackingSettings, settings.get_settings),
        "settings.update": _refreshing(t, typed(pool, c.UpdateTrackingSettings,
                                                settings.update_settings)),
        "clicks.record": _with(t, c.RecordClick, clicks.record_click),
        "links.redirect": _with(t, c.ResolveShortLink, clicks.short_link),
        "snippet.render": _with(t, c.RenderSnippet, snippet.render),
        "loader.script": _with(t, c.LoaderScript, snippet.loader_script),
        "s2s.accept": _with(t, s.AcceptSale, s2s.accept_sale),
        "leads.accept": _with(t, s.AcceptLead, s2s.accept_lead),
        "leads.accept_signup": _with(t, s.AcceptSignup, s2s.accept_signup),
        "leads.org_of_slug": _with(t, s.LinkBySlug, s2s.org_of_slug),
    }
