"""Verification codes and organisation signing keys (pure, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.accreditation import keys
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


def test_private_keys_are_stored_encrypted_and_unlock_with_the_same_secret():
    private = keys.generate_private_key()
    stored = keys.encrypt_private_key(private, "a-long-server-secret")
    raw_public = keys.public_bytes(private.public_key())
    assert keys.b64url_encode(raw_public) not in stored
    unlocked = keys.decrypt_private_key(stored, "a-long-server-secret")
    assert keys.public_bytes(unlocked.public_key()) == raw_public


def test_a_changed_secret_key_gives_a_clear_error():
    stored = keys.encrypt_private_key(keys.generate_private_key(), "the-first-secret")
    with pytest.raises(keys.SigningKeyError, match="SECRET_KEY may have changed"):
        keys.decrypt_private_key(stored, "a-different-secret")


def test_jwk_and_thumbprint_follow_rfc_8037():
    private = keys.Ed25519PrivateKey.from_private_bytes(keys.b64url_decode(RFC8037_D))
    public = private.public_key()
    jwk = keys.public_jwk(public, kid="k1")
    assert jwk["x"] == RFC8037_X
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")
    assert "d" not in jwk
    assert keys.thumbprint(public) == RFC8037_THUMBPRINT
    signing_input, _, signature = RFC8037_JWS.rpartition(".")
    assert keys.b64url_encode(private.sign(signing_input.encode())) == signature
    assert keys.public_bytes(keys.public_key_from_jwk(jwk)) == keys.public_bytes(public)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "RSA", "n": "x", "e": "AQAB"},
        {"kty": "OKP", "crv": "X25519", "x": RFC8037_X},
        {"kty": "OKP", "crv": "Ed25519", "x": "too-short"},
        {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "d": RFC8037_D},
        "not a key",
    ],
)
def test_unusable_public_keys_are_refused(jwk):
    with pytest.raises(keys.SigningKeyError):
        keys.public_key_from_jwk(jwk)


@pytest.mark.parametrize("text", ["abc=", "a+b/", "abc d", "a", "é", "QR"])
def test_base64url_is_strict(text):
    with pytest.raises(ValueError, match="base64url"):
        keys.b64url_decode(text)


@given(st.binary(max_size=64))
def test_base64url_round_trips(data):
    assert keys.b64url_decode(keys.b64url_encode(data)) == data
