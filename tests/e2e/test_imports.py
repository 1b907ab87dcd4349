"""POST /api/v1/affiliates/import over HTTP against the real stack: the MigrationJob answer,
dedupe and idempotency, status mapping, slugs, stored-but-hidden paypalEmail, events, audit."""

from __future__ import annotations

import time
import uuid
from typing import Any

import aiohttp

from tests.common.affiliate_imports import (
    AFFILIATES,
    all_affiliates,
    imported,
    job_row,
    ledger_fetch,
    published,
    rows,
)
from tests.common.api import audit_page, create_program
from tests.common.events import EventRecorder
from tests.common.orgs import Org, new_org
from tests.common.waiting import eventually


async def test_reference_example_answers_a_completed_job(http: aiohttp.ClientSession,
                                                         org: Org) -> None:
    program = await create_program(http, org)
    slug = f"alex-{uuid.uuid4().hex[:8]}"
    job = await imported(http, org, program["id"], [
        {"email": "alex@example.com", "fullName": "Alex Smith", "status": "approved",
         "paypalEmail": "alex@example.com", "slug": slug},
        {"email": "jordan@example.com", "fullName": "Jordan Lee"},
    ], includeStatuses=["approved", "pending"], notifyAffiliates=False,
        notificationMessageHtml=None)
    uuid.UUID(job.pop("jobId"))
    assert job == {"status": "Completed", "kind": "Affiliates", "total": 2, "imported": 2,
                   "skipped": 0, "errored": 0, "reasons": {}}
    people = {a["email"]: a for a in await all_affiliates(http, org, program["id"])}
    assert set(people) == {"alex@example.com", "jordan@example.com"}
    alex = people["alex@example.com"]
    assert (alex["status"], alex["source"], alex["fullName"]) == ("Approved", "Direct",
                                                                  "Alex Smith")
    assert alex["approvedAt"] is not None
    assert [(link["slug"], link["isDefault"]) for link in alex["links"]] == [(slug, True)]
    [jordan_link] = people["jordan@example.com"]["links"]
    assert jordan_link["slug"].startswith("jordan-lee-") and jordan_link["isDefault"]
    for person in people.values():  # paypalEmail is stored, never returned
        assert "paypalEmail" not in person
        async with http.get(f"{AFFILIATES}/{person['id']}", headers=org.auth) as response:
            assert "paypalEmail" not in await response.json()
    stored = await ledger_fetch("SELECT email, paypal_email, import_job_id FROM "
                                "ledger.affiliates WHERE org_id = $1", uuid.UUID(org.org_id))
    assert {(r["email"], r["paypal_email"]) for r in stored} == {
        ("alex@example.com", "alex@example.com"), ("jordan@example.com", None)}


async def test_rerunning_the_same_file_imports_nothing_twice(http: aiohttp.ClientSession,
                                                             org: Org) -> None:
    program = await create_program(http, org)
    batch = rows(30)
    batch.append({"email": batch[3]["email"].upper()})  # a within-batch duplicate, other case
    first = await imported(http, org, program["id"], batch)
    assert (first["imported"], first["skipped"], first["reasons"]) == (
        30, 1, {"duplicate_in_batch": 1})
    before = await all_affiliates(http, org, program["id"])
    second = await imported(http, org, program["id"], batch)
    assert (second["total"], second["imported"], second["skipped"], second["errored"]) == (
        31, 0, 31, 0)
    assert second["reasons"] == {"already_exists": 30, "duplicate_in_batch": 1}
    assert second["jobId"] != first["jobId"]
    assert await all_affiliates(http, org, program["id"]) == before
    assert (await job_row(second["jobId"]))["imported"] == 0


