"""Prometheus metrics defined once; every service exposes them on ``/metrics``."""

from __future__ import annotations

import functools
from typing import TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

Metric = TypeVar("Metric", Counter, Gauge, Histogram)

HTTP_REQUESTS = Counter("rekomi_http_requests_total", "HTTP requests answered",
                        ["route", "method", "status"])
HTTP_SECONDS = Histogram("rekomi_http_request_seconds", "HTTP request latency", ["route"],
                         buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5))
BUS_MESSAGES = Counter("rekomi_bus_messages_total", "Bus messages handled", ["queue", "outcome"])
RPC_SECONDS = Histogram("rekomi_rpc_seconds", "Request/reply round trips", ["method"],
                        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 5))
RPC_MESSAGE_ROUND_TRIP = Gauge(
    "rekomi_rpc_message_round_trip_seconds",
    "Moving average from sending a request message to its reply, per service called",
    ["service"])
OUTBOX_RELAYED = Counter("rekomi_outbox_relayed_total", "Outbox events confirmed by the broker",
                         ["schema"])
OUTBOX_BACKLOG = Gauge("rekomi_outbox_backlog", "Outbox events not yet relayed", ["schema"])
PERIODIC_JOB_FAILURES = Counter("rekomi_periodic_job_failures_total",
                                "Rounds of a periodic job that raised", ["job"])


@functools.lru_cache(maxsize=4096)
def child(metric: Metric, *values: str) -> Metric:
    """``metric.labels(*values)``, kept: ``labels`` re-checks and locks on every call, and the
    hot paths (each HTTP request, each RPC call) took 2-3 us a metric there, several times a
    sale. Bounded, since a method name comes from the client (the series grow as much)."""
    return metric.labels(*values)


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
