"""Checking an Open Badges 3.0 credential: is it readable, signed by its issuer's key,
unchanged, in date, and not revoked?

Pure: the caller says which keys an issuer has and which status bits are set, so the same
checks serve the web page, the command line and the tests. Every problem is a plain sentence.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lms.accreditation import jose
from lms.accreditation.openbadges import OB_CREDENTIAL_TYPES, credential_from_payload
from lms.accreditation.statuslist import StatusListError, read_status_entry
from lms.accreditation.vc import (
    JWT_TYP,
    VC_CONTEXT,
    long_date,
    parse_datetime,
    token_from_envelope,
    types_of,
)

# Clocks differ a little; a credential dated a few minutes ahead is still accepted.
CLOCK_SKEW = timedelta(minutes=5)
ACCEPTED_TYP = {JWT_TYP, "JWT", "application/vc+jwt"}

# issuer id -> [(kid, public key), ...]; an empty list means the issuer is not known here.
KeysForIssuer = Callable[[str], Sequence[tuple[str, Ed25519PublicKey]]]
# (status list URL, index, purpose) -> is the bit set? Raises StatusListError if unknown.
StatusBit = Callable[[str, int, str], bool]


@dataclass
class Verdict:
    """The outcome of a check. `verified` only when there are no problems at all."""

    problems: list[str] = field(default_factory=list)
    credential: dict | None = None
    signature_checked: bool = False
    revoked: bool = False

    @property
    def verified(self) -> bool:
        return self.signature_checked and not self.problems

    def _subject(self) -> dict:
        subject = (self.credential or {}).get("credentialSubject")
        return subject if isinstance(subject, dict) else {}

    @property
    def issuer_name(self) -> str | None:
        issuer = (self.credential or {}).get("issuer")
        return issuer.get("name") if isinstance(issuer, dict) else None

    @property
    def achievement_name(self) -> str | None:
        achievement = self._subject().get("achievement")
        return achievement.get("name") if isinstance(achievement, dict) else None

    @property
    def recipient_name(self) -> str | None:
        for identifier in self._subject().get("identifier") or []:
            if isinstance(identifier, dict) and identifier.get("identityType") == "name":
                return identifier.get("identityHash")
        return None

    @property
    def valid_from(self) -> datetime | None:
        return parse_datetime((self.credential or {}).get("validFrom"))

    @property
    def credential_id(self) -> str | None:
        return (self.credential or {}).get("id")


def extract_token(submitted: str | bytes) -> str:
    """The compact VC-JWT in what someone pasted or uploaded: the token itself, or the JSON
    envelope Alongside offers for download (or any JSON object holding it under "jwt")."""
    if isinstance(submitted, bytes):
        try:
            submitted = submitted.decode("utf-8")
        except UnicodeDecodeError:
            raise jose.MalformedToken("This file is not a credential we can read.") from None
    text = submitted.strip().lstrip("\ufeff")
    if not text:
        raise jose.MalformedToken("Please paste a credential or choose a credential file.")
    if not text.startswith(("{", "[")):
        return text
    try:
        value = json.loads(text)
    except ValueError:
        raise jose.MalformedToken("This looks like JSON but cannot be read.") from None
    if not isinstance(value, dict):
        raise jose.MalformedToken("This JSON is not a credential.")
    token = token_from_envelope(value) or value.get("jwt")
    if isinstance(token, str):
        return token
    if "proof" in value or "credentialSubject" in value:
        raise jose.MalformedToken(
            "This copy of the credential carries no signature we can check. Please use the "
            "credential file downloaded from Alongside (it ends in .jwt or .json)."
        )
    raise jose.MalformedToken("This JSON is not a credential.")


def verify(
    submitted: str | bytes,
    *,
    keys_for_issuer: KeysForIssuer,
    status_bit: StatusBit,
    now: datetime,
) -> Verdict:
    verdict = Verdict()
    try:
        parsed = jose.parse(extract_token(submitted))
    except jose.MalformedToken as error:
        verdict.problems.append(str(error))
        return verdict
    if problem := _header_problem(parsed.header):
        verdict.problems.append(problem)
        return verdict
    credential = credential_from_payload(parsed.payload)
    verdict.credential = credential
    # Each of these makes the later checks meaningless, so only the first is reported.
    problem = _kind_problem(credential) or _signature_problem(parsed, credential, keys_for_issuer)
    if problem:
        verdict.problems.append(problem)
        return verdict
    verdict.signature_checked = True

    _check_dates(verdict, credential, now)
    _check_status(verdict, credential, status_bit)
    return verdict


def _header_problem(header: dict) -> str | None:
    if header.get("alg") != jose.ALGORITHM:
        return "It is signed with a method we do not accept (only EdDSA signatures are)."
    if header.get("typ", JWT_TYP) not in ACCEPTED_TYP:
        return "It is a signed document, but not a verifiable credential."
    return None


def _kind_problem(credential: dict) -> str | None:
    contexts = credential.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != VC_CONTEXT:
        return "It is not a W3C verifiable credential (version 2.0)."
    if not OB_CREDENTIAL_TYPES & set(types_of(credential)):
        return "It is a verifiable credential, but not an Open Badge."
    return None


def _signature_problem(
    parsed: jose.ParsedToken, credential: dict, keys_for_issuer: KeysForIssuer
) -> str | None:
    """Whether the credential is signed, unchanged, with a key of the issuer it names."""
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        return "It does not say who issued it."
    if parsed.payload.get("iss", issuer_id) != issuer_id:
        return "Its signature and its contents name different issuers."
    keys = list(keys_for_issuer(issuer_id))
    if not keys:
        return "It names an issuer this service does not know, so it cannot be checked here."
    issuer_name = (issuer.get("name") if isinstance(issuer, dict) else None) or "its issuer"
    key = next((public for kid, public in keys if kid == parsed.header.get("kid")), None)
    if key is None:
        return f"It was not signed with a key belonging to {issuer_name}, so it is not genuine."
    if not parsed.signature_valid(key):
        return (
            "The signature does not match the contents: the credential has been changed "
            "since it was issued, or it was not signed by its issuer."
        )
    return None


def _check_dates(verdict: Verdict, credential: dict, now: datetime) -> None:
    valid_from = parse_datetime(credential.get("validFrom"))
    if valid_from is None:
        verdict.problems.append("It has no valid date of issue.")
    elif valid_from > now + CLOCK_SKEW:
        verdict.problems.append(f"It is not valid until {long_date(valid_from)}.")
    if "validUntil" in credential:
        valid_until = parse_datetime(credential.get("validUntil"))
        if valid_until is None:
            verdict.problems.append("Its end date cannot be read.")
        elif valid_until < now - CLOCK_SKEW:
            verdict.problems.append(f"It expired on {long_date(valid_until)}.")


def _check_status(verdict: Verdict, credential: dict, status_bit: StatusBit) -> None:
    try:
        entry = read_status_entry(credential)
        if entry is None:
            return
        url, index, purpose = entry
        if status_bit(url, index, purpose):
            verdict.revoked = purpose == "revocation"
            verdict.problems.append(
                "It has been revoked by its issuer."
                if verdict.revoked
                else f"Its issuer has marked it ({purpose})."
            )
    except StatusListError as error:
        verdict.problems.append(f"Its revocation status cannot be checked: {error}")
