"""The stack starts, answers health checks and serves a program end to end."""

from __future__ import annotations

import aiohttp

from tests.common.orgs import Org


async def test_create_then_get_program(http: aiohttp.ClientSession, org: Org) -> None:
    body = {"name": "Default program", "defaultCommissionType": "Percentage",
            "defaultCommissionValue": 20}
    async with http.post("/api/v1/programs", json=body, headers=org.auth) as response:
        assert response.status == 201
        created = await response.json()
    async with http.get(f"/api/v1/programs/{created['id']}", headers=org.auth) as response:
        assert response.status == 200
        assert await response.json() == created
