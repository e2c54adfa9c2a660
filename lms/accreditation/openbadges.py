"""Open Badges 3.0 credentials (1EdTech), built on the W3C Verifiable Credentials Data Model 2.0
and secured as a VC-JWT: a compact JWS whose payload is the credential with its registered
claims, as the Open Badges 3.0 specification describes in section 8.2 (JSON Web Token Proof
Format) and VC-JOSE-COSE allows.

The credential describes an achievement the way the curriculum does: its code (`humanCode`),
level (a tag and `fieldOfStudy`), credits (`creditsAvailable`, and `creditsEarned` for the
holder) and its learning outcomes (`alignment`). Plain data in, plain JSON out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lms.accreditation import vc
from lms.accreditation.keys import SigningKey
from lms.accreditation.vc import VC_CONTEXT, VC_TYPE, iso_datetime

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_CREDENTIAL_TYPE = "OpenBadgeCredential"
# Older wallets still call it by the name it had in drafts of the specification.
OB_CREDENTIAL_TYPES = frozenset({OB_CREDENTIAL_TYPE, "AchievementCredential"})
OB_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}

# Achievement types from the specification's vocabulary.
QUALIFICATION = "Certificate"
UNIT = "Competency"


@dataclass(frozen=True)
class Issuer:
    """An issuing organisation's Profile; a franchise partner names its franchisor as parent."""

    id: str
    name: str
    url: str | None = None
    parent: Issuer | None = None

    def profile(self) -> dict:
        profile: dict = {"id": self.id, "type": ["Profile"], "name": self.name}
        if self.url:
            profile["url"] = self.url
        if self.parent is not None:
            profile["parentOrg"] = self.parent.profile()
        return profile


@dataclass(frozen=True)
class Alignment:
    """A link from an achievement to something it stands for, such as a learning outcome."""

    target_name: str
    target_url: str
    target_code: str | None = None
    target_description: str | None = None
    target_framework: str | None = None
    target_type: str | None = "ceasn:Competency"

    def to_json(self) -> dict:
        value: dict = {"type": ["Alignment"], "targetName": self.target_name}
        value["targetUrl"] = self.target_url
        optional = {
            "targetCode": self.target_code,
            "targetDescription": self.target_description,
            "targetFramework": self.target_framework,
            "targetType": self.target_type,
        }
        value.update({key: item for key, item in optional.items() if item})
        return value


@dataclass(frozen=True)
class Achievement:
    """What was achieved: a whole qualification or one of its units."""

    id: str
    name: str
    description: str
    criteria: str
    achievement_type: str
    code: str | None = None
    level: str | None = None
    credits: int | None = None
    field_of_study: str | None = None
    version: str | None = None
    criteria_url: str | None = None
    alignments: tuple[Alignment, ...] = ()
    tags: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        criteria: dict = {"narrative": self.criteria}
        if self.criteria_url:
            criteria["id"] = self.criteria_url
        value: dict = {
            "id": self.id,
            "type": ["Achievement"],
            "achievementType": self.achievement_type,
            "name": self.name,
            "description": self.description,
            "criteria": criteria,
            "inLanguage": "en",
        }
        if self.code:
            value["humanCode"] = self.code
        if self.credits is not None:
            value["creditsAvailable"] = self.credits
        if self.field_of_study:
            value["fieldOfStudy"] = self.field_of_study
        if self.version:
            value["version"] = self.version
        tags = ([f"Level {self.level}"] if self.level else []) + list(self.tags)
        if tags:
            value["tag"] = tags
        if self.alignments:
            value["alignment"] = [alignment.to_json() for alignment in self.alignments]
        return value


def build_credential(
    *,
    credential_id: str,
    issuer: Issuer,
    achievement: Achievement,
    recipient_name: str,
    awarded_at: datetime,
    credits_earned: int | None = None,
    status: dict | None = None,
    valid_until: datetime | None = None,
) -> dict:
    """An unsigned OpenBadgeCredential for one person's achievement.

    The holder is named, and nothing more is said about her: no e-mail address, no date of
    birth. The name is what a reader of the certificate would see anyway.
    """
    subject: dict = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": recipient_name,
            }
        ],
        "achievement": achievement.to_json(),
    }
    if credits_earned is not None:
        subject["creditsEarned"] = credits_earned
    credential: dict = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": [VC_TYPE, OB_CREDENTIAL_TYPE],
        "name": achievement.name,
        "issuer": issuer.profile(),
        "validFrom": iso_datetime(awarded_at),
        "awardedDate": iso_datetime(awarded_at),
        "credentialSubject": subject,
        "credentialSchema": [OB_SCHEMA],
    }
    if valid_until is not None:
        credential["validUntil"] = iso_datetime(valid_until)
    if status is not None:
        credential["credentialStatus"] = status
    return credential


def key_id(issuer_id: str, thumbprint: str) -> str:
    """The `kid` naming one of an issuer's keys: an https URL that answers with that key alone,
    as a JWK (`<issuer profile URL>/keys/<RFC 7638 thumbprint>`).

    Open Badges 3.0 asks for a `kid` "that can be dereferenced to an object of type JWK", and
    requires verifiers to support https URLs (DID URLs are allowed, not required). The 1EdTech
    conformance verifier fetches the `kid` and reads the answer as the JWK itself. A fragment
    into the issuer's JWKS (`.../jwks.json#...`) would not do: the fragment never reaches the
    server, and a JWK Set defines no meaning for it, so a verifier would get the whole set
    instead of a key. The same keys are listed, under the same `kid`s, in the issuer's JWKS and
    as verification methods in the issuer's profile."""
    return f"{issuer_id}/keys/{thumbprint}"


# Open Badges 3.0, section 8.2.3: `typ`, if present, "MUST be set to JWT", and JOSE headers
# other than alg, kid, jwk and typ "are NOT allowed" (so no `cty`). VC-JOSE-COSE only says
# `typ` SHOULD be vc+jwt; the Open Badges profile's MUST decides for an OpenBadgeCredential.
JWT_TYP = "JWT"


def sign_credential(credential: dict, private_key: SigningKey, kid: str) -> str:
    """Secure `credential` as a VC-JWT: header `alg` (RS256 for RSA keys), `kid`, `typ` JWT;
    payload the credential with `iss`, `jti`, `nbf` (and `exp`, `sub` when it has them)."""
    return vc.secure(credential, private_key, kid, typ=JWT_TYP)
