"""Open Badges 3.0 credentials: building, signing as a VC-JWT, and verifying (pure)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc.jwk import OKPKey

from lms.accreditation import jose, keys, vc
from lms.accreditation.openbadges import (
    QUALIFICATION,
    Achievement,
    Alignment,
    Issuer,
    build_credential,
    key_id,
    sign_credential,
)
from lms.accreditation.statuslist import (
    Bitstring,
    StatusListError,
    status_entry,
    status_list_credential,
)
from lms.accreditation.vc import enveloped
from lms.accreditation.verification import verify

ISSUER_ID = "https://alongside.test/issuers/northside"
LIST_URL = "https://alongside.test/status/northside/1"
AWARDED = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)

ISSUER = Issuer(
    id=ISSUER_ID,
    name="Northside Women's Centre",
    parent=Issuer(id="https://alongside.test/issuers/alongside-trust", name="Alongside Trust"),
)
ACHIEVEMENT = Achievement(
    id="https://alongside.test/achievements/ALRM3/1",
    name="Level 3 Certificate in Reintegrative Mentoring",
    description="A Level 3 qualification for peer mentors.",
    criteria="All mandatory units and 3 optional credits, 17 credits in all.",
    achievement_type=QUALIFICATION,
    code="ALRM3",
    level="3",
    credits=17,
    field_of_study="Peer mentoring",
    version="1",
    alignments=(
        Alignment(
            target_name="Understand the role of a peer mentor",
            target_url="https://alongside.test/achievements/RM301/1#outcome-1",
            target_code="RM301/1",
        ),
    ),
)


def _key_id(private) -> str:
    return key_id(ISSUER_ID, keys.thumbprint(private))


@pytest.fixture(scope="module")
def issuer_key():
    """Made once: an RSA key takes a moment to make."""
    return keys.generate_private_key()


@pytest.fixture(scope="module")
def other_key():
    return keys.generate_private_key()


class World:
    """One issuer with its published keys (an RSA key, and an Ed25519 key from before RS256),
    one status list it signs, and a clock."""

    def __init__(self, private):
        self.private = private
        self.kid = _key_id(private)
        self.legacy_private = OKPKey.generate_key("Ed25519")
        self.legacy_kid = f"{ISSUER_ID}#{keys.thumbprint(self.legacy_private)}"
        self.status = Bitstring()
        self.list_signer = (self.private, self.kid)
        self.list_changes = {}
        self.lists_fetched = []

    def keys_for(self, issuer_id):
        if issuer_id != ISSUER_ID:
            return []
        return [
            (kid, keys.public_key_from_jwk(keys.public_jwk(private, kid)))
            for kid, private in ((self.legacy_kid, self.legacy_private), (self.kid, self.private))
        ]

    def status_list(self, url):
        self.lists_fetched.append(url)
        document = status_list_credential(
            list_url=LIST_URL,
            issuer=ISSUER.profile(),
            bitstring=self.status,
            valid_from=AWARDED - timedelta(days=30),
        )
        document.update(self.list_changes)
        private, kid = self.list_signer
        return vc.secure(document, private, kid)

    def credential(self, **changes):
        fields = {
            "credential_id": "urn:uuid:0f0e8a5e-9a5b-4b3f-8a55-1d2f7f6f3b1a",
            "issuer": ISSUER,
            "achievement": ACHIEVEMENT,
            "recipient_name": "Amira Hassan",
            "awarded_at": AWARDED,
            "credits_earned": 18,
            "status": status_entry(LIST_URL, 5),
        }
        return build_credential(**{**fields, **changes})

    def signed(self, **changes):
        return sign_credential(self.credential(**changes), self.private, self.kid)

    def legacy_signed(self):
        """As credentials were signed before RS256: EdDSA, vc+jwt and vc, no `nbf`."""
        credential = self.credential()
        payload = {**credential, "iss": ISSUER_ID, "jti": credential["id"]}
        header = {"kid": self.legacy_kid, "typ": "vc+jwt", "cty": "vc"}
        return jose.sign(payload, self.legacy_private, header)

    def check(self, submitted, now=NOW):
        return verify(
            submitted, keys_for_issuer=self.keys_for, status_list=self.status_list, now=now
        )


@pytest.fixture
def world(issuer_key):
    return World(issuer_key)


def _parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    return (
        json.loads(keys.b64url_decode(header)),
        json.loads(keys.b64url_decode(payload)),
        signature,
    )


def _encode(value: dict) -> str:
    return keys.b64url_encode(json.dumps(value).encode())


def _resign_payload(token: str, change) -> str:
    """Change the payload of a signed token but keep its header and signature."""
    header, payload, signature = token.split(".")
    body = json.loads(keys.b64url_decode(payload))
    change(body)
    return f"{header}.{_encode(body)}.{signature}"


def test_the_credential_follows_open_badges_3(world):
    credential = world.credential()
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["type"] == ["Profile"]
    assert credential["issuer"]["parentOrg"]["name"] == "Alongside Trust"
    assert credential["validFrom"] == "2026-05-01T09:30:00Z"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["creditsEarned"] == 18
    assert subject["identifier"][0]["identityHash"] == "Amira Hassan"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["humanCode"] == "ALRM3"
    assert achievement["creditsAvailable"] == 17
    assert achievement["tag"] == ["Level 3"]
    assert achievement["criteria"]["narrative"].startswith("All mandatory units")
    assert achievement["alignment"][0]["type"] == ["Alignment"]
    assert achievement["alignment"][0]["targetCode"] == "RM301/1"
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"
    # Nothing about the holder beyond her name.
    text = json.dumps(credential)
    assert "@" not in text.replace("@context", "")


def test_a_signed_credential_verifies(world):
    verdict = world.check(world.signed())
    assert verdict.verified, verdict.problems
    assert verdict.recipient_name == "Amira Hassan"
    assert verdict.achievement_name == ACHIEVEMENT.name
    assert verdict.issuer_name == "Northside Women's Centre"
    assert verdict.valid_from == AWARDED.replace(microsecond=0)
    assert not verdict.revoked
    # Its revocation was checked against the signed status list it points at.
    assert world.lists_fetched == [LIST_URL]


def test_the_jose_header_is_what_open_badges_3_asks_for(world):
    header, _, _ = _parts(world.signed())
    # Section 8.2.3: alg RS256 at the least; kid a URI dereferencing to a JWK; typ, if
    # present, "JWT"; no other header (so no cty).
    assert header == {"alg": "RS256", "kid": world.kid, "typ": "JWT"}
    assert world.kid == f"{ISSUER_ID}/keys/{keys.thumbprint(world.private)}"


def test_the_jwt_claims_repeat_what_the_credential_says(world):
    credential = world.credential(valid_until=datetime(2029, 5, 1, tzinfo=UTC))
    _, payload, _ = _parts(sign_credential(credential, world.private, world.kid))
    assert payload["iss"] == ISSUER_ID
    assert payload["jti"] == credential["id"]
    assert payload["nbf"] == int(AWARDED.replace(microsecond=0).timestamp())
    assert payload["exp"] == int(datetime(2029, 5, 1, tzinfo=UTC).timestamp())
    # The holder is named, not identified by an id, so there is no subject to repeat.
    assert "sub" not in payload
    assert "iat" not in payload
    assert {k: v for k, v in payload.items() if k not in {"iss", "jti", "nbf", "exp"}} == (
        credential
    )


def test_a_subject_id_is_repeated_as_sub_and_checked(world):
    credential = world.credential()
    credential["credentialSubject"]["id"] = "did:example:amira"
    token = sign_credential(credential, world.private, world.kid)
    assert _parts(token)[1]["sub"] == "did:example:amira"
    assert world.check(token).verified
    forged = jose.sign(
        {**credential, **vc.jwt_claims(credential), "sub": "did:example:someone-else"},
        world.private,
        {"kid": world.kid, "typ": "JWT"},
    )
    assert "different holders" in world.check(forged).problems[0]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda p: p.pop("nbf"), "lacks the signed claims"),
        (lambda p: p.pop("iss"), "lacks the signed claims"),
        (lambda p: p.pop("jti"), "lacks the signed claims"),
        (lambda p: p.update(nbf=p["nbf"] - 86400), "dates in its signature"),
        (lambda p: p.update(nbf=str(p["nbf"])), "dates in its signature"),
        (lambda p: p.update(exp=p["nbf"] + 86400), "dates in its signature"),
        (lambda p: p.update(jti="urn:uuid:another"), "identifier in its signature"),
        (lambda p: p.update(iss="https://elsewhere.example/issuer"), "different issuers"),
    ],
    ids=[
        "no-nbf",
        "no-iss",
        "no-jti",
        "nbf-not-validFrom",
        "nbf-not-a-number",
        "exp-without-validUntil",
        "jti-not-id",
        "iss-not-issuer",
    ],
)
def test_claims_that_do_not_match_the_credential_are_refused(world, change, reason):
    """Signed by the issuer's own key, so only the claims themselves are wrong."""
    credential = world.credential()
    payload = {**credential, **vc.jwt_claims(credential)}
    change(payload)
    token = jose.sign(payload, world.private, {"kid": world.kid, "typ": "JWT"})
    verdict = world.check(token)
    assert not verdict.verified
    assert reason in verdict.problems[0]


