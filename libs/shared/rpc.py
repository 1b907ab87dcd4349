"""Helpers every service's request/reply table uses."""

from __future__ import annotations

from typing import Any

from libs.shared.bus import RpcHandler
from libs.shared.runtime import ServiceContext

__all__ = ["RpcHandler", "system_handlers"]


def system_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    """``system.ping``: proves the service answers on the bus and reaches its database."""

    async def ping(_payload: dict[str, Any]) -> dict[str, Any]:
        async with ctx.pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
        return {"service": ctx.name, "ok": True}

    return {"system.ping": ping}
