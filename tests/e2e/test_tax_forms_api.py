"""Tax forms over HTTP: a 5-minute signed link that really serves the file, once (the
reference: single-use; concurrent uses included), audited on every read, refused once tampered
with or expired; 404 when none was submitted."""

from __future__ import annotations

import asyncio
import time
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest

from libs.shared.errors import RekomiError
from libs.shared.settings import Settings
from services.ledger.tax_forms.adapters.signed_links import LinkSigner
from tests.common.api import audit_page, create_program, expect_error
from tests.common.orgs import Org, new_org
from tests.common.stack import Stack
from tests.common.storefront_api import attach_tax_form, client_from, create_affiliate, ledger_call
from tests.common.waiting import eventually

PDF = b"%PDF-1.4\n" + uuid.uuid4().bytes + b"\n%%EOF\n"
LINK_KEYS = {"id", "affiliateId", "type", "submittedAt", "signedUrl", "expiresInSeconds"}


def _tax_form(affiliate_id: str) -> str:
    return f"/api/v1/affiliates/{affiliate_id}/tax-form"


async def _reads(http: aiohttp.ClientSession, org: Org, affiliate_id: str, n: int
                 ) -> list[dict[str, object]] | None:
    page = await audit_page(http, org, action="affiliate.tax_form_viewed")
    items = [i for i in page["items"] if i["entityId"] == affiliate_id]
    return items if len(items) >= n else None


async def _affiliate(http: aiohttp.ClientSession, org: Org) -> dict[str, object]:
    program = await create_program(http, org)
    return await create_affiliate(http, org, program["id"])


async def test_signed_url_serves_the_file_and_every_read_is_audited(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        affiliate = await _affiliate(http, org)
        await attach_tax_form(org.org_id, str(affiliate["id"]), b"old version", "W8BEN")
        attached = await attach_tax_form(org.org_id, str(affiliate["id"]), PDF)
        for _ in range(2):
            async with http.get(_tax_form(str(affiliate["id"])), headers=org.auth) as response:
                assert response.status == 200
                link = await response.json()
        assert set(link) == LINK_KEYS
        assert link["id"] == attached["id"] and link["type"] == "W9"  # the latest one
        assert link["expiresInSeconds"] == 300
        query = parse_qs(urlsplit(link["signedUrl"]).query)
        assert 295 <= int(query["exp"][0]) - int(time.time()) <= 300
        async with aiohttp.ClientSession() as anonymous, anonymous.get(
                link["signedUrl"]) as response:
            assert response.status == 200
            assert response.content_type == "application/pdf"
            assert await response.read() == PDF
        reads = await eventually(lambda: _reads(http, org, str(affiliate["id"]), 2),
                                 what="two audited reads")
        assert {r["actorType"] for r in reads} == {"api_key"}


async def test_tampered_or_expired_links_are_refused(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        affiliate = await _affiliate(http, org)
        await attach_tax_form(org.org_id, str(affiliate["id"]), PDF)
        async with http.get(_tax_form(str(affiliate["id"])), headers=org.auth) as response:
            url = urlsplit((await response.json())["signedUrl"])
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        later = {**query, "exp": str(int(query["exp"]) + 3600)}
        forged = {**query, "sig": "0" * 64}
        other_path = url.path[:-2] + ("AA" if not url.path.endswith("AA") else "BB")
        async with client_from(stack.base_url) as anonymous:
            for path, params in ((url.path, later), (url.path, forged), (other_path, query)):
                async with anonymous.get(f"{path}?{urlencode(params)}") as response:
                    await expect_error(response, 403, "signed_url_invalid")
            async with anonymous.get(url.path) as response:
                await expect_error(response, 400, "validation_failed", "exp")
            # A correctly signed link whose time is up (signed with the ledger's dev secret).
            token = url.path.rsplit("/", 1)[1]
            expired = urlsplit(LinkSigner.from_settings(Settings()).url(token, int(time.time())
                                                                        - 1))
            async with anonymous.get(f"{expired.path}?{expired.query}") as response:
                await expect_error(response, 403, "signed_url_expired")
            # None of the refused attempts used the link up.
            async with anonymous.get(f"{url.path}?{url.query}") as response:
                assert response.status == 200 and await response.read() == PDF


async def _link(http: aiohttp.ClientSession, org: Org, affiliate_id: str) -> str:
    async with http.get(_tax_form(affiliate_id), headers=org.auth) as response:
        assert response.status == 200
        url: str = (await response.json())["signedUrl"]
    return url


async def _use(url: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as anonymous, anonymous.get(url) as response:
        return response.status, await response.read()


async def test_a_link_serves_its_file_once(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        affiliate = await _affiliate(http, org)
        await attach_tax_form(org.org_id, str(affiliate["id"]), PDF)
        first, second = [await _link(http, org, str(affiliate["id"])) for _ in range(2)]
        assert first != second  # each read hands out a link of its own
        assert await _use(first) == (200, PDF)
        async with aiohttp.ClientSession() as anonymous, anonymous.get(first) as response:
            await expect_error(response, 410, "signed_url_used")
        assert await _use(second) == (200, PDF)  # using one link leaves the other alone
        assert (await _use(second))[0] == 410


async def test_concurrent_uses_of_one_link_serve_the_file_exactly_once(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        affiliate = await _affiliate(http, org)
        await attach_tax_form(org.org_id, str(affiliate["id"]), PDF)
        for _ in range(3):  # a few rounds: the race is decided differently each time
            url = await _link(http, org, str(affiliate["id"]))
            uses = await asyncio.gather(*(_use(url) for _ in range(6)))
            assert sorted(status for status, _ in uses) == [200] + [410] * 5
            assert [body for status, body in uses if status == 200] == [PDF]


async def test_no_tax_form_404_and_tenant_isolation(stack: Stack) -> None:
    org, other = await new_org(), await new_org()
    async with client_from(stack.base_url) as http:
        affiliate = await _affiliate(http, org)
        async with http.get(_tax_form(str(affiliate["id"])), headers=org.auth) as response:
            await expect_error(response, 404, "tax_form_not_found")
        await attach_tax_form(org.org_id, str(affiliate["id"]), PDF)
        for affiliate_id in (str(affiliate["id"]), str(uuid.uuid4())):
            async with http.get(_tax_form(affiliate_id), headers=other.auth) as response:
                await expect_error(response, 404, "affiliate_not_found")
        async with http.get(_tax_form("nope"), headers=org.auth) as response:
            await expect_error(response, 404, "not_found")
        async with http.get(_tax_form(str(affiliate["id"]))) as response:
            await expect_error(response, 401, "unauthorized")
        assert await _reads(http, other, str(affiliate["id"]), 1) is None


async def test_attach_checks_org_and_content(stack: Stack) -> None:
    org, other = await new_org(), await new_org()
    async with client_from(stack.base_url) as http:
        affiliate = await _affiliate(http, org)
    for org_id, body, code in ((other.org_id, PDF, "affiliate_not_found"),
                               (org.org_id, b"", "validation_failed")):
        with pytest.raises(RekomiError) as caught:
            await attach_tax_form(org_id, str(affiliate["id"]), body)
        assert caught.value.code == code
    with pytest.raises(RekomiError) as caught:
        await ledger_call("tax_forms.attach", {
            "orgId": org.org_id, "affiliateId": affiliate["id"],
            "data": {"type": "W9", "contentBase64": "***"}})
    assert (caught.value.code, caught.value.field) == ("validation_failed", "contentBase64")
