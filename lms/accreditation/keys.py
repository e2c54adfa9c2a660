"""Ed25519 signing keys for issuing organisations.

A private key is only ever stored encrypted, with a key derived from the application's
SECRET_KEY; the public key is published as a JSON Web Key (RFC 8037) named by its RFC 7638
thumbprint, so a credential's `kid` says exactly which key signed it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_HKDF_SALT = b"alongside/accreditation"
_HKDF_INFO = b"organisation signing keys v1"


class SigningKeyError(Exception):
    """A key could not be read or unlocked; the message says why, plainly."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding, as JOSE uses it."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        # Unused low bits in the last character: one value, one spelling, so a changed
        # character can never leave a signature valid.
        raise ValueError("not canonical base64url")
    return data


def _fernet(secret_key: str) -> Fernet:
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        secret_key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(material))


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def encrypt_private_key(private_key: Ed25519PrivateKey, secret_key: str) -> str:
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return _fernet(secret_key).encrypt(raw).decode("ascii")


def decrypt_private_key(token: str, secret_key: str) -> Ed25519PrivateKey:
    try:
        raw = _fernet(secret_key).decrypt(token.encode("ascii"))
    except InvalidToken:
        raise SigningKeyError(
            "The organisation's signing key could not be unlocked. "
            "The server's SECRET_KEY may have changed since the key was made."
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def thumbprint(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of an Ed25519 public key."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(public_bytes(public_key))}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode("ascii")
    return b64url_encode(hashlib.sha256(canonical).digest())


def public_jwk(public_key: Ed25519PublicKey, kid: str) -> dict:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(public_bytes(public_key)),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    }


def public_key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise SigningKeyError("The key is not an Ed25519 public key.")
    if "d" in jwk:
        raise SigningKeyError("A published key must never contain its private part.")
    try:
        raw = b64url_decode(jwk.get("x", ""))
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise SigningKeyError("The public key is not valid.") from None
