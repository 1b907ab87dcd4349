"""Request/reply methods the tracking service answers: declared symbol -> use case."""

from __future__ import annotations

import uuid
from typing import Any

from libs.contracts import attribution as attr
from libs.contracts import integrations as i
from libs.contracts import metrics_rebuild as rebuild
from libs.contracts import s2s as s
from libs.contracts import tracking as c
from libs.contracts.secrets import RESEAL_TRACKING_SECRETS
from libs.shared.bus import RpcHandler
from libs.shared.reseal_service import reseal_use_case
from libs.shared.rpc_handlers import HandlerTable, service_table, typed
from libs.shared.runtime import ServiceContext
from services.tracking.adapters.integrations_repository import INTEGRATION_SECRETS
from services.tracking.service_layer import (
    attribution,
    click_history,
    clicks,
    leads,
    s2s,
    settings,
    snippet,
)
from services.tracking.service_layer.integrations import Integrations
from services.tracking.service_layer.lookups import Tracking
from services.tracking.service_layer.provider_events import ProviderIntake


def _refreshing(t: Tracking, handler: RpcHandler) -> RpcHandler:
    """A settings change is seen at once by this replica's click path (others within
    ``tracking_cache_seconds``)."""
    async def handle(payload: dict[str, Any]) -> Any:
        result = await handler(payload)
        t.lookups.settings.forget(uuid.UUID(payload["orgId"]))
        return result
    return handle


def handlers(ctx: ServiceContext, t: Tracking) -> HandlerTable:
    table, pool = service_table(ctx), ctx.pool
    table.add(attr.GET_ATTRIBUTION_PARAMS, pool, attribution.get_params)
    table.add_handler(attr.UPDATE_ATTRIBUTION_PARAMS, _refreshing(t, typed(
        pool, attr.UPDATE_ATTRIBUTION_PARAMS, attribution.update_params)))
    table.add(c.GET_TRACKING_SETTINGS, pool, settings.get_settings)
    table.add_handler(c.UPDATE_TRACKING_SETTINGS, _refreshing(t, typed(
        pool, c.UPDATE_TRACKING_SETTINGS, settings.update_settings)))
    table.add(c.RECORD_CLICK, t, clicks.record_click)
    table.add(c.REDIRECT_SHORT_LINK, t, clicks.short_link)
    table.add(c.RENDER_SNIPPET, t, snippet.render)
    table.add(c.LOADER_SCRIPT, t, snippet.loader_script)
    table.add(s.ACCEPT_SALE, t, s2s.accept_sale)
    table.add(s.ACCEPT_LEAD, t, leads.accept_lead)
    table.add(s.ACCEPT_SIGNUP, t, leads.accept_signup)
    table.add(s.ORG_OF_SLUG, t, leads.org_of_slug)
    table.add(rebuild.CLICK_CELLS, pool, click_history.cells_of_day)
    table.add(rebuild.FIRST_CLICK, pool, click_history.first_day)
    connections = Integrations(pool, ctx.settings.public_base_url)
    table.add(i.CONNECT_INTEGRATION, connections, Integrations.connect)
    table.add(i.GET_INTEGRATION, connections, Integrations.get)
    table.add(i.DISCONNECT_INTEGRATION, connections, Integrations.disconnect)
    table.add(i.CONNECTED_PROVIDERS, connections, Integrations.connected)
    table.add(i.RECEIVE_PROVIDER_EVENT, ProviderIntake(pool), ProviderIntake.receive)
    table.add(RESEAL_TRACKING_SECRETS, pool, reseal_use_case(INTEGRATION_SECRETS, "tracking"))
    return table
