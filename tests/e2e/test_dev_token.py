"""The local dev issuer and ``rekomi admin dev-token`` as a developer uses them after
``make run``: the issuer process serves its JWKS, a gateway in development trusts it without
any setting, and the printed tokens work (an operator's role, an affiliate's portal). Both
refuse to run in production, as the gateway refuses an http issuer there."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import aiohttp
import pytest

from tests.common.affiliates_api import create_affiliate
from tests.common.api import create_program
from tests.common.orgs import Org
from tests.common.stack import ROOT, Stack, extra_gateways, rekomi, wait_ready

ISSUER_OFFSET, GATEWAY_OFFSET = 50, 52  # beside the session stack's gateway port


@pytest.fixture(scope="module")
def dev_env(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    port = stack.settings.gateway_port
    return {**stack.env, "REKOMI_ENV": "development", "REKOMI_JWT_ISSUER": "",
            "REKOMI_JWT_AUDIENCE": "", "REKOMI_DEV_ISSUER_PORT": str(port + ISSUER_OFFSET),
            "REKOMI_DEV_ISSUER_DIR": str(tmp_path_factory.mktemp("dev-issuer"))}


@pytest.fixture(scope="module")
def dev_issuer(dev_env: dict[str, str]) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "services.gateway.entrypoints.dev_issuer"],
                            cwd=ROOT, env=dev_env, stdin=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{dev_env['REKOMI_DEV_ISSUER_PORT']}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def dev_gateway(stack: Stack, dev_env: dict[str, str], dev_issuer: str) -> Iterator[str]:
    with extra_gateways([stack.settings.gateway_port + GATEWAY_OFFSET], {
            k: v for k, v in dev_env.items() if k.startswith("REKOMI_")}) as bases:
        yield bases[0]


def dev_token(env: dict[str, str], *args: str) -> str:
    return rekomi("admin", "dev-token", *args, env=env).stdout.strip()


async def test_the_dev_issuer_serves_discovery_and_its_key(
        http: aiohttp.ClientSession, dev_issuer: str, dev_gateway: str) -> None:
    await wait_ready(http, dev_gateway)
    async with http.get(f"{dev_issuer}/.well-known/openid-configuration") as response:
        config = await response.json()
    assert config["issuer"] == dev_issuer and config["jwks_uri"] == f"{dev_issuer}/jwks.json"
    async with http.get(config["jwks_uri"]) as response:
        [key] = (await response.json())["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ES256", "sig")
    assert "d" not in key  # the public half only


async def test_dev_tokens_sign_in_operators_and_affiliates(
        http: aiohttp.ClientSession, org: Org, dev_env: dict[str, str],
        dev_gateway: str) -> None:
    await wait_ready(http, dev_gateway)
    program = await create_program(http, org)
    manager = dev_token(dev_env, "--org", org.org_id, "--role", "Manager")
    headers = {"Authorization": f"Bearer {manager}"}
    async with http.get(f"{dev_gateway}/api/v1/programs/{program['id']}",
                        headers=headers) as response:
        assert response.status == 200, await response.text()
    async with http.delete(f"{dev_gateway}/api/v1/programs/{program['id']}",
                           headers=headers) as response:  # archiving is the Owner's
        assert (response.status, await response.read()) == (403, b"")
    unverified = dev_token(dev_env, "--org", org.org_id, "--role", "Owner", "--unverified")
    async with http.put(f"{dev_gateway}/api/v1/settings/home-currency",
                        json={"homeCurrency": "EUR"},
                        headers={"Authorization": f"Bearer {unverified}"}) as response:
        assert (await response.json())["error"] == "email_not_verified"

    affiliate = await create_affiliate(http, org, program["id"])
    portal = dev_token(dev_env, "--affiliate", affiliate["id"])
    async with http.get(f"{dev_gateway}/api/v1/me/memberships",
                        headers={"Authorization": f"Bearer {portal}"}) as response:
        body = await response.json()
        assert response.status == 200, body
    assert [m["affiliateId"] for m in body["items"]] == [affiliate["id"]]
    # The session stack trusts the test issuer, not this one.
    async with http.get("/api/v1/programs", headers=headers) as response:
        assert response.status == 401


def test_dev_token_json_follows_the_claim_mapping(dev_env: dict[str, str], org: Org) -> None:
    env = {**dev_env, "REKOMI_JWT_ROLE_CLAIM": "realm_access.roles",
           "REKOMI_JWT_ROLE_MAP": "rekomi-owner=Owner"}
    out = json.loads(rekomi("admin", "dev-token", "--org", org.org_id, "--json",
                            env=env).stdout)
    assert out["claims"]["realm_access"] == {"roles": "rekomi-owner"}
    assert out["claims"]["org_id"] == org.org_id and out["claims"]["aud"] == "rekomi-dev"


def test_production_refuses_the_dev_issuer_and_its_tokens(
        dev_env: dict[str, str], org: Org) -> None:
    production = {**dev_env, "REKOMI_ENV": "production"}
    refused = rekomi("admin", "dev-token", "--org", org.org_id, env=production, check=False)
    assert refused.returncode == 1 and "refused in production" in refused.stderr
    issuer = subprocess.run([sys.executable, "-m", "services.gateway.entrypoints.dev_issuer"],
                            cwd=ROOT, env=production, capture_output=True, text=True,
                            timeout=30, check=False)
    assert issuer.returncode == 2 and "refused in production" in issuer.stderr
    # A gateway in production told to trust the dev issuer does not start.
    gateway = subprocess.run(
        [sys.executable, "-c", "from libs.shared.settings import get_settings; "
         "from services.gateway.entrypoints.http.app import create_app; "
         "create_app(get_settings())"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=False, env={**production, "REKOMI_JWT_ISSUER": "http://127.0.0.1:8130",
                          "REKOMI_JWT_AUDIENCE": "rekomi-dev"})
    assert gateway.returncode != 0 and "production trusts https issuers only" in gateway.stderr
