"""The bus of an admin command that asks the services for something (they must be running)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from libs.shared.bus import Bus
from libs.shared.settings import get_settings


@asynccontextmanager
async def admin_bus(rpc_timeout: float | None = None) -> AsyncIterator[Bus]:
    """Connected for the command's calls; ``rpc_timeout`` at least the settings' own."""
    settings = get_settings()
    bus = Bus(settings.amqp_url, namespace=settings.namespace, service="admin-cli",
              rpc_timeout=max(settings.rpc_timeout_seconds, rpc_timeout or 0.0))
    await bus.connect(wait_seconds=10)
    try:
        yield bus
    finally:
        await bus.close()
