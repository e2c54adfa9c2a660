"""Checking an Open Badges 3.0 credential: is it readable, signed by its issuer's key,
unchanged, in date, and not revoked (by a status list that is itself signed by the issuer)?

Pure: the caller says which keys an issuer has and hands over signed status lists, so the same
checks serve the web page, the command line and the tests. Every problem is a plain sentence.
The checks follow the Open Badges 3.0 specification, section 8.2.4 ("Verify a Credential"),
and the Bitstring Status List validation algorithm.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lms.accreditation import jose
from lms.accreditation.keys import EDDSA, SigningKey
from lms.accreditation.openbadges import OB_CREDENTIAL_TYPES
from lms.accreditation.statuslist import (
    CREDENTIAL_TYPE,
    StatusListError,
    bitstring_from_credential,
    read_status_entry,
)
from lms.accreditation.vc import (
    JWT_MEDIA_TYPE,
    JWT_TYP,
    VC_CONTEXT,
    credential_from_payload,
    numeric_date,
    parse_datetime,
    token_from_envelope,
    types_of,
)
from lms.i18n import _, format_date

# Clocks differ a little; a credential dated a few minutes ahead is still accepted.
CLOCK_SKEW = timedelta(minutes=5)
# "JWT" is what Open Badges 3.0 asks of a badge; vc+jwt what VC-JOSE-COSE suggests, what status
# lists carry and what badges issued before RS256 carry; no `typ` at all is allowed by both.
ACCEPTED_TYP = frozenset({"JWT", JWT_TYP, JWT_MEDIA_TYPE})
# Credentials signed before RS256 (with EdDSA) were issued without `nbf`.
CLAIMS_REQUIRED = ("iss", "jti", "nbf")
CLAIMS_REQUIRED_BEFORE_RS256 = ("iss", "jti")

# issuer id -> [(kid, public key), ...]; an empty list means the issuer is not known here.
KeysForIssuer = Callable[[str], Sequence[tuple[str, SigningKey]]]
# status list URL -> the signed BitstringStatusListCredential (a compact JWS).
# Raises StatusListError when there is no such list.
StatusListFetcher = Callable[[str], str]


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
            raise jose.MalformedToken(_("This file is not a credential we can read.")) from None
    text = submitted.strip().lstrip("\ufeff")
    if not text:
        raise jose.MalformedToken(_("Please paste a credential or choose a credential file."))
    if not text.startswith(("{", "[")):
        return text
    try:
        value = json.loads(text)
    except ValueError:
        raise jose.MalformedToken(_("This looks like JSON but cannot be read.")) from None
    if not isinstance(value, dict):
        raise jose.MalformedToken(_("This JSON is not a credential."))
    token = token_from_envelope(value) or value.get("jwt")
    if isinstance(token, str):
        return token
    if "proof" in value or "credentialSubject" in value:
        raise jose.MalformedToken(
            _(
                "This copy of the credential carries no signature we can check. Please use the "
                "credential file downloaded from Alongside (it ends in .jwt or .json)."
            )
        )
    raise jose.MalformedToken(_("This JSON is not a credential."))


def verify(
    submitted: str | bytes,
    *,
    keys_for_issuer: KeysForIssuer,
    status_list: StatusListFetcher,
    now: datetime,
) -> Verdict:
    verdict = Verdict()
    try:
        token = extract_token(submitted)
    except jose.MalformedToken as error:
        verdict.problems.append(str(error))
        return verdict
    credential, problem = _signed_document(
        token, keys_for_issuer, noun="It", kinds=OB_CREDENTIAL_TYPES
    )
    if problem:
        verdict.problems.append(problem)
        return verdict
    verdict.credential = credential
    verdict.signature_checked = True

    _check_dates(verdict, credential, now)
    _check_status(verdict, credential, keys_for_issuer, status_list, now)
    return verdict


def _signed_document(
    token: str, keys_for_issuer: KeysForIssuer, *, noun: str, kinds: frozenset[str]
) -> tuple[dict, None] | tuple[None, str]:
    """(the credential, None) when a compact JWS reads as header, kind, signature and claims
    without a problem, else (None, the first problem). `noun` names it in the sentences ("It",
    "The status list"); `kinds` are the credential types it may be."""
    try:
        parsed = jose.parse(token)
    except jose.MalformedToken as error:
        return None, str(error)
    if problem := _header_problem(parsed.header, noun):
        return None, problem
    credential = credential_from_payload(parsed.payload)
    # Each of these makes the later checks meaningless, so only the first is reported.
    problem = (
        _kind_problem(credential, noun, kinds)
        or _signature_problem(parsed, credential, keys_for_issuer, noun)
        or _claims_problem(parsed.payload, credential, noun)
    )
    if problem:
        return None, problem
    return credential, None


def _said(noun: str, of_it: str, of_status_list: str) -> str:
    """The sentence about the credential itself ("It ...") or about its status list: each a
    whole sentence, so that every language can write it its own way."""
    return of_it if noun == "It" else of_status_list


def _header_problem(header: dict, noun: str) -> str | None:
    if header.get("alg") not in jose.ACCEPTED_ALGORITHMS:
        return _said(
            noun,
            _("It is signed with a method we do not accept (only RS256 and EdDSA signatures are)."),
            _(
                "The status list is signed with a method we do not accept (only RS256 and "
                "EdDSA signatures are)."
            ),
        )
    if "typ" in header and header["typ"] not in ACCEPTED_TYP:
        return _said(
            noun,
            _("It is a signed document, but not a verifiable credential."),
            _("The status list is a signed document, but not a verifiable credential."),
        )
    return None


def _kind_problem(credential: dict, noun: str, kinds: frozenset[str]) -> str | None:
    contexts = credential.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != VC_CONTEXT:
        return _said(
            noun,
            _("It is not a W3C verifiable credential (version 2.0)."),
            _("The status list is not a W3C verifiable credential (version 2.0)."),
        )
    if not kinds & set(types_of(credential)):
        return _said(
            noun,
            _("It is a verifiable credential, but not an Open Badge."),
            _("The status list is a verifiable credential of another kind."),
        )
    return None


def _signature_problem(
    parsed: jose.ParsedToken, credential: dict, keys_for_issuer: KeysForIssuer, noun: str
) -> str | None:
    """Whether it is signed, unchanged, with a key of the issuer it names (the key's own
    algorithm, never the header's, decides how the signature is checked)."""
    payload = parsed.payload
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        return _said(
            noun,
            _("It does not say who issued it."),
            _("The status list does not say who issued it."),
        )
    required = CLAIMS_REQUIRED_BEFORE_RS256 if parsed.header["alg"] == EDDSA else CLAIMS_REQUIRED
    if missing := [claim for claim in required if claim not in payload]:
        return _said(
            noun,
            _(
                "It lacks the signed claims a verifiable credential carries (%(claims)s).",
                claims=", ".join(missing),
            ),
            _(
                "The status list lacks the signed claims a verifiable credential carries "
                "(%(claims)s).",
                claims=", ".join(missing),
            ),
        )
    if payload["iss"] != issuer_id:
        return _said(
            noun,
            _("It names different issuers in its signature and its contents."),
            _("The status list names different issuers in its signature and its contents."),
        )
    keys = list(keys_for_issuer(issuer_id))
    if not keys:
        return _said(
            noun,
            _("It names an issuer this service does not know, so it cannot be checked here."),
            _(
                "The status list names an issuer this service does not know, so it cannot be "
                "checked here."
            ),
        )
    return _key_problem(parsed, issuer, keys, noun)


def _key_problem(parsed: jose.ParsedToken, issuer, keys, noun: str) -> str | None:
    issuer_name = issuer.get("name") if isinstance(issuer, dict) else None
    key = next((public for kid, public in keys if kid == parsed.header.get("kid")), None)
    if key is None:
        if issuer_name:
            return _said(
                noun,
                _(
                    "It was not signed with a key belonging to %(issuer)s, so it is not genuine.",
                    issuer=issuer_name,
                ),
                _(
                    "The status list was not signed with a key belonging to %(issuer)s, so it "
                    "is not genuine.",
                    issuer=issuer_name,
                ),
            )
        return _said(
            noun,
            _("It was not signed with a key belonging to its issuer, so it is not genuine."),
            _(
                "The status list was not signed with a key belonging to its issuer, so it is "
                "not genuine."
            ),
        )
    if not parsed.signature_valid(key):
        if noun == "It":
            return _(
                "The signature does not match the contents: the credential has been changed "
                "since it was issued, or it was not signed by its issuer."
            )
        if issuer_name:
            return _(
                "The status list has been changed since it was signed, or was not signed by "
                "%(issuer)s.",
                issuer=issuer_name,
            )
        return _(
            "The status list has been changed since it was signed, or was not signed by its issuer."
        )
    return None


def _claims_problem(payload: dict, credential: dict, noun: str) -> str | None:
    """The registered claims must say what the credential says (Open Badges 3.0, 8.2.4.1)."""
    if payload["jti"] != credential.get("id"):
        return _said(
            noun,
            _("It has an identifier in its signature that differs from its own."),
            _("The status list has an identifier in its signature that differs from its own."),
        )
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if payload.get("sub") != subject_id:
        return _said(
            noun,
            _("It names different holders in its signature and its contents."),
            _("The status list names different holders in its signature and its contents."),
        )
    for claim, name in (("nbf", "validFrom"), ("exp", "validUntil")):
        if claim not in payload:
            continue
        moment = parse_datetime(credential.get(name))
        value = payload[claim]
        if (
            moment is None
            or not isinstance(value, int)
            or isinstance(value, bool)
            or value != numeric_date(moment)
        ):
            return _said(
                noun,
                _("It has dates in its signature that differ from its own."),
                _("The status list has dates in its signature that differ from its own."),
            )
    return None


def _check_dates(verdict: Verdict, credential: dict, now: datetime) -> None:
    valid_from = parse_datetime(credential.get("validFrom"))
    if valid_from is None:
        verdict.problems.append(_("It has no valid date of issue."))
    elif valid_from > now + CLOCK_SKEW:
        verdict.problems.append(_("It is not valid until %(date)s.", date=format_date(valid_from)))
    if "validUntil" in credential:
        valid_until = parse_datetime(credential.get("validUntil"))
        if valid_until is None:
            verdict.problems.append(_("Its end date cannot be read."))
        elif valid_until < now - CLOCK_SKEW:
            verdict.problems.append(_("It expired on %(date)s.", date=format_date(valid_until)))


def _issuer_id(credential: dict) -> str | None:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _check_status(
    verdict: Verdict,
    credential: dict,
    keys_for_issuer: KeysForIssuer,
    fetch: StatusListFetcher,
    now: datetime,
) -> None:
    try:
        entry = read_status_entry(credential)
        if entry is None:
            return
        url, index, purpose = entry
        bits = _signed_status_list(
            fetch(url), url, _issuer_id(credential), purpose, keys_for_issuer, now
        )
        if bits.get(index):
            verdict.revoked = purpose == "revocation"
            verdict.problems.append(
                _("It has been revoked by its issuer.")
                if verdict.revoked
                else _("Its issuer has marked it (%(purpose)s).", purpose=purpose)
            )
    except StatusListError as error:
        verdict.problems.append(
            _("Its revocation status cannot be checked: %(problem)s", problem=error)
        )


def _signed_status_list(
    token: str,
    url: str,
    issuer_id: str | None,
    purpose: str,
    keys_for_issuer: KeysForIssuer,
    now: datetime,
):
    """The bits of a status list whose signature, issuer, address and dates all check out."""
    document, problem = _signed_document(
        token, keys_for_issuer, noun="The status list", kinds=frozenset({CREDENTIAL_TYPE})
    )
    if problem:
        raise StatusListError(problem[0].lower() + problem[1:])
    if _issuer_id(document) != issuer_id:
        raise StatusListError(_("the status list was published by another issuer."))
    if document.get("id") != url:
        raise StatusListError(_("the status list found is not the one it points at."))
    valid_from = parse_datetime(document.get("validFrom"))
    if valid_from is not None and valid_from > now + CLOCK_SKEW:
        raise StatusListError(_("the status list is not valid yet."))
    valid_until = parse_datetime(document.get("validUntil"))
    if valid_until is not None and valid_until < now - CLOCK_SKEW:
        raise StatusListError(_("the status list has expired."))
    return bitstring_from_credential(document, purpose)
