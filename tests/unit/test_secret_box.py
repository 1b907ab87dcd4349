"""The key ring that seals secrets at rest (libs/shared/secret_box.py): AES-256-GCM under the
first key, any key of the ring opens, a value opens only in its own cell, and every way a
value or a key setting can be wrong fails clearly."""

from __future__ import annotations

import base64
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from libs.shared.runtime import ServiceContext
from libs.shared.secret_box import (
    KeyRing,
    OpenedCache,
    SecretsKeyError,
    UnreadableSecret,
    key_ring_of,
    new_key_entry,
)
from libs.shared.settings import Settings
from services.gateway.entrypoints.http.app import create_app
from services.tracking.bootstrap import wire as tracking_wire
from services.webhooks.bootstrap import wire as webhooks_wire
from tests.common.env import NEW_TEST_KEY, OLD_TEST_KEY

SECRET = "rks_" + "A" * 40
CELL = "gateway.orgs.signing_secret:1f0e4b1c-0000-7000-8000-000000000001"
OLD = KeyRing.parse(OLD_TEST_KEY)
BOTH = KeyRing.parse(f"{NEW_TEST_KEY},{OLD_TEST_KEY}")


def test_sealed_under_the_first_key_and_opened_by_the_ring() -> None:
    stored = BOTH.seal(SECRET, CELL)
    assert stored.startswith("enc:v1:test2:") and SECRET not in stored
    assert SECRET.encode() not in base64.urlsafe_b64decode(stored.split(":", 3)[3])
    assert BOTH.open(stored, CELL) == SECRET
    assert BOTH.seal(SECRET, CELL) != stored  # a fresh nonce every time
    assert BOTH.is_current(stored) and not OLD.is_current(stored)


def test_every_key_of_the_ring_opens_and_reseal_moves_to_the_first() -> None:
    old = OLD.seal(SECRET, CELL)
    assert BOTH.open(old, CELL) == SECRET
    moved = BOTH.reseal(old, CELL)
    assert moved.startswith(BOTH.prefix()) and BOTH.open(moved, CELL) == SECRET
    # A value stored before encryption is sealed by reseal, never opened as it is.
    assert BOTH.open(BOTH.reseal(SECRET, CELL), CELL) == SECRET
    with pytest.raises(UnreadableSecret, match="not sealed"):
        BOTH.open(SECRET, CELL)


def test_an_unknown_key_id_fails_clearly() -> None:
    with pytest.raises(UnreadableSecret, match=r"key 'test2', which REKOMI_SECRETS_KEYS does "
                                               r"not hold \(test1\)"):
        OLD.open(BOTH.seal(SECRET, CELL), CELL)


def test_tampered_values_and_other_cells_do_not_open() -> None:
    stored = BOTH.seal(SECRET, CELL)
    head, body = stored.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    for index in (0, 12, len(raw) - 1):  # the nonce, the ciphertext, the tag
        flipped = bytearray(raw)
        flipped[index] ^= 1
        with pytest.raises(UnreadableSecret, match="does not open"):
            BOTH.open(f"{head}:{base64.urlsafe_b64encode(bytes(flipped)).decode()}", CELL)
    with pytest.raises(UnreadableSecret, match="does not open"):
        BOTH.open(stored[:-8], CELL)
    with pytest.raises(UnreadableSecret, match="does not open"):  # copied into another row
        BOTH.open(stored, CELL.replace("0001", "0002"))
    with pytest.raises(UnreadableSecret, match="does not open"):  # relabelled as another key
        BOTH.open(stored.replace("test2", "test1"), CELL)


@pytest.mark.parametrize(("text", "complaint"), [
    ("", "holds no key"),
    ("nokey", "is not 'kid:base64key'"),
    ("bad kid:" + NEW_TEST_KEY.split(":")[1], "is not 'kid:base64key'"),
    ("k1:not base64!", "is not base64"),
    ("k1:" + base64.b64encode(b"x" * 16).decode(), "has 16 bytes; AES-256 takes 32"),
    (f"{NEW_TEST_KEY},{NEW_TEST_KEY}", "appears twice"),
])
def test_malformed_settings_are_refused(text: str, complaint: str) -> None:
    with pytest.raises(SecretsKeyError, match=complaint):
        KeyRing.parse(text)


def test_standard_and_url_safe_base64_both_parse() -> None:
    key = bytes(range(200, 232))
    assert KeyRing.parse("a:" + base64.b64encode(key).decode()).primary == "a"
    assert KeyRing.parse("a:" + base64.urlsafe_b64encode(key).decode().rstrip("=")).primary
    entry = new_key_entry("k2026")
    assert KeyRing.parse(entry).key_ids == ("k2026",)


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    dev_file = tmp_path / "secrets-keys"
    with pytest.raises(SecretsKeyError, match="REKOMI_SECRETS_KEYS is required"):
        key_ring_of(Settings(env="production", secrets_keys="",
                             secrets_dev_key_file=str(dev_file)))
    assert not dev_file.exists()


def test_development_makes_a_key_once_and_keeps_it(tmp_path: Path) -> None:
    dev_file = tmp_path / "run" / "secrets-keys"
    settings = Settings(env="development", secrets_keys="", secrets_dev_key_file=str(dev_file))
    first = key_ring_of(settings)
    assert stat.S_IMODE(dev_file.stat().st_mode) == 0o600
    stored = first.seal(SECRET, CELL)
    assert key_ring_of(settings).open(stored, CELL) == SECRET
    assert list(dev_file.parent.iterdir()) == [dev_file]  # no temporary file left


def test_the_opened_cache_opens_each_value_once() -> None:
    opened: list[str] = []

    class Counting(KeyRing):
        def open(self, stored: str, context: str) -> str:
            opened.append(stored)
            return super().open(stored, context)

    ring = Counting(BOTH.primary, BOTH._ciphers)
    cache = OpenedCache(ring, limit=2)
    stored = ring.seal(SECRET, CELL)
    assert [cache.open(stored, CELL) for _ in range(3)] == [SECRET] * 3
    assert opened == [stored]
    with pytest.raises(UnreadableSecret):  # a failure is not remembered as a value
        cache.open(stored, CELL + "x")


def test_a_production_gateway_does_not_start_without_a_key() -> None:
    with pytest.raises(SecretsKeyError, match="REKOMI_SECRETS_KEYS is required"):
        create_app(Settings(env="production", secrets_keys=""))
    assert create_app(Settings(env="production", secrets_keys=NEW_TEST_KEY)) is not None


@pytest.mark.parametrize("wire", [webhooks_wire, tracking_wire], ids=["webhooks", "tracking"])
async def test_a_production_service_holding_secrets_does_not_start_without_a_key(
        wire: Callable[[ServiceContext], Awaitable[None]]) -> None:
    """The webhooks and tracking services keep sealed secrets too: their start-up refuses
    before it touches the database or the broker (neither is given here)."""
    settings = Settings(env="production", secrets_keys="")
    with pytest.raises(SecretsKeyError, match="REKOMI_SECRETS_KEYS is required"):
        await wire(ServiceContext("svc", settings, pool=None, bus=None))  # type: ignore[arg-type]
