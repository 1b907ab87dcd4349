"""``trusted_json`` writes what the model's own dump writes, for the fields and values tracking
gives it, and refuses a call that names an unknown field or leaves a required one out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from asyncpg.pgproto import pgproto

from libs.contracts.attributed import AcceptedRefund, AcceptedSale
from libs.contracts.common import trusted_json
from libs.shared import jsonutil
from libs.shared.ids import new_id


def _sale_values(**changes: object) -> dict[str, object]:
    values: dict[str, object] = dict(
        org_id=new_id(), conversion_id=new_id(), external_event_id="evt_1",
        affiliate_id=new_id(), program_id=new_id(), amount_cents=9900, currency="EUR",
        customer_id="cus_1", customer_email="buyer@example.com", subscription_id=None,
        attribution_method="email_match", payout_grace_days=30,
        occurred_at=datetime(2026, 11, 26, 18, 0, 0, 123456, tzinfo=UTC))
    values.update(changes)
    return values


@pytest.mark.parametrize("changes", [
    {},
    {"customer_id": None, "customer_email": None, "attribution_method": None},
    {"subscription_id": "sub_9", "occurred_at": datetime(2026, 1, 1, tzinfo=UTC)},
    # ids read from the database are asyncpg's UUID subclass
    {"affiliate_id": pgproto.UUID(str(uuid.uuid4()))},
])
def test_the_json_is_the_models_dump_byte_for_byte(changes: dict[str, object]) -> None:
    values = _sale_values(**changes)
    expected = jsonutil.dumps_str(
        AcceptedSale(**values).model_dump(mode="json", by_alias=True))  # type: ignore[arg-type]
    assert trusted_json(AcceptedSale, **values) == expected


def test_a_refund_is_its_models_dump_byte_for_byte() -> None:
    values: dict[str, object] = dict(
        org_id=pgproto.UUID(str(uuid.uuid4())), external_event_id="evt_2",
        sale_external_event_id="evt_1", occurred_at=datetime(2026, 11, 26, tzinfo=UTC))
    expected = jsonutil.dumps_str(
        AcceptedRefund(**values).model_dump(mode="json", by_alias=True))  # type: ignore[arg-type]
    assert trusted_json(AcceptedRefund, **values) == expected


def test_optional_fields_left_out_take_their_defaults() -> None:
    values = _sale_values()
    for name in ("customer_id", "customer_email", "subscription_id", "attribution_method"):
        del values[name]
    body = jsonutil.loads(trusted_json(AcceptedSale, **values))
    assert AcceptedSale.model_validate(body).customer_email is None
    assert body["subscriptionId"] is None and "attributionMethod" in body


def test_an_unknown_or_missing_field_is_refused() -> None:
    with pytest.raises(KeyError):
        trusted_json(AcceptedSale, **_sale_values(amountCents=1))
    values = _sale_values()
    del values["amount_cents"]
    with pytest.raises(TypeError, match="amountCents"):
        trusted_json(AcceptedSale, **values)