async def test_status_mapping_reasons_and_include_statuses(http: aiohttp.ClientSession,
                                                           org: Org) -> None:
    program = await create_program(http, org)
    domain = f"{uuid.uuid4().hex[:6]}.example.com"
    batch: list[dict[str, Any]] = [
        {"email": f"a@{domain}"}, {"email": f"b@{domain}", "status": "PENDING"},
        {"email": f"c@{domain}", "status": "Paused"},
        {"email": f"d@{domain}", "status": "??"},
        {"email": f"e@{domain}", "status": "banned"},
        {"email": f"f@{domain}", "status": "rejected"},
        {"fullName": "nobody"}, {"email": ""}, {"email": "not an email"},
        {"email": f"g@{domain}", "paypalEmail": "nope"},
    ]
    job = await imported(http, org, program["id"], batch,
                         includeStatuses=["approved", "pending", "PAUSED"])
    assert job["reasons"] == {"status_excluded": 2, "missing_email": 2, "invalid_email": 1,
                              "invalid_paypal_email": 1}
    assert (job["total"], job["imported"], job["skipped"], job["errored"]) == (10, 4, 2, 4)
    statuses = {a["email"].split("@")[0]: a["status"]
                for a in await all_affiliates(http, org, program["id"])}
    assert statuses == {"a": "Approved", "b": "Pending", "c": "Paused", "d": "Pending"}


async def test_slugs_kept_when_valid_and_free_else_fresh(http: aiohttp.ClientSession, org: Org,
                                                         other_org: Org) -> None:
    program = await create_program(http, org)
    other_program = await create_program(http, other_org)
    taken = f"taken-{uuid.uuid4().hex[:8]}"
    await imported(http, other_org, other_program["id"], [{"email": "x@example.com",
                                                           "slug": taken}])
    keep = f"keep-{uuid.uuid4().hex[:8]}"
    batch = [{"email": f"{name}@example.com", "fullName": name, "slug": slug} for name, slug in
             [("keep", keep), ("taken", taken), ("invalid", "Not A Slug"),
              ("reserved", "admin"), ("twice", keep)]]
    await imported(http, org, program["id"], batch)
    slugs = {a["fullName"]: a["links"][0]["slug"]
             for a in await all_affiliates(http, org, program["id"])}
    assert slugs["keep"] == keep
    for name in ("taken", "invalid", "reserved", "twice"):
        assert slugs[name].startswith(f"{name}-") and slugs[name] not in (keep, taken), slugs
    assert len(set(slugs.values())) == 5


async def test_events_one_per_row_and_one_audit_row(
        http: aiohttp.ClientSession, org: Org, published_events: EventRecorder) -> None:
    program = await create_program(http, org)
    batch = rows(6) + rows(4, status="pending")
    job = await imported(http, org, program["id"], batch, notifyAffiliates=True)
    assert job["imported"] == 10
    assert await published(published_events, org, "affiliate.created", 10) == 10
    assert await published(published_events, org, "affiliate.approved", 6) == 6

    async def audit_rows() -> list[dict[str, Any]] | None:
        page = await audit_page(http, org, action="affiliates.imported")
        return page["items"] or None

    [row] = await eventually(audit_rows, timeout=30.0, what="the import's audit row")
    assert (row["entityType"], row["entityId"]) == ("migration_job", job["jobId"])
    assert (await audit_page(http, org, entityType="affiliate"))["total"] == 0
    stored = await job_row(job["jobId"])
    assert (stored["notify_requested"], stored["notify_allowed"],
            stored["notifications_sent"]) == (True, True, 0)


async def test_notify_is_recorded_but_not_allowed_below_growth(http: aiohttp.ClientSession
                                                               ) -> None:
    starter = await new_org(plan="Starter", status="Active")
    program = await create_program(http, starter)
    job = await imported(http, starter, program["id"], rows(2), notifyAffiliates=True)
    assert job["imported"] == 2  # the import still succeeds
    stored = await job_row(job["jobId"])
    assert (stored["notify_requested"], stored["notify_allowed"]) == (True, False)


async def test_a_1000_row_import_is_fast(http: aiohttp.ClientSession, org: Org,
                                         published_events: EventRecorder) -> None:
    program = await create_program(http, org)
    started = time.perf_counter()
    job = await imported(http, org, program["id"], rows(1000, status="approved"))
    elapsed = time.perf_counter() - started
    assert job["imported"] == 1000
    # The 1 s target is measured by `make bench` on a quiet machine; this guards regressions
    # (a per-row round trip would take several seconds) while tolerating a busy test machine.
    assert elapsed < 3.0, elapsed
    assert len(await all_affiliates(http, org, program["id"])) == 1000
    assert await published(published_events, org, "affiliate.created", 1000) == 1000
