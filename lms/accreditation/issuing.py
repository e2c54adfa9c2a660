"""Signing keys, status lists and credentials, stored. Functions flush; the caller commits.

`IssuingContext` carries what issuing needs from the running site: the public address that
credentials and certificates point at, the secret that unlocks keys, and how long new keys are.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User
from lms.accreditation import award_status, keys, openbadges, vc
from lms.accreditation.models import (
    IssuedCredential,
    OrganisationSigningKey,
    QualificationAward,
    StatusList,
    UnitAchievement,
)
from lms.accreditation.statuslist import (
    MINIMUM_BITS,
    Bitstring,
    status_entry,
    status_list_credential,
)
from lms.audit.operations import record
from lms.config import ConfigError
from lms.db import utcnow
from lms.errors import Conflict, NotFound
from lms.i18n import _

# A list is closed for new credentials when half full, so a random free index is quick to
# find and an index says little about when a credential was issued.
LIST_FILL_LIMIT = MINIMUM_BITS // 2


@dataclass(frozen=True)
class IssuingContext:
    base_url: str
    secret_key: str
    key_bits: int = keys.RSA_KEY_BITS

    def issuer_url(self, organisation: Organisation) -> str:
        return f"{self.base_url}/issuers/{organisation.slug}"

    def jwks_url(self, organisation: Organisation) -> str:
        return f"{self.issuer_url(organisation)}/jwks.json"

    def status_list_url(self, status_list_id: int) -> str:
        return f"{self.base_url}/status-lists/{status_list_id}"

    def verify_url(self, code: str) -> str:
        return f"{self.base_url}/verify/{code}"

    def achievement_url(self, code: str, version: int) -> str:
        return f"{self.base_url}/achievements/{code}/{version}"

    def issuer(self, organisation: Organisation) -> openbadges.Issuer:
        parent = organisation.franchisor
        return openbadges.Issuer(
            id=self.issuer_url(organisation),
            name=organisation.name,
            parent=self.issuer(parent) if parent is not None else None,
        )

    @classmethod
    def from_app(cls) -> IssuingContext:
        """The context of the running Flask application (the one place issuing reads it)."""
        from flask import current_app, has_request_context, request

        config = current_app.config
        base = config.get("PUBLIC_BASE_URL") or ""
        if not base and config.get("SERVER_NAME"):
            base = f"{config.get('PREFERRED_URL_SCHEME', 'http')}://{config['SERVER_NAME']}"
        if not base and config.get("ENVIRONMENT") == "production":
            # Never trust the request's Host header for what is printed on certificates.
            raise ConfigError(
                "PUBLIC_BASE_URL must be set in production (for example "
                "https://alongside.example.org): certificates and credentials carry it."
            )
        if not base and has_request_context():
            base = request.host_url
        return cls(
            base_url=(base or "http://localhost:5000").rstrip("/"),
            secret_key=config["SECRET_KEY"],
            key_bits=config.get("SIGNING_KEY_BITS", keys.RSA_KEY_BITS),
        )


# --- keys -------------------------------------------------------------------------------------


def _active_key(session: Session, organisation: Organisation) -> OrganisationSigningKey | None:
    return session.scalar(
        select(OrganisationSigningKey).where(
            OrganisationSigningKey.organisation_id == organisation.id,
            OrganisationSigningKey.retired_at.is_(None),
        )
    )


def new_private_key(bits: int) -> keys.SigningKey:
    # One place that makes organisations' keys, so the test suite can hand out keys it made
    # once instead of making thousands (tests/conftest.py).
    return keys.generate_private_key(bits)


def _make_key(
    session: Session,
    organisation: Organisation,
    context: IssuingContext,
    retiring: OrganisationSigningKey | None,
) -> tuple[OrganisationSigningKey, keys.SigningKey] | None:
    """A new key put in use (retiring `retiring`), or None if another request changed the
    organisation's key at the same moment."""
    private = new_private_key(context.key_bits)
    kid = openbadges.key_id(context.issuer_url(organisation), keys.thumbprint(private))
    candidate = OrganisationSigningKey(
        organisation_id=organisation.id,
        algorithm=keys.algorithm_of(private),
        kid=kid,
        public_jwk=keys.public_jwk(private, kid),
        private_key_encrypted=keys.encrypt_private_key(private, context.secret_key),
    )
    try:
        with session.begin_nested():
            if retiring is not None:
                retiring.retired_at = utcnow()
                session.flush()
            session.add(candidate)
            session.flush()
    except IntegrityError:
        return None
    if retiring is not None:
        record(
            session,
            "accreditation.key_retired",
            obj=retiring,
            organisation_id=organisation.id,
            kid=retiring.kid,
        )
    record(
        session,
        "accreditation.key_created",
        obj=candidate,
        organisation_id=organisation.id,
        kid=kid,
        algorithm=candidate.algorithm,
    )
    return candidate, private


