"""What a wallet or verifier elsewhere can do with a credential and the web alone: follow its
`kid` to the key, check RS256 with a verifier written here from `cryptography` (not the JOSE
library the site signs with), and trust its status list because that is signed too."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc.jwk import OKPKey
from sqlalchemy import select

from lms.accounts.roles import Role
from lms.accreditation import jose, keys, openbadges, vc
from lms.accreditation.issuing import IssuingContext, rotate_signing_key
from lms.accreditation.models import (
    IssuedCredential,
    OrganisationSigningKey,
    QualificationAward,
    StatusList,
)
from lms.accreditation.operations import revoke_award
from lms.accreditation.queries import verify_submission
from lms.accreditation.statuslist import (
    MINIMUM_BITS,
    bitstring_from_credential,
    status_entry,
)
from lms.db import utcnow
from tests.factories import PartnerFactory, member
from tests.factories.accreditation import complete, enrol_trainee, make_qualification, staff_for

BASE = "http://alongside.test"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


# --- a verifier of its own: base64url, JSON and RSA from `cryptography`, nothing else ---------


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _split(token: str) -> tuple[dict, dict]:
    header, payload, _ = token.split(".")
    return json.loads(_b64decode(header)), json.loads(_b64decode(payload))


def _rsa_public_key(jwk: dict) -> rsa.RSAPublicKey:
    assert jwk["kty"] == "RSA"
    assert not PRIVATE_MEMBERS & set(jwk), "a published key must not carry its private part"
    n = int.from_bytes(_b64decode(jwk["n"]), "big")
    e = int.from_bytes(_b64decode(jwk["e"]), "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


def _rs256_valid(token: str, jwk: dict) -> bool:
    """RFC 7515, section 5.2, for RS256 (RSASSA-PKCS1-v1_5 with SHA-256), by hand."""
    header, _ = _split(token)
    if header.get("alg") != "RS256":
        return False
    signing_input, _, signature = token.rpartition(".")
    try:
        _rsa_public_key(jwk).verify(
            _b64decode(signature),
            signing_input.encode("ascii"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        return False
    return True


def _get(client, url: str):
    assert url.startswith(f"{BASE}/"), url
    return client.get(url.removeprefix(BASE))


def _dereference_kid(client, token: str) -> dict:
    """What Open Badges 3.0 asks of a verifier: fetch the `kid`, get a JWK."""
    response = _get(client, _split(token)[0]["kid"])
    assert response.status_code == 200
    assert response.mimetype == "application/jwk+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.get_data(as_text=True))


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def awarded(session):
    partner = PartnerFactory(name="Northside Women's Centre", slug="northside")
    qualification = make_qualification()
    staff = staff_for(partner)
    enrolment = enrol_trainee(qualification, partner, display_name="Amira Hassan")
    complete(session, qualification, enrolment, staff)
    award = session.scalar(select(QualificationAward))
    credential = session.scalar(
        select(IssuedCredential).where(IssuedCredential.award_id == award.id)
    )
    return {
        "partner": partner,
        "qualification": qualification,
        "staff": staff,
        "award": award,
        "credential": credential,
        "admin": member(partner.franchisor, Role.ADMIN),
    }


def _api_verdict(client, token: str) -> dict:
    response = client.post("/api/credentials/verify", data=token)
    assert response.status_code == 200
    return response.get_json()


# --- the defects, one test each ---------------------------------------------------------------


def test_the_kid_resolves_to_the_signing_key_from_the_credential_alone(client, awarded):
    token = awarded["credential"].jwt
    jwk = _dereference_kid(client, token)
    header, payload = _split(token)
    assert jwk["kid"] == header["kid"]
    assert (jwk["kty"], jwk["alg"], jwk["use"]) == ("RSA", "RS256", "sig")
    assert _rsa_public_key(jwk).key_size >= 2048
    assert _rs256_valid(token, jwk)
    # An https URL under the issuer's own profile URL.
    assert header["kid"].startswith(f"{payload['issuer']['id']}/keys/")


def test_an_independent_verifier_accepts_rs256_with_the_published_jwks(client, awarded):
    token = awarded["credential"].jwt
    header, payload = _split(token)
    assert header["alg"] == "RS256"
    jwks = _get(client, f"{payload['iss']}/jwks.json")
    assert jwks.headers["Access-Control-Allow-Origin"] == "*"
    (jwk,) = [key for key in jwks.get_json()["keys"] if key["kid"] == header["kid"]]
    assert _rs256_valid(token, jwk)
    # The same signature over changed contents does not verify.
    encoded_header, _, signature = token.split(".")
    changed = {**payload, "name": "Another qualification"}
    tampered = f"{encoded_header}.{_b64encode(json.dumps(changed).encode())}.{signature}"
    assert not _rs256_valid(tampered, jwk)


def test_the_issuer_profile_lists_the_keys_its_credentials_name(client, awarded):
    token = awarded["credential"].jwt
    header, payload = _split(token)
    profile = _get(client, payload["iss"]).get_json()
    assert "https://www.w3.org/ns/cid/v1" in profile["@context"]
    (method,) = profile["verificationMethod"]
    assert method["id"] == header["kid"]
    assert method["type"] == "JsonWebKey"
    assert method["controller"] == profile["id"] == payload["iss"]
    assert profile["assertionMethod"] == [header["kid"]]
    assert _rs256_valid(token, method["publicKeyJwk"])


def test_the_header_is_what_open_badges_3_asks_for(awarded):
    header, _ = _split(awarded["credential"].jwt)
    # Section 8.2.3: `typ`, if present, "JWT"; no JOSE headers beyond alg, kid, jwk, typ.
    assert header["typ"] == "JWT"
    assert "cty" not in header
    assert set(header) == {"alg", "kid", "typ"}


def test_the_claims_carry_nbf_and_repeat_what_the_credential_says(awarded):
    _, payload = _split(awarded["credential"].jwt)
    credential = awarded["credential"].credential
    valid_from = vc.parse_datetime(credential["validFrom"])
    assert payload["nbf"] == int(valid_from.timestamp())
    assert payload["iss"] == credential["issuer"]["id"]
    assert payload["jti"] == credential["id"]
    # The holder is named by an identifier, not an id, so there is no `sub` to repeat.
    assert "id" not in credential["credentialSubject"]
    assert "sub" not in payload


def test_the_status_list_is_a_signed_credential(client, session, awarded):
    status = awarded["credential"].credential["credentialStatus"]
    response = _get(client, status["statusListCredential"])
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    assert response.headers["Cache-Control"] == "no-cache"
    token = response.get_data(as_text=True)
    header, payload = _split(token)
    assert header == {"alg": "RS256", "kid": header["kid"], "typ": "vc+jwt"}
    assert _rs256_valid(token, _dereference_kid(client, token))
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["id"] == payload["jti"] == status["statusListCredential"]
    assert (
        payload["iss"]
        == payload["issuer"]["id"]
        == awarded["credential"].credential["issuer"]["id"]
    )
    assert payload["nbf"] == int(vc.parse_datetime(payload["validFrom"]).timestamp())
    assert bitstring_from_credential(payload).set_indexes() == []

    revoke_award(session, awarded["award"], revoked_by=awarded["admin"], reason="Not her work.")
    session.commit()
    token = _get(client, status["statusListCredential"]).get_data(as_text=True)
    assert _rs256_valid(token, _dereference_kid(client, token))
    bits = bitstring_from_credential(_split(token)[1])
    # The award's entry, and those of the unit badges revoked with it.
    revoked = session.scalars(select(IssuedCredential.status_index)).all()
    assert len(revoked) == 4
    assert int(status["statusListIndex"]) in revoked
    assert bits.set_indexes() == sorted(revoked)


# --- tampering, over the public verification endpoints ----------------------------------------


def _with_header(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    changed = {**json.loads(_b64decode(header)), **changes}
    return f"{_b64encode(json.dumps(changed).encode())}.{payload}.{signature}"


def test_tampered_credentials_are_refused_with_a_plain_reason(client, session, awarded):
    token = awarded["credential"].jwt
    assert _api_verdict(client, token)["verified"] is True

    header, payload, signature = token.split(".")
    body = json.loads(_b64decode(payload))
    body["credentialSubject"]["identifier"][0]["identityHash"] = "Somebody Else"
    changed_payload = f"{header}.{_b64encode(json.dumps(body).encode())}.{signature}"

    # HS256 keyed with the issuer's own published key, the classic confusion.
    jwk = _get(client, _split(token)[0]["kid"]).get_data()
    hs_header = _b64encode(json.dumps({**_split(token)[0], "alg": "HS256"}).encode())
    mac = hmac.new(jwk, f"{hs_header}.{payload}".encode(), hashlib.sha256).digest()

    other = PartnerFactory(slug="elsewhere")
    complete(
        session,
        awarded["qualification"],
        enrol_trainee(awarded["qualification"], other),
        staff_for(other),
    )
    other_kid = session.scalar(
        select(OrganisationSigningKey.kid).where(OrganisationSigningKey.organisation_id == other.id)
    )

    cases = {
        "payload": (changed_payload, "changed since it was issued"),
        "none": (_with_header(token, alg="none"), "only RS256 and EdDSA"),
        "hs256": (f"{hs_header}.{payload}.{_b64encode(mac)}", "only RS256 and EdDSA"),
        "other-kid": (_with_header(token, kid=other_kid), "not signed with a key belonging to"),
        "outside-kid": (
            _with_header(token, kid="https://evil.example/key.json"),
            "not signed with a key belonging to",
        ),
    }
    for name, (tampered, reason) in cases.items():
        verdict = _api_verdict(client, tampered)
        assert verdict["verified"] is False, name
        assert verdict["credential"] is None, name
        assert any(reason in problem for problem in verdict["problems"]), (name, verdict)
        page = client.post("/credentials/verify", data={"credential": tampered})
        html = page.get_data(as_text=True)
        assert "could not be confirmed" in html, name


def test_an_unknown_key_answers_not_found(client, awarded):
    assert client.get("/issuers/northside/keys/not-a-thumbprint").status_code == 404
    assert client.get("/issuers/nobody/keys/anything").status_code == 404


# --- keys over time ---------------------------------------------------------------------------


def _legacy_key(session, organisation, context: IssuingContext) -> tuple[OKPKey, str]:
    """An Ed25519 key stored as keys were before RS256: raw bytes, encrypted; kid a fragment
    of the issuer's profile URL."""
    private = OKPKey.generate_key("Ed25519")
    kid = f"{context.issuer_url(organisation)}#{keys.thumbprint(private)}"
    raw = private.private_key.private_bytes_raw()
    session.add(
        OrganisationSigningKey(
            organisation_id=organisation.id,
            algorithm="EdDSA",
            kid=kid,
            public_jwk=keys.public_jwk(private, kid),
            private_key_encrypted=keys._fernet(context.secret_key).encrypt(raw).decode("ascii"),
        )
    )
    session.flush()
    return private, kid


