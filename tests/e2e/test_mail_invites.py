"""Invite e-mail through the outbox, the ledger's consumer and paced worker, over SMTP to the
local catcher: content, tokens, and at most one message per second per org."""

from __future__ import annotations

import itertools
import time

import aiohttp

from services.ledger.invites.adapters.mail_catcher import MailCatcher
from tests.common.api import create_program
from tests.common.invites_api import (
    INVITES,
    accept,
    bulk,
    email,
    invite,
    mail_to,
    public_client,
    token_in_mail,
    token_of,
)
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org
from tests.common.stack import Stack

# Arrival jitter allowed around the 1 s pacing (the slot is taken in PostgreSQL just before
# the SMTP conversation starts).
JITTER = 0.1


async def test_mail_has_sanitized_note_merge_tags_and_the_accept_url(
        http: aiohttp.ClientSession, org: Org, mail_catcher: MailCatcher) -> None:
    program = await create_program(http, org, defaultCommissionType="Fixed",
                                   defaultCommissionValue=40)
    to = email()
    created = await invite(http, org, program["id"], email=to, fullName="Dana <i>X</i>",
                           personalNoteHtml='<p style="x">Hey {{affiliate.firstName}}: '
                                            '{{program.commission}} from {{brand.name}}'
                                            '<script>bad()</script></p>')
    [caught] = await mail_to(mail_catcher, to)
    body = caught.body("html")
    assert "<p>Hey Dana: 40.00 USD from Brand " + org.handle + "</p>" in body
    assert "script" not in body and "bad()" not in body and "style" not in body
    assert created["acceptUrl"] in body
    assert token_in_mail(caught) == token_of(created["acceptUrl"])
    assert caught.header("Subject") == f"Brand {org.handle} invites you to join {program['name']}"
    assert caught.header("X-Rekomi-Invite-Id") == created["invite"]["id"]


async def test_bulk_mail_is_paced_per_org_and_other_orgs_are_not_delayed(
        http: aiohttp.ClientSession, org: Org, other_org: Org, mail_catcher: MailCatcher,
        stack: Stack) -> None:
    program = await create_program(http, org)
    other_program = await create_program(http, other_org)
    recipients = [email() for _ in range(5)]
    await bulk(http, org, {"programId": program["id"], "emails": recipients})
    started = time.monotonic()
    solo = email()
    await invite(http, other_org, other_program["id"], email=solo)
    arrivals = sorted([(await mail_to(mail_catcher, to))[0].received_at for to in recipients])
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert min(gaps) >= 1.0 - JITTER, gaps
    [other] = mail_catcher.messages(solo)
    assert other.received_at - started < 1.5  # not queued behind the bulk org's 4+ seconds
    assert other.received_at < arrivals[-1]
    async with public_client(stack.base_url) as anon:  # a bulk invite accepts from its e-mail
        response = await accept(anon, token_in_mail(mail_catcher.messages(recipients[0])[0]))
        assert response.status == 200, await response.json()


async def test_resend_mails_a_new_token(http: aiohttp.ClientSession, org: Org,
                                        mail_catcher: MailCatcher, stack: Stack,
                                        issuer: TestIssuer) -> None:
    program = await create_program(http, org)
    to = email()
    created = await invite(http, org, program["id"], email=to)
    [first] = await mail_to(mail_catcher, to)
    async with http.post(f"{INVITES}/{created['invite']['id']}/resend",
                         headers=issuer.operator_auth(org.org_id, "Manager")) as r:
        resent = await r.json()
    second = (await mail_to(mail_catcher, to, count=2))[1]
    assert token_in_mail(second) == token_of(resent["acceptUrl"]) != token_in_mail(first)
    async with public_client(stack.base_url) as anon:
        assert (await accept(anon, token_in_mail(first))).status == 404
        assert (await accept(anon, token_in_mail(second))).status == 200
