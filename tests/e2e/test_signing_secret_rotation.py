"""S2S signing-secret rotation through the running stack: a dashboard Owner (or the operator's
``rekomi admin rotate-signing-secret``) gets a new secret once; S2S requests signed with the
old and the new one both verify during the overlap and only the new one after it (the overlap
is ended by moving the stored expiry, as time would, with the NOTIFY any org change sends);
API keys and lower roles get 403 with an empty body and change nothing; the rotation is
audited without the secret; no column holds either secret in clear."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from libs.shared.db import connect
from libs.shared.settings import Settings
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org
from tests.common.s2s import Seller, post_signed, sale, seller
from tests.common.stack import rekomi_json

ROTATE = "/api/v1/signing-secret/rotate"
ROTATED = "org.signing_secret_rotated"


async def gateway_sql(sql: str, *args: Any) -> list[Any]:
    conn = await connect(Settings().database_url, "gateway")
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def end_overlap(org: Org) -> None:
    """The previous secret's expiry moved to the past; replicas drop their cached secrets on
    the NOTIFY every org change sends (adapters/orgs_repository.py)."""
    await gateway_sql("UPDATE orgs SET previous_signing_secret_expires_at = now() - "
                      "interval '1 second' WHERE id = $1", uuid.UUID(org.org_id))
    await gateway_sql("SELECT pg_notify('rekomi_gateway_keys', '')")


async def accepted(http: aiohttp.ClientSession, s: Seller, secret: str) -> int:
    status, _ = await post_signed(http, s.org, sale(s.slug), secret=secret, wait=False)
    return status


async def rotate(http: aiohttp.ClientSession, headers: dict[str, str]) -> dict[str, Any]:
    async with http.post(ROTATE, headers=headers) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body
    return body


async def raw_secrets(org: Org) -> list[str]:
    [row] = await gateway_sql("SELECT signing_secret, previous_signing_secret FROM orgs "
                              "WHERE id = $1", uuid.UUID(org.org_id))
    return [row["signing_secret"], row["previous_signing_secret"]]


async def test_an_owner_rotates_and_both_secrets_verify_until_the_overlap_ends(
        http: aiohttp.ClientSession, issuer: TestIssuer) -> None:
    s = await seller(http)
    old = s.org.signing_secret
    sub = f"user_owner_{uuid.uuid4().hex[:8]}"
    owner = issuer.operator_auth(s.org.org_id, "Owner", sub=sub)
    rotated = await rotate(http, owner)
    assert set(rotated) == {"signingSecret", "previousSecretExpiresAt"}
    new = rotated["signingSecret"]
    assert new.startswith("rks_") and new != old
    expires = datetime.fromisoformat(rotated["previousSecretExpiresAt"])
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)

    assert [await accepted(http, s, secret) for secret in (old, new, "rks_wrong")] == [
        200, 200, 401]
    for stored in await raw_secrets(s.org):
        assert stored.startswith("enc:v1:") and old not in stored and new not in stored

    await end_overlap(s.org)
    assert [await accepted(http, s, secret) for secret in (old, new)] == [401, 200]

    async with http.get("/api/v1/audit-log", params={"action": ROTATED},
                        headers=owner) as response:
        [row] = (await response.json())["items"]
    assert (row["entityType"], row["entityId"], row["actorType"], row["actorUserId"]) == (
        "org", s.org.org_id, "user", sub)
    assert json.loads(row["after"]) == {"previousSecretExpiresAt":
                                        rotated["previousSecretExpiresAt"]}
    assert new not in json.dumps(row) and old not in json.dumps(row)


async def test_api_keys_and_lower_roles_get_403_and_change_nothing(
        http: aiohttp.ClientSession, issuer: TestIssuer) -> None:
    s = await seller(http)
    before = await raw_secrets(s.org)
    for headers in (s.org.auth, issuer.operator_auth(s.org.org_id, "Manager"),
                    issuer.operator_auth(s.org.org_id, "Viewer")):
        async with http.post(ROTATE, headers=headers) as response:
            assert (response.status, await response.read()) == (403, b""), headers
    assert await raw_secrets(s.org) == before and before[1] is None
    assert await accepted(http, s, s.org.signing_secret) == 200


async def test_the_operator_rotates_from_the_command_line(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    made = rekomi_json("admin", "rotate-signing-secret", "--org", s.org.org_id)
    assert set(made) == {"orgId", "signingSecret", "previousSecretExpiresAt"}, made
    assert made["orgId"] == s.org.org_id
    assert [await accepted(http, s, secret)
            for secret in (made["signingSecret"], s.org.signing_secret)] == [200, 200]
    # A second rotation keeps only the secret it replaced: the first one stops at once.
    again = rekomi_json("admin", "rotate-signing-secret", "--org", s.org.org_id)
    assert [await accepted(http, s, secret) for secret in (
        again["signingSecret"], made["signingSecret"], s.org.signing_secret)] == [200, 200, 401]