def test_the_downloadable_json_envelope_verifies_too(world):
    token = world.signed()
    assert world.check(json.dumps(enveloped(token))).verified
    assert world.check(json.dumps({"jwt": token}).encode()).verified
    assert world.check(f"\n  {token}\n").verified


def test_a_credential_issued_before_rs256_still_verifies(world):
    token = world.legacy_signed()
    assert _parts(token)[0]["alg"] == "EdDSA"
    verdict = world.check(token)
    assert verdict.verified, verdict.problems
    tampered = _resign_payload(token, lambda c: c.update(validFrom="2020-01-01T00:00:00Z"))
    assert "changed since it was issued" in world.check(tampered).problems[0]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="Someone Else"),
            "changed since it was issued",
        ),
        (lambda c: c.update(validFrom="2020-01-01T00:00:00Z"), "changed since it was issued"),
        (
            lambda c: c["credentialSubject"]["achievement"].update(name="Level 5 Diploma"),
            "changed since it was issued",
        ),
        (lambda c: c["credentialSubject"].update(creditsEarned=60), "changed since it was issued"),
        (lambda c: c.update(nbf=0), "changed since it was issued"),
    ],
    ids=["identity", "valid-from", "achievement-name", "credits", "nbf"],
)
def test_a_tampered_copy_fails_with_a_clear_reason(world, change, reason):
    verdict = world.check(_resign_payload(world.signed(), change))
    assert not verdict.verified
    assert any(reason in problem for problem in verdict.problems)


