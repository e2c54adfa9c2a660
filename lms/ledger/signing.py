"""Signing and checking entry hashes. An organisation's entries are signed with the
organisation's own key (lms.accreditation, RS256); events of no organisation, and every
chain's head, with keys of the site itself, derived from its SECRET_KEY (HS256)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from joserfc.jws import JWSRegistry
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation
from lms.accreditation import issuing, jose, keys
from lms.accreditation.models import OrganisationSigningKey

HS256 = "HS256"
_HS_REGISTRY = JWSRegistry(algorithms=[HS256])


@dataclass(frozen=True)
class Signer:
    kid: str
    key: object
    symmetric: bool = False

    def sign(self, entry_hash: str) -> str:
        if self.symmetric:
            header = {"alg": HS256, "kid": self.kid}
            return jws.serialize_compact(
                header, entry_hash.encode("ascii"), self.key, registry=_HS_REGISTRY
            )
        return jose.sign({"ledger": entry_hash}, self.key, {"kid": self.kid})


@lru_cache(maxsize=8)
def platform_key(secret_key: str) -> tuple[str, OctKey]:
    # Derived once a process: every sign-in's audit entry is signed with it.
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"alongside/ledger", info=b"platform v1"
    ).derive(secret_key.encode("utf-8"))
    kid = "platform:" + hashlib.sha256(raw).hexdigest()[:16]
    return kid, OctKey.import_key(base64.urlsafe_b64encode(raw).rstrip(b"=").decode())


@lru_cache(maxsize=256)
def head_signer(secret_key: str, scope: int) -> Signer:
    """The signer of a chain's head (its length and last hash), a key of the site's own for
    each scope, derived from SECRET_KEY.

    The head is never shown to anyone: only the application's own checks read it (`verify`,
    and the public page's check of an organisation's revocations), where the secret is.
    Against someone who can write to the database without the secret, a keyed hash guards it
    as the organisation's RSA key would (that key is itself kept encrypted under the secret),
    at a small fraction of the cost on every write. The entries themselves stay signed with
    the organisation's key, so each record can be checked with its public key alone."""
    raw = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"alongside/ledger",
        info=f"chain head v1 {scope}".encode(),
    ).derive(secret_key.encode("utf-8"))
    kid = f"head:{scope}:" + hashlib.sha256(raw).hexdigest()[:16]
    key = OctKey.import_key(base64.urlsafe_b64encode(raw).rstrip(b"=").decode())
    return Signer(kid, key, symmetric=True)


def kid_of(token: str | None) -> str:
    """The key a signature names in its header (unchecked: the key is then checked)."""
    try:
        header = json.loads(base64.urlsafe_b64decode((token or "").split(".")[0] + "=="))
    except (ValueError, IndexError):
        return ""
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else ""


def signer_for(session: Session, scope: int, secret_key: str, context) -> Signer:
    """The signer of a chain. `context()` gives the issuing context, asked for only when the
    organisation has no key yet (making one needs the site's public address)."""
    if scope == 0:
        kid, key = platform_key(secret_key)
        return Signer(kid, key, symmetric=True)
    active = session.execute(
        select(OrganisationSigningKey.kid, OrganisationSigningKey.private_key_encrypted).where(
            OrganisationSigningKey.organisation_id == scope,
            OrganisationSigningKey.retired_at.is_(None),
            OrganisationSigningKey.algorithm == keys.SIGNING_ALGORITHM,
        )
    ).first()
    if active is not None:
        return Signer(active.kid, _unlocked(active.private_key_encrypted, secret_key))
    organisation = session.get(Organisation, scope)
    stored, private = issuing.signing_key(session, organisation, context())
    return Signer(stored.kid, private)


@lru_cache(maxsize=64)
def _unlocked(encrypted: str, secret_key: str) -> keys.SigningKey:
    """A stored key, decrypted once per process (signing happens on every commit)."""
    return keys.decrypt_private_key(encrypted, secret_key)


def signature_problem(token: str, entry_hash: str, kid: str, public: object | None) -> str | None:
    """What is wrong with the signature of an entry (None when it holds). `public` is the
    key named by `kid` (an OctKey for the site's own key), None when no such key is known."""
    if public is None:
        return f"signed with an unknown key ({kid})"
    if isinstance(public, OctKey):
        try:
            compact = jws.deserialize_compact(token, public, registry=_HS_REGISTRY)
        except (JoseError, ValueError):
            return "bad signature"
        ok = compact.headers().get("kid") == kid and compact.payload == entry_hash.encode()
        return None if ok else "bad signature"
    try:
        parsed = jose.parse(token)
    except jose.MalformedToken:
        return "bad signature"
    if parsed.header.get("kid") != kid or parsed.payload.get("ledger") != entry_hash:
        return "bad signature"
    return None if parsed.signature_valid(public) else "bad signature"


def public_key(jwk: dict) -> object | None:
    try:
        return keys.public_key_from_jwk(jwk)
    except keys.SigningKeyError:
        return None
