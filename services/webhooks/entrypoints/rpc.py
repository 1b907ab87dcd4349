"""Request/reply methods the webhooks service answers: declared symbol -> use case."""

from __future__ import annotations

from functools import partial

from libs.contracts import webhooks as contract
from libs.contracts.secrets import RESEAL_WEBHOOK_SECRETS
from libs.shared.rpc_handlers import HandlerTable, service_table
from libs.shared.runtime import ServiceContext
from services.webhooks.adapters.safe_resolver import UrlPolicy
from services.webhooks.service_layer import deliveries, endpoints, secrets


def handlers(ctx: ServiceContext) -> HandlerTable:
    table, pool = service_table(ctx), ctx.pool
    urls = UrlPolicy(allow_loopback=ctx.settings.webhooks_allow_loopback)
    table.add(contract.LIST_WEBHOOKS, pool, endpoints.list_webhooks)
    table.add(contract.GET_WEBHOOK, pool, endpoints.get_webhook)
    table.add(contract.CREATE_WEBHOOK, pool, partial(endpoints.create_webhook, urls=urls))
    table.add(contract.UPDATE_WEBHOOK, pool, partial(endpoints.update_webhook, urls=urls))
    table.add(contract.DELETE_WEBHOOK, pool, endpoints.delete_webhook)
    table.add(contract.ROTATE_SECRET, pool, endpoints.rotate_secret)
    table.add(contract.SEND_TEST, pool, deliveries.send_test)
    table.add(contract.LIST_DELIVERIES, pool, deliveries.list_deliveries)
    table.add(contract.RESEND_DELIVERY, pool, deliveries.resend_delivery)
    table.add(RESEAL_WEBHOOK_SECRETS, pool, secrets.reseal)
    return table
