"""Prometheus metrics defined once; every service exposes them on ``/metrics``."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

HTTP_REQUESTS = Counter("rekomi_http_requests_total", "HTTP requests answered",
                        ["route", "method", "status"])
HTTP_SECONDS = Histogram("rekomi_http_request_seconds", "HTTP request latency", ["route"],
                         buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5))
BUS_MESSAGES = Counter("rekomi_bus_messages_total", "Bus messages handled", ["queue", "outcome"])
RPC_SECONDS = Histogram("rekomi_rpc_seconds", "Request/reply round trips", ["method"],
                        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 5))
OUTBOX_RELAYED = Counter("rekomi_outbox_relayed_total", "Outbox events confirmed by the broker",
                         ["schema"])
OUTBOX_BACKLOG = Gauge("rekomi_outbox_backlog", "Outbox events not yet relayed", ["schema"])


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
