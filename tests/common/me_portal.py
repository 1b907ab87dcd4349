"""The affiliate portal over HTTP as the end-to-end tests drive it: one person who is an
affiliate of two orgs (the same e-mail in each), another affiliate beside them in the first
org, and a recruit of each in that org's program, where sub-affiliate recruiting is on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.common.affiliates_api import create_affiliate
from tests.common.api import create_program
from tests.common.orgs import Org
from tests.common.s2s import Seller

ME = "/api/v1/me"


class Member(Seller):
    """One affiliate row: its org, program and the affiliate as the brand's API shows it."""

    @property
    def id(self) -> str:
        return str(self.affiliate["id"])

    @property
    def email(self) -> str:
        return str(self.affiliate["email"])


@dataclass(frozen=True)
class Portal:
    a: Member  # pat in org A, whose program recruits (10%)
    b: Member  # pat in org B, whose program does not
    sam: Member  # someone else in org A's program
    recruits: dict[str, str]  # recruiter id -> its recruit's id (org A)


def unique_email(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:8]}@example.com"


async def apply(http: aiohttp.ClientSession, program_id: str, recruiter_id: str) -> str:
    """A recruit applying through the recruiter's link (auto-approved): its affiliate id."""
    async with http.post(f"/api/p/id/{program_id}/apply", json={
            "email": unique_email("recruit"), "fullName": "Recruited Person",
            "recruitedByAffiliateId": recruiter_id}) as response:
        body = await response.json()
        assert response.status == 200, body
    return str(body["affiliateId"])


async def portal(http: aiohttp.ClientSession, org_a: Org, org_b: Org) -> Portal:
    pat = unique_email("pat")
    program_a = await create_program(http, org_a, autoApprove=True)
    async with http.put(f"/api/v1/programs/{program_a['id']}/sub-affiliate-config",
                        json={"enabled": True, "percent": 10}, headers=org_a.auth) as r:
        assert r.status == 200, await r.text()
    program_b = await create_program(http, org_b, autoApprove=True)
    a = Member(org_a, program_a, await create_affiliate(http, org_a, program_a["id"],
                                                        email=pat))
    b = Member(org_b, program_b, await create_affiliate(http, org_b, program_b["id"],
                                                        email=pat.upper()))
    sam = Member(org_a, program_a, await create_affiliate(
        http, org_a, program_a["id"], email=unique_email("sam")))
    recruits = {m.id: await apply(http, program_a["id"], m.id) for m in (a, sam)}
    return Portal(a, b, sam, recruits)


async def me_call(http: aiohttp.ClientSession, headers: dict[str, str], path: str, *,
                  method: str = "GET", body: Any = None, expect: int = 200, **params: str
                  ) -> Any:
    """One portal call that must answer ``expect``: its JSON, or its text (a CSV)."""
    async with http.request(method, path, json=body, params=params,
                            headers=headers) as response:
        answer = await (response.json() if response.content_type == "application/json"
                        else response.text())
        assert response.status == expect, (method, path, response.status, answer)
    return answer