def test_credentials_signed_with_ed25519_still_verify_after_the_switch_to_rs256(client, session):
    partner = PartnerFactory(name="Eastside Project", slug="eastside")
    context = IssuingContext.from_app()
    legacy_private, legacy_kid = _legacy_key(session, partner, context)
    status_list = StatusList(organisation_id=partner.id, size_bits=MINIMUM_BITS)
    session.add(status_list)
    session.flush()
    list_url = context.status_list_url(status_list.id)
    credential = openbadges.build_credential(
        credential_id="urn:uuid:3d9b0f4e-5d4b-4f38-9a36-0d1f0c6b7a10",
        issuer=context.issuer(partner),
        achievement=openbadges.Achievement(
            id=f"{BASE}/achievements/OLD1/1",
            name="An older unit",
            description="Achieved before RS256.",
            criteria="Done.",
            achievement_type=openbadges.UNIT,
        ),
        recipient_name="Bethany Cole",
        awarded_at=utcnow() - timedelta(days=400),
        status=status_entry(list_url, 7),
    )
    legacy_token = jose.sign(
        {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"]},
        legacy_private,
        {"kid": legacy_kid, "typ": "vc+jwt", "cty": "vc"},
    )
    session.commit()

    # Checking it signs its status list with a new RS256 key, but a check changes nothing.
    verdict = _api_verdict(client, legacy_token)
    assert verdict["verified"] is True, verdict["problems"]
    algorithms = select(OrganisationSigningKey.algorithm).where(
        OrganisationSigningKey.organisation_id == partner.id
    )
    assert session.scalars(algorithms).all() == ["EdDSA"]

    # Publishing the status list makes the RS256 key and keeps it.
    listed = _get(client, list_url)
    assert listed.status_code == 200
    list_token = listed.get_data(as_text=True)
    assert _rs256_valid(list_token, _dereference_kid(client, list_token))
    stored = session.scalars(
        select(OrganisationSigningKey)
        .where(OrganisationSigningKey.organisation_id == partner.id)
        .order_by(OrganisationSigningKey.id)
    ).all()
    assert [(key.algorithm, key.retired_at is not None) for key in stored] == [
        ("EdDSA", True),
        ("RS256", False),
    ]

    verdict = _api_verdict(client, legacy_token)
    assert verdict["verified"] is True, verdict["problems"]
    # The old key is still published, in the JWKS and under its old kid in the profile.
    jwks = _get(client, context.jwks_url(partner)).get_json()
    assert {key["kid"] for key in jwks["keys"]} == {legacy_kid, stored[1].kid}
    profile = _get(client, context.issuer_url(partner)).get_json()
    methods = {method["id"]: method for method in profile["verificationMethod"]}
    assert methods[legacy_kid]["publicKeyJwk"]["crv"] == "Ed25519"

    # New credentials are RS256.
    qualification = make_qualification()
    complete(session, qualification, enrol_trainee(qualification, partner), staff_for(partner))
    issued = session.scalars(
        select(IssuedCredential).where(IssuedCredential.organisation_id == partner.id)
    ).all()
    assert {_split(item.jwt)[0]["alg"] for item in issued} == {"RS256"}
    assert {item.kid for item in issued} == {stored[1].kid}
    assert verify_submission(session, issued[-1].jwt, context).verified


def test_rotating_a_key_keeps_the_old_one_published(client, session, awarded):
    context = IssuingContext.from_app()
    old_token = awarded["credential"].jwt
    old_kid = awarded["credential"].kid
    rotated = rotate_signing_key(session, awarded["partner"], context)
    session.commit()
    assert rotated.kid != old_kid
    assert rotated.algorithm == "RS256"

    jwks = _get(client, context.jwks_url(awarded["partner"])).get_json()
    assert [key["kid"] for key in jwks["keys"]] == [old_kid, rotated.kid]
    assert _rs256_valid(old_token, _dereference_kid(client, old_token))
    assert _api_verdict(client, old_token)["verified"] is True

    # What is signed from now on names the new key, the status list included.
    status_url = awarded["credential"].credential["credentialStatus"]["statusListCredential"]
    status_token = _get(client, status_url).get_data(as_text=True)
    assert _split(status_token)[0]["kid"] == rotated.kid
    assert _rs256_valid(status_token, _dereference_kid(client, status_token))
    enrolment = enrol_trainee(awarded["qualification"], awarded["partner"])
    complete(session, awarded["qualification"], enrolment, awarded["staff"])
    newest = session.scalar(select(IssuedCredential).order_by(IssuedCredential.id.desc()))
    assert newest.kid == rotated.kid
    assert _api_verdict(client, newest.jwt)["verified"] is True