def test_a_credential_signed_with_another_key_is_not_genuine(world, other_key):
    # Claiming the issuer's key id but signing with another key.
    forged = sign_credential(world.credential(), other_key, world.kid)
    verdict = world.check(forged)
    assert not verdict.verified
    assert "not signed by its issuer" in verdict.problems[0]
    # Naming its own key.
    verdict = world.check(sign_credential(world.credential(), other_key, _key_id(other_key)))
    assert not verdict.verified
    assert "not signed with a key belonging to Northside" in verdict.problems[0]


@pytest.mark.parametrize(
    "kid",
    [
        "https://elsewhere.example/keys/mine",
        f"{ISSUER_ID}#not-a-key",
        ISSUER_ID,
        None,
    ],
    ids=["another-site", "another-fragment", "the-profile", "no-kid"],
)
def test_a_kid_pointing_elsewhere_is_refused(world, kid):
    header, payload, signature = world.signed().split(".")
    changed = json.loads(keys.b64url_decode(header))
    if kid is None:
        del changed["kid"]
    else:
        changed["kid"] = kid
    verdict = world.check(f"{_encode(changed)}.{payload}.{signature}")
    assert not verdict.verified
    assert "not signed with a key belonging to Northside" in verdict.problems[0]


def test_a_kid_swapped_for_the_issuers_other_key_is_refused(world):
    header, payload, signature = world.signed().split(".")
    changed = {**json.loads(keys.b64url_decode(header)), "kid": world.legacy_kid}
    verdict = world.check(f"{_encode(changed)}.{payload}.{signature}")
    assert not verdict.verified
    assert "not signed by its issuer" in verdict.problems[0]


