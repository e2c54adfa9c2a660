"""Verification codes and organisation signing keys (pure, no database)."""

from __future__ import annotations

import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from joserfc import jws

from lms.accreditation import jose, keys
from lms.accreditation.codes import (
    ALPHABET,
    CODE_LENGTH,
    display_code,
    new_code,
    normalise_code,
)

# RFC 8037, appendix A: an Ed25519 key, its thumbprint and a signature made with it.
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

codes = st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH)


def test_new_codes_use_the_unambiguous_alphabet():
    made = {new_code() for _ in range(200)}
    assert len(made) == 200
    for code in made:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("01OILU")


@given(codes)
def test_a_displayed_code_reads_back_however_it_is_typed(code):
    shown = display_code(code)
    assert shown.count("-") == 2
    assert normalise_code(shown) == code
    assert normalise_code(shown.lower().replace("-", " ")) == code
    assert normalise_code(f"  {code.lower()}  ") == code


@pytest.mark.parametrize(
    "typed",
    ["", "ABCD", "ABCD-2345-EFGH-J", "ABCD-2345-EFG0", "ABCD-2345-EFGI", "ÄBCD2345EFGH", "x" * 500],
)
def test_text_that_cannot_be_a_code_is_refused(typed):
    assert normalise_code(typed) is None


def test_a_non_string_is_not_a_code():
    assert normalise_code(None) is None


@pytest.fixture(scope="module")
def rsa_key():
    return keys.generate_private_key()


def test_new_keys_are_rsa_for_rs256_and_long_enough(rsa_key):
    assert keys.algorithm_of(rsa_key) == "RS256"
    assert rsa_key.public_key.key_size >= 2048


def test_private_keys_are_stored_encrypted_and_unlock_with_the_same_secret(rsa_key):
    stored = keys.encrypt_private_key(rsa_key, "a-long-server-secret")
    public = keys.public_jwk(rsa_key, kid="k1")
    assert public["n"] not in stored
    unlocked = keys.decrypt_private_key(stored, "a-long-server-secret")
    assert keys.algorithm_of(unlocked) == "RS256"
    assert keys.public_jwk(unlocked, kid="k1") == public


def test_ed25519_keys_stored_before_rs256_still_unlock():
    private = Ed25519PrivateKey.from_private_bytes(keys.b64url_decode(RFC8037_D))
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    stored = keys._fernet("the-secret").encrypt(raw).decode("ascii")  # as they were stored
    unlocked = keys.decrypt_private_key(stored, "the-secret")
    assert keys.algorithm_of(unlocked) == "EdDSA"
    assert keys.public_jwk(unlocked, kid="k")["x"] == RFC8037_X


def test_a_changed_secret_key_gives_a_clear_error(rsa_key):
    stored = keys.encrypt_private_key(rsa_key, "the-first-secret")
    with pytest.raises(keys.SigningKeyError, match="SECRET_KEY may have changed"):
        keys.decrypt_private_key(stored, "a-different-secret")


def test_the_rsa_thumbprint_follows_rfc_7638(rsa_key):
    jwk = keys.public_jwk(rsa_key, kid="k1")
    assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"}
    assert (jwk["alg"], jwk["use"]) == ("RS256", "sig")
    # RFC 7638, section 3: the required members only, sorted, no white space, SHA-256.
    canonical = json.dumps(
        {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True
    )
    digest = keys.b64url_encode(hashlib.sha256(canonical.encode("ascii")).digest())
    assert keys.thumbprint(rsa_key) == digest
    assert keys.thumbprint(keys.public_key_from_jwk(jwk)) == digest


def test_ed25519_jwk_and_thumbprint_follow_rfc_8037():
    private = keys.decrypt_private_key(
        keys._fernet("s").encrypt(keys.b64url_decode(RFC8037_D)).decode("ascii"), "s"
    )
    jwk = keys.public_jwk(private, kid="k1")
    assert jwk["x"] == RFC8037_X
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    assert "d" not in jwk
    assert keys.thumbprint(private) == RFC8037_THUMBPRINT


def test_the_rfc_8037_example_signature_verifies_as_eddsa():
    # Its payload is not JSON, so it is checked below the credential layer.
    public = keys.public_key_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X})
    compact = jws.extract_compact(RFC8037_JWS.encode("ascii"), registry=jose._Registry())
    assert jws.validate_compact(compact, public, registry=jose._registry("EdDSA"))


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "RSA", "n": "x", "e": "AQAB"},
        {"kty": "OKP", "crv": "X25519", "x": RFC8037_X},
        {"kty": "OKP", "crv": "Ed25519", "x": "too-short"},
        {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "d": RFC8037_D},
        {"kty": "EC", "crv": "P-256", "x": RFC8037_X, "y": RFC8037_X},
        {"kty": "oct", "k": "c2VjcmV0"},
        "not a key",
    ],
)
def test_unusable_public_keys_are_refused(jwk):
    with pytest.raises(keys.SigningKeyError):
        keys.public_key_from_jwk(jwk)


def test_a_published_rsa_key_with_its_private_part_is_refused(rsa_key):
    private_jwk = {**rsa_key.as_dict(private=True), "kid": "k"}
    with pytest.raises(keys.SigningKeyError, match="private part"):
        keys.public_key_from_jwk(private_jwk)


def test_a_short_rsa_key_is_refused():
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()  # noqa: S505 - refused
    numbers = short.public_numbers()

    def b64(number: int) -> str:
        return keys.b64url_encode(number.to_bytes((number.bit_length() + 7) // 8, "big"))

    with pytest.raises(keys.SigningKeyError, match="2048"):
        keys.public_key_from_jwk({"kty": "RSA", "n": b64(numbers.n), "e": b64(numbers.e)})


@pytest.mark.parametrize("text", ["abc=", "a+b/", "abc d", "a", "é", "QR"])
def test_base64url_is_strict(text):
    with pytest.raises(ValueError, match="base64url"):
        keys.b64url_decode(text)


@given(st.binary(max_size=64))
def test_base64url_round_trips(data):
    assert keys.b64url_decode(keys.b64url_encode(data)) == data


@pytest.mark.parametrize("bits", [1024, 2047, 2049])
def test_signing_keys_shorter_than_rs256_allows_are_not_made(bits):
    with pytest.raises(keys.SigningKeyError, match="2048 bits or more"):
        keys.generate_private_key(bits)
