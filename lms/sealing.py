"""Symmetric encryption for what the application must keep secret but read back (an
organisation's private key, a new API token waiting in the session cookie), with a key
derived from SECRET_KEY for each purpose, so no two uses share a key."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def fernet(secret_key: str, *, salt: bytes, purpose: bytes) -> Fernet:
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose).derive(
        secret_key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(material))
