"""Shared pieces of the W3C Verifiable Credentials Data Model 2.0."""

from __future__ import annotations

from datetime import UTC, date, datetime

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_TYPE = "VerifiableCredential"
ENVELOPED_TYPE = "EnvelopedVerifiableCredential"
JWT_MEDIA_TYPE = "application/vc+jwt"
JWT_TYP = "vc+jwt"


def iso_datetime(moment: datetime) -> str:
    """An XML Schema dateTime in UTC with a Z, to the second (`2026-05-01T09:30:00Z`)."""
    if moment.tzinfo is None:
        raise ValueError("credential dates must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def long_date(moment: date) -> str:
    """`1 May 2026`, the way dates are written on certificates and pages."""
    return f"{moment.day} {moment:%B %Y}"


def parse_datetime(text: object) -> datetime | None:
    """A credential date, or None when it is missing or not a date with a time zone."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


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
