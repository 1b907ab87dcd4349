"""A delivery of one event to one endpoint, and what each attempt's outcome does to it."""

from __future__ import annotations

import dataclasses
import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from libs.contracts.webhooks import DeliveryResponse, DeliveryStatus
from libs.shared import jsonutil
from libs.shared.timestamps import wire_timestamp
from services.webhooks.domain.schedule import retry_delay

OPEN = (DeliveryStatus.Pending, DeliveryStatus.Retrying)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    org_id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    body: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_response_body: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got back: a status code and body, or an error (timeout, refused...)."""

    status_code: int | None
    error: str | None
    response_body: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def event_body(event_id: uuid.UUID, event_type: str, created_at: datetime,
               data: dict[str, Any]) -> str:
    """The JSON body every attempt sends, fixed at fan-out so retries are byte-identical.
    ``data`` is a reply shape already written as JSON; the event's own moment is written here
    (the bus keeps it to the microsecond)."""
    return jsonutil.dumps_str({"id": str(event_id), "type": event_type,
                               "createdAt": wire_timestamp(created_at), "data": data})


def new_delivery(*, delivery_id: str, org_id: uuid.UUID, endpoint_id: uuid.UUID,
                 event_id: uuid.UUID, event_type: str, body: str, now: datetime) -> Delivery:
    return Delivery(id=delivery_id, org_id=org_id, endpoint_id=endpoint_id, event_id=event_id,
                    event_type=event_type, body=body, status=DeliveryStatus.Pending, attempts=0,
                    last_status_code=None, last_error=None, last_response_body=None,
                    next_attempt_at=now, created_at=now, delivered_at=None)


@dataclass(frozen=True, slots=True)
class Settled:
    """What one attempt makes of a delivery: the fields recording it writes."""

    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_response_body: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


def settle(attempts_before: int, delivered_at: datetime | None, outcome: Outcome, *,
           now: datetime, scale: float = 1.0, rand: random.Random | None = None) -> Settled:
    """The delivery's state once ``outcome`` is recorded: succeeded, scheduled again, or
    failed for good (schedule spent, or the endpoint is gone)."""
    attempts = attempts_before + 1
    if outcome.succeeded:
        status, next_at, delivered_at = DeliveryStatus.Succeeded, None, now
    else:
        delay = None if outcome.gone else retry_delay(attempts, scale=scale, rand=rand)
        status = DeliveryStatus.Failed if delay is None else DeliveryStatus.Retrying
        next_at = None if delay is None else now + delay
    return Settled(status=status, attempts=attempts, last_status_code=outcome.status_code,
                   last_error=outcome.error, last_response_body=outcome.response_body,
                   next_attempt_at=next_at, delivered_at=delivered_at)


def after_attempt(delivery: Delivery, outcome: Outcome, *, now: datetime, scale: float = 1.0,
                  rand: random.Random | None = None) -> Delivery:
    """The delivery once ``outcome`` is recorded (see ``settle``)."""
    settled = settle(delivery.attempts, delivery.delivered_at, outcome, now=now, scale=scale,
                     rand=rand)
    return dataclasses.replace(delivery, **{f.name: getattr(settled, f.name)
                                            for f in dataclasses.fields(Settled)})


def resend(delivery: Delivery, *, now: datetime) -> Delivery:
    """Another attempt of the same delivery (same id), due now, whatever its status."""
    return dataclasses.replace(delivery, status=DeliveryStatus.Pending, next_attempt_at=now)


@dataclass(frozen=True, slots=True)
class Recorded:
    """A delivery's state once an attempt is recorded: what the recorder's callers need,
    without reading the body back (it is most of the row's bytes)."""

    id: str
    endpoint_id: uuid.UUID
    status: DeliveryStatus
    next_attempt_at: datetime | None


def to_response(delivery: Delivery) -> DeliveryResponse:
    return DeliveryResponse(
        id=delivery.id, webhook_id=delivery.endpoint_id, event_id=delivery.event_id,
        event_type=delivery.event_type, status=delivery.status, attempts=delivery.attempts,
        last_status_code=delivery.last_status_code, last_error=delivery.last_error,
        last_response_body=delivery.last_response_body,
        next_attempt_at=delivery.next_attempt_at, created_at=delivery.created_at,
        delivered_at=delivery.delivered_at)
