"""The local dev issuer's signing key: one P-256 key (ES256), made at first use and kept under
``REKOMI_DEV_ISSUER_DIR`` (.run/dev-issuer, git-ignored, 0600), so tokens printed by
``rekomi admin dev-token`` keep working across restarts of ``make run``. Development only."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

KEY_FILE = "signing-key.pem"
ALGORITHM = "ES256"


def signing_key(folder: Path) -> ec.EllipticCurvePrivateKey:
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        # Written whole under another name first: two processes starting at once never read
        # half a key, and the loser of the race reads the winner's.
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(pem)
        temporary.chmod(0o600)
        if not path.exists():
            temporary.replace(path)
        else:
            temporary.unlink()
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC private key")
    return loaded


def public_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    jwk: dict[str, Any] = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid_of(key), "alg": ALGORITHM, "use": "sig"}


def kid_of(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return "dev-" + hashlib.sha256(der).hexdigest()[:16]


def sign(key: ec.EllipticCurvePrivateKey, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid_of(key)})