def test_an_algorithm_swapped_in_the_header_is_refused(world):
    credential = world.credential()
    payload = _encode({**credential, **vc.jwt_claims(credential)})
    public_jwk = keys.public_jwk(world.private, world.kid)
    # `none`: no signature at all.
    unsigned = f"{_encode({'alg': 'none', 'kid': world.kid, 'typ': 'JWT'})}.{payload}.AAAA"
    assert "only RS256 and EdDSA" in world.check(unsigned).problems[0]
    # HS256 keyed with the issuer's public key, the classic confusion.
    header = _encode({"alg": "HS256", "kid": world.kid, "typ": "JWT"})
    secret = json.dumps(public_jwk).encode()
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert (
        "only RS256 and EdDSA"
        in world.check(f"{header}.{payload}.{keys.b64url_encode(mac)}").problems[0]
    )
    # EdDSA made with another key, naming the issuer's RSA key.
    eddsa = jose.sign(
        {**credential, **vc.jwt_claims(credential)},
        OKPKey.generate_key("Ed25519"),
        {"kid": world.kid, "typ": "JWT"},
    )
    assert "not signed by its issuer" in world.check(eddsa).problems[0]
    # RS256's signature under a header that says PS256.
    header, body, signature = world.signed().split(".")
    ps256 = {**json.loads(keys.b64url_decode(header)), "alg": "PS256"}
    assert "only RS256 and EdDSA" in world.check(f"{_encode(ps256)}.{body}.{signature}").problems[0]


def test_an_unknown_issuer_cannot_be_checked_here(world):
    stranger = Issuer(id="https://elsewhere.example/issuer", name="Elsewhere")
    verdict = world.check(world.signed(issuer=stranger))
    assert not verdict.verified
    assert "does not know" in verdict.problems[0]


def test_a_revoked_credential_says_so(world):
    token = world.signed()
    world.status.set(5)
    verdict = world.check(token)
    assert not verdict.verified
    assert verdict.revoked
    assert verdict.signature_checked
    assert verdict.problems == ["It has been revoked by its issuer."]


def test_dates_are_checked(world):
    early = world.check(world.signed(), now=AWARDED - timedelta(days=2))
    assert early.problems == ["It is not valid until 1 May 2026."]
    expired = world.check(world.signed(valid_until=datetime(2026, 5, 20, tzinfo=UTC)))
    assert expired.problems == ["It expired on 20 May 2026."]


def test_a_status_list_that_cannot_be_found_is_reported(world):
    def missing(url):
        raise StatusListError("We do not publish that status list.")

    verdict = verify(world.signed(), keys_for_issuer=world.keys_for, status_list=missing, now=NOW)
    assert not verdict.verified
    assert "cannot be checked: We do not publish" in verdict.problems[0]


def _status_problem(world) -> str:
    world.status.set(5)  # revoked: a list that is not trusted must not hide or show that
    verdict = world.check(world.signed())
    assert not verdict.verified
    assert not verdict.revoked
    (problem,) = verdict.problems
    assert problem.startswith("Its revocation status cannot be checked: ")
    return problem


def test_an_unsigned_status_list_is_not_trusted(world):
    def unsigned(url):
        document = status_list_credential(
            list_url=LIST_URL, issuer=ISSUER.profile(), bitstring=Bitstring(), valid_from=AWARDED
        )
        return f"{_encode({'alg': 'none', 'typ': 'vc+jwt'})}.{_encode(document)}."

    world.status_list = unsigned
    assert "three parts" in _status_problem(world)
    world.status_list = lambda url: unsigned(url) + "AAAA"
    assert "the status list is signed with a method we do not accept" in _status_problem(world)


def test_a_status_list_signed_with_another_key_is_not_trusted(world, other_key):
    world.list_signer = (other_key, world.kid)
    assert "the status list has been changed since it was signed" in _status_problem(world)
    world.list_signer = (other_key, _key_id(other_key))
    assert "not signed with a key belonging to Northside" in _status_problem(world)


