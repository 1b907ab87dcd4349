"""Whether webhook endpoints may be plain http on loopback follows the environment: on in
development (`make run`, so a first webhook can reach a receiver on the developer's machine),
off everywhere else, and an explicit ``REKOMI_WEBHOOKS_ALLOW_LOOPBACK`` wins."""

from __future__ import annotations

import pytest

from libs.shared.settings import Settings
from services.webhooks.domain.addresses import check_url
from services.webhooks.domain.errors import UrlRefused

RECEIVER = "http://127.0.0.1:9000/hooks"


@pytest.fixture(autouse=True)
def _no_explicit_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REKOMI_WEBHOOKS_ALLOW_LOOPBACK", raising=False)


@pytest.mark.parametrize(("env", "allowed"), [("development", True), ("production", False),
                                              ("test", False), ("staging", False)])
def test_the_default_follows_the_environment(env: str, allowed: bool) -> None:
    assert Settings(env=env).webhooks_allow_loopback is allowed


def test_development_accepts_a_receiver_on_this_machine() -> None:
    allow = Settings(env="development").webhooks_allow_loopback
    assert check_url(RECEIVER, allow_loopback=allow).host == "127.0.0.1"


@pytest.mark.parametrize("url", [RECEIVER, "https://127.0.0.1/hooks", "http://localhost:9000/",
                                 "http://example.com/hooks"])
def test_production_refuses_loopback_and_plain_http(url: str) -> None:
    allow = Settings(env="production").webhooks_allow_loopback
    with pytest.raises(UrlRefused):
        check_url(url, allow_loopback=allow)


@pytest.mark.parametrize(("env", "value", "allowed"), [
    ("development", "false", False), ("production", "true", True), ("test", "1", True)])
def test_an_explicit_setting_wins(monkeypatch: pytest.MonkeyPatch, env: str, value: str,
                                  allowed: bool) -> None:
    monkeypatch.setenv("REKOMI_ENV", env)
    monkeypatch.setenv("REKOMI_WEBHOOKS_ALLOW_LOOPBACK", value)
    assert Settings().webhooks_allow_loopback is allowed
