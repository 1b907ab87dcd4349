"""``metrics.child``: the kept labelled series is the one ``labels`` returns, and what is
counted through it is what ``/metrics`` renders."""

from __future__ import annotations

import uuid

from libs.shared.metrics import HTTP_REQUESTS, HTTP_SECONDS, child, render


def test_child_is_the_labelled_series_and_counts_into_it() -> None:
    route = f"/test/{uuid.uuid4().hex}"
    counter = child(HTTP_REQUESTS, route, "POST", "200")
    assert counter is child(HTTP_REQUESTS, route, "POST", "200")
    assert counter is HTTP_REQUESTS.labels(route, "POST", "200")
    counter.inc()
    child(HTTP_REQUESTS, route, "POST", "200").inc(2)
    child(HTTP_SECONDS, route).observe(0.003)
    text = render()[0].decode()
    assert (f'rekomi_http_requests_total{{method="POST",route="{route}",status="200"}} 3.0'
            in text)
    assert f'rekomi_http_request_seconds_bucket{{le="0.005",route="{route}"}} 1.0' in text
    assert child(HTTP_REQUESTS, route, "POST", "404") is not counter
