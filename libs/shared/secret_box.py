"""Secrets we must read back (S2S signing secrets, webhook endpoint secrets) are stored sealed
with AES-256-GCM (``cryptography``) under a key ring from the settings.

``REKOMI_SECRETS_KEYS="kid2:<base64 32 bytes>,kid1:<base64 32 bytes>"``: the first key seals,
every key opens, so during a rotation rows sealed under the old key keep working while they are
re-sealed. A stored value names its key: ``enc:v1:<kid>:<base64url(nonce | ciphertext)>``.
The associated data binds a value to its column and row (``context``), so a sealed value copied
into another row or column does not open. Values without the envelope (rows written before
encryption) never open; only ``reseal`` takes them, to seal them.

In development with no key configured, a key is made at first use and kept in
``REKOMI_SECRETS_DEV_KEY_FILE`` (.run/secrets-keys, git-ignored, 0600); any other environment
refuses to start without ``REKOMI_SECRETS_KEYS``."""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from libs.shared.errors import RekomiError
from libs.shared.settings import Settings, get_settings

ENVELOPE = "enc:v1:"
KEY_BYTES = 32
_NONCE = 12
_KID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class SecretsKeyError(RekomiError, ValueError):
    """The key setting is missing or malformed: a service refuses to start (the admin command
    prints the message)."""

    code = "secrets_key_invalid"


class UnreadableSecret(RekomiError):
    """A stored value that does not open: tampered, sealed for another row, under a key the
    ring does not hold, or never sealed. An error with a code, so a rotation that meets one
    (over the bus too) reports it instead of failing blind."""

    code = "secrets_key_unavailable"


@dataclass(frozen=True)
class KeyRing:
    primary: str
    _ciphers: dict[str, AESGCM]

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        ciphers: dict[str, AESGCM] = {}
        for entry in (e.strip() for e in text.split(",") if e.strip()):
            kid, sep, encoded = entry.partition(":")
            if not sep or not _KID.fullmatch(kid):
                raise SecretsKeyError(f"REKOMI_SECRETS_KEYS: {kid!r} is not 'kid:base64key' "
                                      "(a key id of 1-32 letters, digits, '-' or '_')")
            if kid in ciphers:
                raise SecretsKeyError(f"REKOMI_SECRETS_KEYS: key id {kid!r} appears twice")
            ciphers[kid] = AESGCM(_decode_key(kid, encoded))
        if not ciphers:
            raise SecretsKeyError("REKOMI_SECRETS_KEYS holds no key")
        return cls(next(iter(ciphers)), ciphers)

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def prefix(self, kid: str | None = None) -> str:
        """What every value sealed under ``kid`` (default: the primary) starts with."""
        return f"{ENVELOPE}{kid or self.primary}:"

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._ciphers[self.primary].encrypt(
            nonce, plaintext.encode(), _aad(self.primary, context))
        return self.prefix() + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, stored: str, context: str) -> str:
        if not stored.startswith(ENVELOPE):
            raise UnreadableSecret(f"{context}: the stored value is not sealed")
        kid, sep, body = stored[len(ENVELOPE):].partition(":")
        cipher = self._ciphers.get(kid)
        if not sep or cipher is None:
            raise UnreadableSecret(f"{context}: sealed under key {kid!r}, which "
                                   f"REKOMI_SECRETS_KEYS does not hold ({', '.join(self.key_ids)})")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            return cipher.decrypt(raw[:_NONCE], raw[_NONCE:], _aad(kid, context)).decode()
        except (InvalidTag, ValueError, binascii.Error):
            raise UnreadableSecret(f"{context}: the sealed value does not open under key "
                                   f"{kid!r} (tampered, or sealed for another row)") from None

    def reseal(self, stored: str, context: str) -> str:
        """``stored`` sealed under the primary key: a value under an older key is opened
        first; a value without the envelope (written before encryption) is taken as the
        plaintext. The migration step and the key rotation only."""
        plaintext = self.open(stored, context) if stored.startswith(ENVELOPE) else stored
        return self.seal(plaintext, context)

    def is_current(self, stored: str) -> bool:
        return stored.startswith(self.prefix())


class OpenedCache:
    """Opened values by their stored form, so a hot path opens each sealed value once. A
    stored value is unique (random nonce) and bound to its cell, so the key is exact; a value
    re-sealed or rotated is a new key, and the old entry simply stops being asked for."""

    def __init__(self, ring: KeyRing, limit: int = 10_000) -> None:
        self.ring, self.limit = ring, limit
        self._opened: dict[tuple[str, str], str] = {}

    def open(self, stored: str, context: str) -> str:
        key = (stored, context)
        found = self._opened.get(key)
        if found is None:
            found = self.ring.open(stored, context)
            if len(self._opened) >= self.limit:
                self._opened.clear()
            self._opened[key] = found
        return found


def _aad(kid: str, context: str) -> bytes:
    return f"{kid}|{context}".encode()


def _decode_key(kid: str, encoded: str) -> bytes:
    text = encoded.strip().replace("-", "+").replace("_", "/")
    try:
        key = binascii.a2b_base64(text + "=" * (-len(text) % 4), strict_mode=True)
    except binascii.Error:
        raise SecretsKeyError(f"REKOMI_SECRETS_KEYS: key {kid!r} is not base64") from None
    if len(key) != KEY_BYTES:
        raise SecretsKeyError(f"REKOMI_SECRETS_KEYS: key {kid!r} has {len(key)} bytes; "
                              f"AES-256 takes {KEY_BYTES}")
    return key


def new_key_entry(kid: str | None = None) -> str:
    """A fresh ``kid:base64key`` entry for REKOMI_SECRETS_KEYS."""
    kid = kid or f"k{secrets.token_hex(4)}"
    if not _KID.fullmatch(kid):
        raise SecretsKeyError(f"{kid!r} is not a key id (1-32 letters, digits, '-' or '_')")
    return f"{kid}:{base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()}"


def dev_key_entries(path: Path) -> str:
    """The development key ring's text, made at first use. Written whole under another name
    and linked into place: of two processes starting at once, the loser reads the winner's."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(new_key_entry("dev1") + "\n")
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def key_ring_of(settings: Settings) -> KeyRing:
    configured = settings.secrets_keys.get_secret_value().strip()
    if configured:
        return KeyRing.parse(configured)
    if settings.env == "development":
        return KeyRing.parse(dev_key_entries(Path(settings.secrets_dev_key_file)))
    raise SecretsKeyError(f"REKOMI_SECRETS_KEYS is required when REKOMI_ENV is {settings.env!r}"
                          " (make one with `rekomi admin new-secrets-key`)")


@lru_cache(maxsize=1)
def get_key_ring() -> KeyRing:
    """The process's key ring, from its settings (read once, like the settings)."""
    return key_ring_of(get_settings())
