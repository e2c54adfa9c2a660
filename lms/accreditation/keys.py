"""Signing keys of issuing organisations: made, kept encrypted, and published as JWKs.

New keys are RSA and sign with RS256: Open Badges 3.0 (section 8.2, "Create the JOSE Header")
names RS256 as the algorithm every issuer and verifier supports at the least, and the 1EdTech
conformance verifier accepts RS256 or ES256 for a VC-JWT, never EdDSA. Keys made before are
Ed25519 (EdDSA); they stay published, so that credentials signed with them still verify, and
they are no longer used to sign.

A private key is only ever stored encrypted (Fernet, with a key derived from the application's
SECRET_KEY by HKDF). A public key is published as a JSON Web Key named by its RFC 7638
thumbprint. The JOSE work itself is done by joserfc.
"""

from __future__ import annotations

import base64
import re

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey, RSAKey

from lms.sealing import fernet

RS256 = "RS256"
EDDSA = "EdDSA"
# What new credentials and status lists are signed with.
SIGNING_ALGORITHM = RS256
# NIST SP 800-57 counts 2048-bit RSA as sound until 2030, and credentials live longer than
# that: new keys are 3072 bits unless SIGNING_KEY_BITS says otherwise. RS256 needs 2048.
RSA_KEY_BITS = 3072
MINIMUM_RSA_BITS = 2048
# Members of a JWK that belong to a private key (RFC 7518, sections 6.3.2 and 6.2.2; RFC 8037).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

SigningKey = RSAKey | OKPKey

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_HKDF_SALT = b"alongside/accreditation"
_HKDF_INFO = b"organisation signing keys v1"
_ED25519_RAW_LENGTH = 32


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
    return fernet(secret_key, salt=_HKDF_SALT, purpose=_HKDF_INFO)


def generate_private_key(bits: int = RSA_KEY_BITS) -> RSAKey:
    """A new RSA key for RS256."""
    if bits < MINIMUM_RSA_BITS or bits % 8:
        raise SigningKeyError("RSA signing keys have 2048 bits or more, in whole bytes.")
    return RSAKey.generate_key(bits, private=True)


def algorithm_of(key: SigningKey) -> str:
    """The one JWS algorithm a key may be used with: its type decides, never a token."""
    if isinstance(key, RSAKey):
        return RS256
    if isinstance(key, OKPKey) and key.curve_name == "Ed25519":
        return EDDSA
    raise SigningKeyError("The key is neither an RSA key nor an Ed25519 key.")


def encrypt_private_key(private_key: SigningKey, secret_key: str) -> str:
    """The private key as PKCS #8, encrypted for storage."""
    der = private_key.as_der(private=True)
    return _fernet(secret_key).encrypt(der).decode("ascii")


def decrypt_private_key(token: str, secret_key: str) -> SigningKey:
    try:
        raw = _fernet(secret_key).decrypt(token.encode("ascii"))
    except InvalidToken:
        raise SigningKeyError(
            "The organisation's signing key could not be unlocked. "
            "The server's SECRET_KEY may have changed since the key was made."
        ) from None
    if len(raw) == _ED25519_RAW_LENGTH:
        # Ed25519 keys were stored as their 32 raw bytes.
        return OKPKey.import_key(Ed25519PrivateKey.from_private_bytes(raw))
    # Fernet has authenticated these bytes and the key was made here: checking the RSA
    # key's consistency again would cost tens of milliseconds on each load.
    private = serialization.load_der_private_key(
        raw, password=None, unsafe_skip_rsa_key_validation=True
    )
    if isinstance(private, Ed25519PrivateKey):
        return OKPKey.import_key(private)
    return RSAKey.import_key(private)


def thumbprint(key: SigningKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of the key's public members."""
    return key.thumbprint()


def public_jwk(key: SigningKey, kid: str) -> dict:
    """The public half as a JWK: only the public members, its `kid`, `alg` and `use`."""
    members = {
        name: value
        for name, value in key.as_dict(private=False).items()
        if name in {"kty", "crv", "x", "n", "e"}
    }
    return {**members, "kid": kid, "alg": algorithm_of(key), "use": "sig"}


def public_key_from_jwk(jwk: dict) -> SigningKey:
    """A published key as a joserfc key; anything but an RSA (2048 bits or more) or an
    Ed25519 public key is refused."""
    if not isinstance(jwk, dict):
        raise SigningKeyError("The key is not a JSON Web Key.")
    if PRIVATE_MEMBERS & set(jwk):
        raise SigningKeyError("A published key must never contain its private part.")
    members = {name: jwk.get(name) for name in ("kty", "crv", "x", "n", "e") if name in jwk}
    try:
        if members.get("kty") == "RSA":
            modulus = int.from_bytes(b64url_decode(members.get("n", "")), "big")
            if modulus.bit_length() < MINIMUM_RSA_BITS:
                raise SigningKeyError("The RSA key is shorter than 2048 bits.")
            return RSAKey.import_key(members)
        if members.get("kty") == "OKP" and members.get("crv") == "Ed25519":
            b64url_decode(members.get("x", ""))
            return OKPKey.import_key(members)
    except (JoseError, ValueError, TypeError):
        raise SigningKeyError("The public key is not valid.") from None
    raise SigningKeyError("The key is neither an RSA key nor an Ed25519 public key.")