def signing_key(
    session: Session, organisation: Organisation, context: IssuingContext
) -> tuple[OrganisationSigningKey, keys.SigningKey]:
    """The organisation's key in use, made on first use. A key for an algorithm no longer
    signed with (Ed25519, from before RS256) is retired then and stays published."""
    stored = _active_key(session, organisation)
    if stored is None or stored.algorithm != keys.SIGNING_ALGORITHM:
        made = _make_key(session, organisation, context, retiring=stored)
        if made is not None:
            return made
        # Another request made the key a moment ago: use that one.
        stored = _active_key(session, organisation)
        if stored is None or stored.algorithm != keys.SIGNING_ALGORITHM:
            raise Conflict(_("The signing key was being changed just now. Please try again."))
    return stored, keys.decrypt_private_key(stored.private_key_encrypted, context.secret_key)


def rotate_signing_key(
    session: Session, organisation: Organisation, context: IssuingContext
) -> OrganisationSigningKey:
    """Retire the organisation's key in use and sign with a new one from now on. The retired
    key stays published, so everything it signed still verifies."""
    made = _make_key(session, organisation, context, retiring=_active_key(session, organisation))
    if made is None:
        raise Conflict(_("The signing key was being changed just now. Please try again."))
    return made[0]


def published_keys(session: Session, organisation: Organisation) -> list[OrganisationSigningKey]:
    """Every key the organisation has used, retired ones too: old credentials still verify."""
    return list(
        session.scalars(
            select(OrganisationSigningKey)
            .where(OrganisationSigningKey.organisation_id == organisation.id)
            .order_by(OrganisationSigningKey.id)
        )
    )


# --- status lists -----------------------------------------------------------------------------


def _open_status_list(session: Session, organisation: Organisation) -> StatusList:
    latest = session.scalar(
        select(StatusList)
        .where(StatusList.organisation_id == organisation.id)
        .order_by(StatusList.id.desc())
        .limit(1)
    )
    if latest is not None:
        used = session.scalar(
            select(func.count(IssuedCredential.id)).where(
                IssuedCredential.status_list_id == latest.id
            )
        )
        if used < LIST_FILL_LIMIT:
            return latest
    status_list = StatusList(organisation_id=organisation.id, size_bits=MINIMUM_BITS)
    session.add(status_list)
    session.flush()
    return status_list


def _free_index(session: Session, status_list: StatusList) -> int:
    used = set(
        session.scalars(
            select(IssuedCredential.status_index).where(
                IssuedCredential.status_list_id == status_list.id
            )
        )
    )
    while True:
        index = secrets.randbelow(status_list.size_bits)
        if index not in used:
            return index


def revoked_indexes(session: Session, status_list: StatusList) -> list[int]:
    """The list's entries to set: credentials of revoked awards, and of the units revoked
    with them."""
    return list(
        session.scalars(
            select(IssuedCredential.status_index)
            .where(
                IssuedCredential.status_list_id == status_list.id,
                or_(
                    award_status.award_revoked(IssuedCredential.award_id),
                    award_status.unit_revoked(IssuedCredential.unit_achievement_id),
                ),
            )
            .order_by(IssuedCredential.status_index)
        )
    )


def status_bitstring(session: Session, status_list: StatusList) -> Bitstring:
    bits = Bitstring(status_list.size_bits)
    for index in revoked_indexes(session, status_list):
        bits.set(index)
    return bits


