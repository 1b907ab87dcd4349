"""The install assistant's choice (domain/install_paths.py): Stripe, then Paddle, else the
browser loader; each answer carries the text to paste and the other paths."""

from __future__ import annotations

from dataclasses import replace

from services.gateway.domain.install_paths import InstallFacts, recommend

LOADER = '<script async src="https://t.example/api/v1/r/loader.js"></script>'
FACTS = InstallFacts(base_url="https://t.example", org_handle="acme", home_currency="EUR",
                     stripe_connected=False, paddle_connected=False, loader_snippet=LOADER,
                     landing_url="https://acme.example")


def test_stripe_wins_and_needs_only_the_checkout_line() -> None:
    got = recommend(replace(FACTS, stripe_connected=True, paddle_connected=True))
    assert got.recommended == "stripe" and "client_reference_id: referral" in got.snippet
    assert {a.path for a in got.alternatives} == {"paddle", "coupon", "pixel", "s2s"}


def test_paddle_when_only_paddle_is_connected() -> None:
    got = recommend(replace(FACTS, paddle_connected=True))
    assert got.recommended == "paddle" and "customData" in got.snippet


def test_without_a_provider_the_loader_with_s2s_and_connect_curls() -> None:
    got = recommend(FACTS)
    assert (got.recommended, got.snippet) == ("pixel", LOADER)
    options = {a.path: a for a in got.alternatives}
    assert '"currency":"EUR"' in options["s2s"].snippet
    assert "/api/integrations/stripe/acme" in options["stripe"].when
    assert not any("landingUrl" in step for step in got.steps)


def test_missing_program_and_landing_url_come_first() -> None:
    got = recommend(replace(FACTS, loader_snippet=None, landing_url=None))
    assert got.snippet == "" and got.steps[0].startswith("Create a program")
    assert "landingUrl" in got.steps[1]
