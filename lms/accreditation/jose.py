"""Compact JSON Web Signatures with EdDSA (Ed25519), as VC-JOSE-COSE uses them.

Only what credentials need: sign a JSON payload, and take a compact token apart without
trusting any of it until the signature has been checked against a key the caller chose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lms.accreditation.keys import b64url_decode, b64url_encode

ALGORITHM = "EdDSA"
MAX_TOKEN_LENGTH = 512 * 1024


class MalformedToken(Exception):
    """The text is not a compact JWS we can read; the message says why, plainly."""


@dataclass(frozen=True)
class ParsedToken:
    header: dict
    payload: dict
    signing_input: bytes
    signature: bytes

    def signature_valid(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(self.signature, self.signing_input)
        except InvalidSignature:
            return False
        return True


def _json_bytes(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(payload: dict, private_key: Ed25519PrivateKey, header: dict) -> str:
    """A compact JWS of `payload`; `header` adds to (never replaces) the algorithm."""
    protected = {**header, "alg": ALGORITHM}
    signing_input = f"{b64url_encode(_json_bytes(protected))}.{b64url_encode(_json_bytes(payload))}"
    signature = private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def _decode_json(part: str, what: str) -> dict:
    try:
        value = json.loads(b64url_decode(part).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise MalformedToken(f"The credential's {what} cannot be read.") from None
    if not isinstance(value, dict):
        raise MalformedToken(f"The credential's {what} cannot be read.")
    return value


def parse(token: str) -> ParsedToken:
    """Split and decode a compact JWS. Nothing in it is trusted yet."""
    if not isinstance(token, str):
        raise MalformedToken("This is not a signed credential.")
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken("This is too large to be a credential.")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise MalformedToken("This is not a signed credential (it should have three parts).")
    header = _decode_json(parts[0], "header")
    payload = _decode_json(parts[1], "contents")
    try:
        signature = b64url_decode(parts[2])
    except ValueError:
        raise MalformedToken("The credential's signature cannot be read.") from None
    if "crit" in header:
        raise MalformedToken("The credential uses signing extensions we do not support.")
    return ParsedToken(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)
