"""Open Badges 3.0 credentials: building, signing as a VC-JWT, and verifying (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.accreditation import jose, keys
from lms.accreditation.openbadges import (
    QUALIFICATION,
    Achievement,
    Alignment,
    Issuer,
    build_credential,
    key_id,
    sign_credential,
)
from lms.accreditation.statuslist import Bitstring, status_entry
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


class World:
    """One issuer with one key, one status list, and a clock."""

    def __init__(self):
        self.private = keys.generate_private_key()
        self.kid = key_id(ISSUER_ID, keys.thumbprint(self.private.public_key()))
        self.status = Bitstring()

    def keys_for(self, issuer_id):
        return [(self.kid, self.private.public_key())] if issuer_id == ISSUER_ID else []

    def bit(self, url, index, purpose):
        assert url == LIST_URL
        return self.status.get(index)

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

    def check(self, submitted, now=NOW):
        return verify(submitted, keys_for_issuer=self.keys_for, status_bit=self.bit, now=now)


@pytest.fixture
def world():
    return World()


def _resign_payload(token: str, change) -> str:
    """Change the payload of a signed token but keep its header and signature."""
    header, payload, signature = token.split(".")
    body = json.loads(keys.b64url_decode(payload))
    change(body)
    new_payload = keys.b64url_encode(json.dumps(body).encode())
    return f"{header}.{new_payload}.{signature}"


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
    token = sign_credential(world.credential(), world.private, world.kid)
    header = json.loads(keys.b64url_decode(token.split(".")[0]))
    assert header == {"kid": world.kid, "typ": "vc+jwt", "cty": "vc", "alg": "EdDSA"}
    verdict = world.check(token)
    assert verdict.verified, verdict.problems
    assert verdict.recipient_name == "Amira Hassan"
    assert verdict.achievement_name == ACHIEVEMENT.name
    assert verdict.issuer_name == "Northside Women's Centre"
    assert verdict.valid_from == AWARDED.replace(microsecond=0)
    assert not verdict.revoked


def test_the_downloadable_json_envelope_verifies_too(world):
    token = sign_credential(world.credential(), world.private, world.kid)
    assert world.check(json.dumps(enveloped(token))).verified
    assert world.check(json.dumps({"jwt": token}).encode()).verified
    assert world.check(f"\n  {token}\n").verified


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
    ],
    ids=["identity", "valid-from", "achievement-name", "credits"],
)
def test_a_tampered_copy_fails_with_a_clear_reason(world, change, reason):
    token = sign_credential(world.credential(), world.private, world.kid)
    verdict = world.check(_resign_payload(token, change))
    assert not verdict.verified
    assert any(reason in problem for problem in verdict.problems)


def test_a_credential_signed_with_another_key_is_not_genuine(world):
    impostor = keys.generate_private_key()
    # Claiming the issuer's key id but signing with another key.
    forged = sign_credential(world.credential(), impostor, world.kid)
    verdict = world.check(forged)
    assert not verdict.verified
    assert "not signed by its issuer" in verdict.problems[0]
    # Naming its own key.
    own_kid = key_id(ISSUER_ID, keys.thumbprint(impostor.public_key()))
    verdict = world.check(sign_credential(world.credential(), impostor, own_kid))
    assert not verdict.verified
    assert "not signed with a key belonging to Northside" in verdict.problems[0]


def test_an_unknown_issuer_cannot_be_checked_here(world):
    stranger = Issuer(id="https://elsewhere.example/issuer", name="Elsewhere")
    token = sign_credential(world.credential(issuer=stranger), world.private, world.kid)
    verdict = world.check(token)
    assert not verdict.verified
    assert "does not know" in verdict.problems[0]


def test_a_revoked_credential_says_so(world):
    token = sign_credential(world.credential(), world.private, world.kid)
    world.status.set(5)
    verdict = world.check(token)
    assert not verdict.verified
    assert verdict.revoked
    assert verdict.signature_checked
    assert verdict.problems == ["It has been revoked by its issuer."]


def test_dates_are_checked(world):
    early = world.check(
        sign_credential(world.credential(), world.private, world.kid),
        now=AWARDED - timedelta(days=2),
    )
    assert early.problems == ["It is not valid until 1 May 2026."]
    expired = world.check(
        sign_credential(
            world.credential(valid_until=datetime(2026, 5, 20, tzinfo=UTC)),
            world.private,
            world.kid,
        )
    )
    assert expired.problems == ["It expired on 20 May 2026."]


def test_a_status_list_that_cannot_be_read_is_reported(world):
    def broken(url, index, purpose):
        from lms.accreditation.statuslist import StatusListError

        raise StatusListError("We do not publish that status list.")

    token = sign_credential(world.credential(), world.private, world.kid)
    verdict = verify(token, keys_for_issuer=world.keys_for, status_bit=broken, now=NOW)
    assert not verdict.verified
    assert "cannot be checked: We do not publish" in verdict.problems[0]


def test_unsigned_and_unsupported_tokens_are_refused(world):
    credential = world.credential()
    unsigned = (
        keys.b64url_encode(b'{"alg":"none","typ":"vc+jwt"}')
        + "."
        + keys.b64url_encode(json.dumps(credential).encode())
        + ".AAAA"
    )
    assert "only EdDSA" in world.check(unsigned).problems[0]
    hs256 = unsigned.replace(
        keys.b64url_encode(b'{"alg":"none","typ":"vc+jwt"}'),
        keys.b64url_encode(b'{"alg":"HS256","typ":"vc+jwt"}'),
    )
    assert "only EdDSA" in world.check(hs256).problems[0]
    critical = jose.sign(credential, world.private, {"kid": world.kid, "crit": ["b64"]})
    assert "extensions" in world.check(critical).problems[0]
    not_a_vc = jose.sign({"hello": "world"}, world.private, {"kid": world.kid, "typ": "vc+jwt"})
    assert "not a W3C verifiable credential" in world.check(not_a_vc).problems[0]
    other_vc = {**credential, "type": ["VerifiableCredential"]}
    assert (
        "not an Open Badge"
        in world.check(jose.sign(other_vc, world.private, {"kid": world.kid})).problems[0]
    )


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
    token = sign_credential(world.credential(), world.private, world.kid)
    # The last character of a 64-byte signature carries four unused bits.
    last = token[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    sibling = alphabet[alphabet.index(last) ^ 1]
    verdict = world.check(token[:-1] + sibling)
    assert not verdict.verified
    assert "signature cannot be read" in verdict.problems[0]


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), replacement=st.sampled_from("AbQz09_-"))
def test_any_change_to_the_signed_text_is_caught(world, position, replacement):
    token = sign_credential(world.credential(), world.private, world.kid)
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
