"""Logs are one JSON object per line, carrying the service and the current request id."""

from __future__ import annotations

import json
import logging

from libs.shared.logging import JsonFormatter, request_id_var


def test_log_line_is_json_with_request_id_and_extras() -> None:
    token = request_id_var.set("req-123")
    try:
        record = logging.makeLogRecord({"name": "t", "levelno": logging.INFO,
                                        "levelname": "INFO", "msg": "hello %s",
                                        "args": ("world",), "queue": "q1"})
        line = JsonFormatter("ledger").format(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["msg"] == "hello world"
    assert (entry["service"], entry["requestId"], entry["queue"]) == ("ledger", "req-123", "q1")
    assert entry["level"] == "info"


def test_unserializable_extras_still_log() -> None:
    record = logging.makeLogRecord({"msg": "x", "levelname": "INFO", "thing": object()})
    assert "x" in JsonFormatter("gateway").format(record)
