"""The public storefront over HTTP: by-handle and by-domain, with no API key."""

from __future__ import annotations

import uuid

from tests.common.api import create_program, expect_error, set_custom_domain_verified
from tests.common.orgs import new_org
from tests.common.stack import Stack
from tests.common.storefront_api import client_from

STOREFRONT_KEYS = {"id", "organizationName", "name", "slug", "description", "termsUrl",
                   "customAliasSupported"}


# ---- by-handle -------------------------------------------------------------------------------
async def test_by_handle_serves_the_oldest_active_program_as_primary(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        await create_program(http, org, isActive=False, slug="paused-one")
        first = await create_program(http, org, slug="default", description="Earn 20%",
                                     termsUrl="https://brand.example/terms")
        await create_program(http, org, slug="promo")
        async with http.get(f"/api/p/by-handle/{org.handle}") as response:
            assert response.status == 200
            body = await response.json()
        assert set(body) == STOREFRONT_KEYS
        assert body == {"id": first["id"], "organizationName": f"Brand {org.handle}",
                        "name": first["name"], "slug": "default", "description": "Earn 20%",
                        "termsUrl": "https://brand.example/terms", "customAliasSupported": True}
        async with http.get(f"/api/p/by-handle/{org.handle}/promo") as response:
            assert (await response.json())["slug"] == "promo"


async def test_by_handle_404_for_unknown_inactive_or_archived(stack: Stack) -> None:
    org, other = await new_org(), await new_org()
    async with client_from(stack.base_url) as http:
        await create_program(http, org, slug="sleeping", isActive=False)
        gone = await create_program(http, org, slug="gone")
        async with http.delete(f"/api/v1/programs/{gone['id']}", headers=org.auth) as r:
            assert r.status == 204
        await create_program(http, other, slug="theirs")
        for path in (f"/api/p/by-handle/{org.handle}",  # no active program at all
                     f"/api/p/by-handle/{org.handle}/sleeping",
                     f"/api/p/by-handle/{org.handle}/gone",
                     f"/api/p/by-handle/{org.handle}/theirs",  # another org's slug
                     "/api/p/by-handle/no-such-handle-here",
                     "/api/p/by-handle/no-such-handle-here/theirs"):
            async with http.get(path) as response:
                await expect_error(response, 404, "program_not_found")


# ---- by-domain -------------------------------------------------------------------------------
async def test_by_domain_resolves_only_verified_domains(stack: Stack) -> None:
    org = await new_org()
    host = f"aff-{uuid.uuid4().hex[:8]}.brand.example"
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org, slug="main", customDomain=host)
        async with http.get("/api/p/by-domain", params={"host": host}) as response:
            await expect_error(response, 404, "program_not_found")
        await set_custom_domain_verified(program["id"], True)
        for asked in (host, host.upper() + ".", f"{host}:443"):
            async with http.get("/api/p/by-domain", params={"host": asked}) as response:
                assert response.status == 200
                assert await response.json() == {"handle": org.handle, "slug": "main"}
        async with http.get("/api/p/by-domain", params={"host": "x" + host}) as response:
            await expect_error(response, 404, "program_not_found")
        async with http.get("/api/p/by-domain") as response:
            await expect_error(response, 400, "validation_failed", "host")
