"""The signature check of ``rekomi dev receive-webhooks``, against what the dispatcher signs."""

from __future__ import annotations

from services.webhooks.domain import signing
from services.webhooks.entrypoints.receive_cli import verify

BODY = b'{"id":"evt_1","type":"affiliate.created","data":{}}'
T = 1_800_000_000


def test_a_delivery_signed_with_the_secret_verifies() -> None:
    secret = signing.new_secret()
    assert verify(signing.signature_header([secret], T, BODY), BODY, secret, now=T + 10)


def test_either_secret_verifies_during_a_rotation() -> None:
    new, old = signing.new_secret(), signing.new_secret()
    header = signing.signature_header([new, old], T, BODY)
    assert verify(header, BODY, new, now=T) and verify(header, BODY, old, now=T)


def test_another_secret_a_changed_body_or_an_old_stamp_fail() -> None:
    secret = signing.new_secret()
    header = signing.signature_header([secret], T, BODY)
    assert not verify(header, BODY, signing.new_secret(), now=T)
    assert not verify(header, BODY + b" ", secret, now=T)
    assert not verify(header, BODY, secret, now=T + 301)
    assert not verify(header, BODY, secret, now=T - 301)


def test_malformed_headers_fail() -> None:
    secret = signing.new_secret()
    good = signing.signature(secret, T, BODY)
    for header in ("", "v1=" + good, f"t={T}", f"t=x,v1={good}", f"t={T},t={T},v1={good}",
                   f"t={T},v1", "garbage"):
        assert not verify(header, BODY, secret, now=T), header
