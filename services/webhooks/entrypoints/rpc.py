"""Request/reply methods the webhooks service answers: name -> typed use case."""

from __future__ import annotations

from functools import partial

from libs.contracts import webhooks as contract
from libs.shared.rpc import RpcHandler, system_handlers
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.webhooks.adapters.safe_resolver import UrlPolicy
from services.webhooks.service_layer import deliveries, endpoints


def handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool = ctx.pool
    urls = UrlPolicy(allow_loopback=ctx.settings.webhooks_allow_loopback)
    return {
        **system_handlers(ctx),
        "webhooks.list": typed(pool, contract.ListWebhooks, endpoints.list_webhooks),
        "webhooks.get": typed(pool, contract.GetWebhook, endpoints.get_webhook),
        "webhooks.create": typed(pool, contract.CreateWebhook,
                                 partial(endpoints.create_webhook, urls=urls)),
        "webhooks.update": typed(pool, contract.UpdateWebhook,
                                 partial(endpoints.update_webhook, urls=urls)),
        "webhooks.delete": typed(pool, contract.DeleteWebhook, endpoints.delete_webhook),
        "webhooks.rotate_secret": typed(pool, contract.RotateSecret, endpoints.rotate_secret),
        "webhooks.test": typed(pool, contract.SendTest, deliveries.send_test),
        "webhooks.deliveries": typed(pool, contract.ListDeliveries, deliveries.list_deliveries),
        "webhooks.resend": typed(pool, contract.ResendDelivery, deliveries.resend_delivery),
    }