def signed_status_list(
    session: Session,
    context: IssuingContext,
    list_id: int,
    *,
    make_key: bool = True,
    memo: Callable[[str, Callable[[], str]], str] | None = None,
) -> str:
    """The list's BitstringStatusListCredential, signed by its organisation's key in use, as a
    compact JWS (`application/vc+jwt`). Read when asked for, so that it always shows every
    revocation. The RS256 key may be made on first use (the caller commits); with
    `make_key=False` nothing is written and the key in use signs, whatever its algorithm.

    `memo(key, sign)` may keep the signature a while (lms.shared.memo): its key is the
    SHA-256 of the document and the signing key's id, so a revocation or a new key is a new
    key, never a stale answer."""
    status_list = session.get(StatusList, list_id)
    if status_list is None:
        raise NotFound()
    organisation = session.get(Organisation, status_list.organisation_id)
    stored_key = _active_key(session, organisation)
    if make_key and (stored_key is None or stored_key.algorithm != keys.SIGNING_ALGORITHM):
        stored_key, _ = signing_key(session, organisation, context)
    if stored_key is None:
        raise NotFound()
    document = status_list_credential(
        list_url=context.status_list_url(status_list.id),
        issuer=context.issuer(organisation).profile(),
        bitstring=status_bitstring(session, status_list),
        valid_from=status_list.created_at,
        purpose=status_list.purpose,
    )

    def sign() -> str:
        private = keys.decrypt_private_key(stored_key.private_key_encrypted, context.secret_key)
        return vc.secure(document, private, stored_key.kid)

    if memo is None:
        return sign()
    content = json.dumps([stored_key.kid, document], sort_keys=True, default=str)
    return memo("status-list:" + hashlib.sha256(content.encode()).hexdigest(), sign)


# --- credentials ------------------------------------------------------------------------------


def issue_credential(
    session: Session,
    context: IssuingContext,
    *,
    organisation: Organisation,
    holder: User,
    achievement: openbadges.Achievement,
    awarded_at: datetime,
    credits_earned: int | None,
    award: QualificationAward | None = None,
    unit_achievement: UnitAchievement | None = None,
) -> IssuedCredential:
    """Sign and store an OpenBadgeCredential for an award or a unit achievement."""
    stored_key, private = signing_key(session, organisation, context)
    status_list = _open_status_list(session, organisation)
    for _attempt in range(3):
        index = _free_index(session, status_list)
        credential_uuid = str(uuid.uuid4())
        credential = openbadges.build_credential(
            credential_id=f"urn:uuid:{credential_uuid}",
            issuer=context.issuer(organisation),
            achievement=achievement,
            recipient_name=holder.display_name,
            awarded_at=awarded_at,
            credits_earned=credits_earned,
            status=status_entry(context.status_list_url(status_list.id), index),
        )
        issued = IssuedCredential(
            uuid=credential_uuid,
            organisation_id=organisation.id,
            user_id=holder.id,
            award_id=award.id if award else None,
            unit_achievement_id=unit_achievement.id if unit_achievement else None,
            name=achievement.name,
            status_list_id=status_list.id,
            status_index=index,
            kid=stored_key.kid,
            credential=credential,
            jwt=openbadges.sign_credential(credential, private, stored_key.kid),
            issued_at=utcnow(),
        )
        # Someone issuing at the same moment may take the same status index: draw again.
        if not _stored(session, issued, award=award, unit_achievement=unit_achievement):
            continue
        record(
            session,
            "accreditation.credential_issued",
            obj=issued,
            organisation_id=organisation.id,
            user_id=holder.id,
            name=achievement.name,
        )
        return issued
    raise Conflict(_("The credential could not be issued just now. Please try again."))


def _stored(
    session: Session,
    issued: IssuedCredential,
    *,
    award: QualificationAward | None,
    unit_achievement: UnitAchievement | None,
) -> bool:
    """Store the credential; False when its status index was taken meanwhile. Refused when
    someone else has just issued the credential for the same award or unit."""
    try:
        with session.begin_nested():
            session.add(issued)
            session.flush()
    except IntegrityError:
        if award is None and unit_achievement is None:
            return False
        already = session.scalar(
            select(IssuedCredential.id).where(
                (IssuedCredential.award_id == award.id)
                if award is not None
                else (IssuedCredential.unit_achievement_id == unit_achievement.id)
            )
        )
        if already is not None:
            raise Conflict(_("This credential has just been issued by someone else.")) from None
        return False
    return True
