"""``attributionMethod``: /openapi.json, the field's description and the README list exactly the
values the services write (``AttributionMethod``, ``ATTRIBUTION_METHODS``), and a reply with any
other value is refused, so a new value cannot reach a client undocumented."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from libs.contracts.attribution_methods import ATTRIBUTION_METHODS, AttributionMethod
from libs.contracts.conversions import ConversionResponse
from services.gateway.entrypoints.http.openapi import build_openapi
from services.gateway.entrypoints.http.routes import ROUTES
from services.ledger.click_rewards.domain.model import CPC_METHOD
from services.ledger.conversions.domain.imports import ATTRIBUTION_METHOD as IMPORT_METHOD
from services.ledger.conversions.domain.model import OVERRIDE_METHOD

README = Path(__file__).resolve().parents[2] / "README.md"
CODE_VALUES: set[str | None] = {m.value for m in AttributionMethod} | {None}


def _documented_values(document: dict[str, Any]) -> set[str | None]:
    schemas = document["components"]["schemas"]
    field = schemas["ConversionResponse"]["properties"]["attributionMethod"]
    values: set[str | None] = set()
    for branch in field["anyOf"]:
        if branch.get("type") == "null":
            values.add(None)
        else:
            values |= set(schemas[branch["$ref"].rsplit("/", 1)[1]]["enum"])
    return values


def test_openapi_lists_every_value_the_code_writes() -> None:
    document = build_openapi(ROUTES)
    assert _documented_values(document) == CODE_VALUES
    assert set(ATTRIBUTION_METHODS) == set(AttributionMethod) | {None}
    description = document["components"]["schemas"]["ConversionResponse"]["properties"][
        "attributionMethod"]["description"]
    for value in CODE_VALUES:
        assert f"`{'null' if value is None else value}`" in description


def test_the_services_write_members_of_the_set() -> None:
    assert {OVERRIDE_METHOD, CPC_METHOD, IMPORT_METHOD} <= set(AttributionMethod)


def test_a_reply_with_another_value_is_refused() -> None:
    row: dict[str, Any] = {
        "id": uuid.uuid4(), "affiliateId": uuid.uuid4(), "programId": uuid.uuid4(),
        "amountCents": 100, "currency": "USD", "commissionCents": 20, "status": "Pending",
        "type": "OneTime", "stripeSubscriptionId": None, "stripeCustomerId": None,
        "externalEventId": None, "createdAt": datetime.now(UTC), "refundedAt": None,
        "couponCode": None}
    for value in CODE_VALUES:
        ConversionResponse.model_validate({**row, "attributionMethod": value})
    with pytest.raises(ValidationError):
        ConversionResponse.model_validate({**row, "attributionMethod": "cookie"})


def test_the_readme_table_lists_every_value() -> None:
    section = README.read_text().split("### A conversion's `attributionMethod`", 1)[1]
    section = section.split("\n### ", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)
    assert set(rows) == {"null" if v is None else v for v in CODE_VALUES}
