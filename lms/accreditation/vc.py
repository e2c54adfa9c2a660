"""Shared pieces of the W3C Verifiable Credentials Data Model 2.0, and securing a credential as
a JWT (VC-JOSE-COSE, section 3.1.1): the payload is the credential itself, with the registered
claims that repeat what it says so that any JWT library can read them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lms.accreditation import jose
from lms.accreditation.keys import SigningKey
from lms.i18n import format_date

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_TYPE = "VerifiableCredential"
ENVELOPED_TYPE = "EnvelopedVerifiableCredential"
JWT_MEDIA_TYPE = "application/vc+jwt"
# VC-JOSE-COSE: "The typ header parameter SHOULD be vc+jwt"; `cty`, when present, "vc".
JWT_TYP = "vc+jwt"
REGISTERED_CLAIMS = frozenset({"iss", "sub", "jti", "nbf", "exp", "iat"})


def iso_datetime(moment: datetime) -> str:
    """An XML Schema dateTime in UTC with a Z, to the second (`2026-05-01T09:30:00Z`)."""
    if moment.tzinfo is None:
        raise ValueError("credential dates must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def long_date(moment: date) -> str:
    """`1 May 2026` (`1 de maig del 2026`...): a day in the reader's language, a moment on her
    calendar (lms.i18n), the way dates are written on certificates and pages."""
    return format_date(moment, "long")


def parse_datetime(text: object) -> datetime | None:
    """A credential date, or None when it is missing or not a date with a time zone."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def numeric_date(moment: datetime) -> int:
    """A JWT NumericDate: whole seconds since the epoch."""
    return int(moment.timestamp())


def jwt_claims(credential: dict) -> dict:
    """The registered claims for a credential: `iss` its issuer, `jti` its id, `nbf` and `exp`
    its validity, `sub` its subject's id when the subject has one.

    No `iat`: the data model has no property it would repeat, and a verifier whose clock runs a
    moment behind ours would refuse a credential "issued in the future"."""
    issuer = credential.get("issuer")
    claims: dict = {"iss": issuer.get("id") if isinstance(issuer, dict) else issuer}
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and subject.get("id"):
        claims["sub"] = subject["id"]
    claims["jti"] = credential["id"]
    valid_from = parse_datetime(credential.get("validFrom"))
    if valid_from is None:
        raise ValueError("a credential to be signed needs a validFrom date")
    claims["nbf"] = numeric_date(valid_from)
    valid_until = parse_datetime(credential.get("validUntil"))
    if valid_until is not None:
        claims["exp"] = numeric_date(valid_until)
    return claims


def secure(credential: dict, private_key: SigningKey, kid: str, typ: str = JWT_TYP) -> str:
    """`credential` as a compact JWS: the credential and its registered claims as the payload,
    `alg` (the key's), `kid` and `typ` in the header, and nothing else there."""
    payload = {**credential, **jwt_claims(credential)}
    return jose.sign(payload, private_key, {"kid": kid, "typ": typ})


def credential_from_payload(payload: dict) -> dict:
    """The credential inside a JWT payload, without the registered claims."""
    return {key: value for key, value in payload.items() if key not in REGISTERED_CLAIMS}


def types_of(value: dict) -> list[str]:
    kinds = value.get("type", []) if isinstance(value, dict) else []
    return [kinds] if isinstance(kinds, str) else [k for k in kinds if isinstance(k, str)]


def enveloped(token: str) -> dict:
    """The JSON form of a JOSE-secured credential (VCDM 2.0, EnvelopedVerifiableCredential)."""
    return {
        "@context": VC_CONTEXT,
        "id": f"data:{JWT_MEDIA_TYPE},{token}",
        "type": ENVELOPED_TYPE,
    }


def token_from_envelope(envelope: dict) -> str | None:
    if ENVELOPED_TYPE not in types_of(envelope):
        return None
    identifier = envelope.get("id")
    prefix = f"data:{JWT_MEDIA_TYPE},"
    if isinstance(identifier, str) and identifier.startswith(prefix):
        return identifier[len(prefix) :]
    return None