def test_a_changed_status_list_is_not_trusted(world):
    signed = world.status_list

    def cleared(url):
        header, _, signature = signed(url).split(".")
        document = status_list_credential(
            list_url=LIST_URL, issuer=ISSUER.profile(), bitstring=Bitstring(), valid_from=AWARDED
        )
        return f"{header}.{_encode({**document, **vc.jwt_claims(document)})}.{signature}"

    world.status_list = cleared
    assert "the status list has been changed since it was signed" in _status_problem(world)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"id": "https://alongside.test/status/northside/2"}, "not the one it points at"),
        (
            {"issuer": {"id": "https://alongside.test/issuers/alongside-trust", "name": "T"}},
            "does not know",
        ),
        ({"type": ["VerifiableCredential", "OpenBadgeCredential"]}, "of another kind"),
        ({"validFrom": "2099-01-01T00:00:00Z"}, "not valid yet"),
        ({"validUntil": "2026-05-02T00:00:00Z"}, "has expired"),
    ],
    ids=["another-list", "another-issuer", "not-a-status-list", "not-yet-valid", "expired"],
)
def test_a_status_list_that_is_not_the_right_one_is_not_trusted(world, changes, reason):
    world.list_changes = changes
    assert reason in _status_problem(world)


def test_a_status_list_of_another_issuer_on_this_site_is_not_trusted(world):
    trust = "https://alongside.test/issuers/alongside-trust"
    keys_for = world.keys_for
    world.keys_for = lambda issuer_id: keys_for(ISSUER_ID if issuer_id == trust else issuer_id)
    world.list_changes = {"issuer": {"id": trust, "name": "Alongside Trust"}}
    assert "published by another issuer" in _status_problem(world)


def test_unsupported_tokens_are_refused(world):
    credential = world.credential()
    claims = vc.jwt_claims(credential)
    critical = f"{_encode({'alg': 'RS256', 'kid': world.kid, 'crit': ['b64']})}.e30.AAAA"
    assert "extensions" in world.check(critical).problems[0]
    not_a_vc = jose.sign({"hello": "world"}, world.private, {"kid": world.kid, "typ": "JWT"})
    assert "not a W3C verifiable credential" in world.check(not_a_vc).problems[0]
    other_vc = {**credential, "type": ["VerifiableCredential"]}
    assert (
        "not an Open Badge"
        in world.check(
            jose.sign({**other_vc, **claims}, world.private, {"kid": world.kid})
        ).problems[0]
    )
    not_a_credential = jose.sign(
        {**credential, **claims}, world.private, {"kid": world.kid, "typ": "dpop+jwt"}
    )
    assert "not a verifiable credential" in world.check(not_a_credential).problems[0]
    extra_header = f"{_encode({'alg': 'RS256', 'kid': world.kid, 'foo': 1})}.e30.AAAA"
    assert not world.check(extra_header).verified


@pytest.mark.parametrize(
    ("submitted", "reason"),
    [
        ("", "Please paste a credential"),
        ("hello", "three parts"),
        ("a.b.c", "cannot be read"),
        ("{not json", "cannot be read"),
        ("[1, 2]", "not a credential"),
        ('{"credentialSubject": {}}', "carries no signature"),
        (b"\xff\xfe\x00", "not a credential we can read"),
        ("x" * (600 * 1024), "too large"),
    ],
)
def test_unreadable_submissions_get_a_plain_answer(world, submitted, reason):
    verdict = world.check(submitted)
    assert not verdict.verified
    assert reason in verdict.problems[0]


def test_a_signature_spelled_differently_is_refused(world):
    # A 3072-bit RSA signature is 384 bytes, 512 characters with no bits to spare; the last
    # character of a 64-byte Ed25519 signature carries four unused bits.
    token = world.legacy_signed()
    last = token[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    sibling = alphabet[alphabet.index(last) ^ 1]
    verdict = world.check(token[:-1] + sibling)
    assert not verdict.verified
    assert "signature cannot be read" in verdict.problems[0]


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), replacement=st.sampled_from("AbQz09_-"))
def test_any_change_to_the_signed_text_is_caught(world, position, replacement):
    token = world.signed()
    header_length = token.index(".") + 1
    # Change one character somewhere after the header.
    index = header_length + position % (len(token) - header_length)
    if token[index] in ".":
        return
    changed = token[:index] + replacement + token[index + 1 :]
    if changed == token:
        return
    verdict = world.check(changed)
    assert not verdict.verified
