"""Request/reply methods the tracking service answers."""

from __future__ import annotations

from libs.shared.rpc import RpcHandler, system_handlers
from libs.shared.runtime import ServiceContext


def handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    return system_handlers(ctx)
