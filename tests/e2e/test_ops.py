"""Every service answers /healthz, /readyz and /metrics."""

from __future__ import annotations

import aiohttp
import pytest

from libs.shared.settings import SERVICES
from tests.common.stack import Stack


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_serves_health_and_metrics(stack: Stack, service: str) -> None:
    port = (stack.settings.gateway_port if service == "gateway"
            else stack.settings.ops_port(service))
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
        for path in ("/healthz", "/readyz"):
            async with session.get(path) as response:
                assert response.status == 200, (service, path)
        async with session.get("/metrics") as response:
            assert response.status == 200
            text = await response.text()
    assert "rekomi_bus_messages_total" in text or "rekomi_http_requests_total" in text
    assert "python_gc_objects_collected_total" in text
