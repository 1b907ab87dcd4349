"""Payout details shown back to an affiliate: enough to recognise each, never the whole value,
however short it is."""

from __future__ import annotations

import pytest

from services.ledger.payables.domain.masking import mask_digits, mask_email, mask_stripe


@pytest.mark.parametrize(("given", "shown"), [
    ("acct_1AbCdEfGh12", "acct_****Gh12"),
    ("acct_1234", "acct_****34"),
    ("acct_123", "acct_****3"),
    ("acct_1", "acct_****"),
])
def test_a_stripe_account_keeps_its_prefix_and_at_most_half_its_tail(given: str,
                                                                       shown: str) -> None:
    assert mask_stripe(given) == shown


@pytest.mark.parametrize(("given", "shown"), [
    ("pat.smith@example.com", "p***@example.com"),
    ("p@example.com", "***@example.com"),
    ("a@b@example.com", "a***@example.com"),
])
def test_an_email_keeps_its_domain_and_first_letter(given: str, shown: str) -> None:
    assert mask_email(given) == shown


@pytest.mark.parametrize(("given", "shown"), [
    ("12345678", "****5678"), ("123456", "****456"), ("12", "****2"), ("7", "****"),
])
def test_a_recipient_id_shows_at_most_four_digits(given: str, shown: str) -> None:
    assert mask_digits(given) == shown
