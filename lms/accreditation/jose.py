"""Compact JSON Web Signatures for credentials, made and checked by joserfc.

Two algorithms are accepted, each bound to one key type: RS256 with RSA keys (what is signed
now) and EdDSA with Ed25519 keys (what credentials issued earlier carry). The algorithm used to
check a signature comes from the key the caller chose, never from the token alone, so `none`,
HS256 keyed with a public key, or an algorithm swapped in the header can never pass.

Reading a token and trusting it are separate steps: `parse` says what a token claims, in plain
words when it cannot be read; `ParsedToken.signature_valid` checks it against a key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jws import CompactSignature, JWSRegistry

from lms.accreditation.keys import (
    EDDSA,
    RS256,
    SigningKey,
    SigningKeyError,
    algorithm_of,
    b64url_decode,
)
from lms.i18n import _

ACCEPTED_ALGORITHMS = frozenset({RS256, EDDSA})
MAX_TOKEN_LENGTH = 512 * 1024


class _Registry(JWSRegistry):
    # RFC 9864 deprecates the name "EdDSA" in favour of "Ed25519", the same signature with
    # the curve fixed; joserfc warns on the old name. Credentials already issued carry
    # "EdDSA", so that name is checked with joserfc's Ed25519 algorithm, which also insists
    # on an Ed25519 key.
    algorithms = {**JWSRegistry.algorithms, EDDSA: JWSRegistry.algorithms["Ed25519"]}
    max_payload_length = MAX_TOKEN_LENGTH


def _registry(algorithm: str) -> JWSRegistry:
    return _Registry(algorithms=[algorithm])


class MalformedToken(Exception):
    """The text is not a compact JWS we can read; the message says why, plainly."""


@dataclass(frozen=True)
class ParsedToken:
    header: dict
    payload: dict
    _compact: CompactSignature = field(repr=False)

    def signature_valid(self, public_key: SigningKey) -> bool:
        """Whether the token was signed by `public_key`, with the key's own algorithm."""
        try:
            algorithm = algorithm_of(public_key)
        except SigningKeyError:
            return False
        if self.header.get("alg") != algorithm:
            return False
        try:
            return jws.validate_compact(self._compact, public_key, registry=_registry(algorithm))
        except JoseError:
            return False


def _json_bytes(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(payload: dict, private_key: SigningKey, header: dict) -> str:
    """A compact JWS of `payload`. The algorithm is the key's; `header` adds the rest."""
    algorithm = algorithm_of(private_key)
    protected = {"alg": algorithm, **{k: v for k, v in header.items() if k != "alg"}}
    return jws.serialize_compact(
        protected, _json_bytes(payload), private_key, registry=_registry(algorithm)
    )


def _decode_json(part: str, unreadable: str) -> dict:
    try:
        value = json.loads(b64url_decode(part).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise MalformedToken(unreadable) from None
    if not isinstance(value, dict):
        raise MalformedToken(unreadable)
    return value


def parse(token: str) -> ParsedToken:
    """Split and decode a compact JWS. Nothing in it is trusted yet."""
    if not isinstance(token, str):
        raise MalformedToken(_("This is not a signed credential."))
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken(_("This is too large to be a credential."))
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise MalformedToken(_("This is not a signed credential (it should have three parts)."))
    # joserfc reads base64url leniently; here each part must have its one canonical spelling,
    # and a part that is not JSON gets a plain answer rather than a library error.
    header = _decode_json(parts[0], _("The credential's header cannot be read."))
    payload = _decode_json(parts[1], _("The credential's contents cannot be read."))
    try:
        b64url_decode(parts[2])
    except ValueError:
        raise MalformedToken(_("The credential's signature cannot be read.")) from None
    if "crit" in header:
        raise MalformedToken(_("The credential uses signing extensions we do not support."))
    try:
        compact = jws.extract_compact(token.encode("ascii"), registry=_Registry())
    except (JoseError, ValueError):
        raise MalformedToken(_("This is not a signed credential we can read.")) from None
    return ParsedToken(header, payload, compact)
