"""Bitstring Status List encoding (pure, no database)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.accreditation.keys import b64url_decode, b64url_encode
from lms.accreditation.statuslist import (
    MINIMUM_BITS,
    Bitstring,
    StatusListError,
    bitstring_from_credential,
    read_status_entry,
    status_entry,
    status_list_credential,
)

LIST_URL = "https://alongside.test/status/northside/1"


def test_a_new_list_is_at_least_16kb_of_zeros():
    bits = Bitstring()
    assert len(bits) == MINIMUM_BITS == 131_072
    raw = gzip.decompress(b64url_decode(bits.encode()[1:]))
    assert raw == bytes(16 * 1024)


def test_a_list_smaller_than_the_minimum_is_refused():
    with pytest.raises(StatusListError):
        Bitstring(1024)


def test_entry_zero_is_the_leftmost_bit_of_the_first_byte():
    bits = Bitstring()
    bits.set(0)
    bits.set(9)
    raw = gzip.decompress(b64url_decode(bits.encode()[1:]))
    assert raw[0] == 0b1000_0000
    assert raw[1] == 0b0100_0000


@given(st.sets(st.integers(min_value=0, max_value=MINIMUM_BITS - 1), max_size=40))
def test_set_bits_survive_encoding(indexes):
    bits = Bitstring()
    for index in indexes:
        bits.set(index)
    encoded = bits.encode()
    assert encoded.startswith("u")
    assert "=" not in encoded
    decoded = Bitstring.decode(encoded)
    assert decoded.set_indexes() == sorted(indexes)
    for index in list(indexes)[:5]:
        assert decoded.get(index)


def test_a_bit_can_be_cleared_again():
    bits = Bitstring()
    bits.set(42)
    bits.set(42, False)
    assert not bits.get(42)


@pytest.mark.parametrize("index", [-1, MINIMUM_BITS, True, "3"])
def test_entries_outside_the_list_are_refused(index):
    with pytest.raises(StatusListError):
        Bitstring().get(index)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "zABC",  # another multibase alphabet
        "u!!!!",
        "u" + b64url_encode(b"not gzip at all"),
        "u" + b64url_encode(gzip.compress(bytes(100), mtime=0)),  # too short
        "u" + b64url_encode(gzip.compress(bytes(16 * 1024), mtime=0)[:-12]),  # cut short
    ],
    # Named ids: a test id must never depend on the bytes of an encoding.
    ids=["empty", "other-alphabet", "not-base64url", "not-gzip", "too-short", "cut-short"],
)
def test_unreadable_lists_are_refused(encoded):
    with pytest.raises(StatusListError):
        Bitstring.decode(encoded)


def test_a_list_that_inflates_beyond_the_limit_is_refused():
    bomb = gzip.compress(bytes(17 * 1024 * 1024))
    with pytest.raises(StatusListError, match="larger"):
        Bitstring.decode("u" + b64url_encode(bomb))


def test_the_status_list_credential_and_entries_follow_the_specification():
    bits = Bitstring()
    bits.set(7)
    issuer = {"id": "https://alongside.test/issuers/northside", "type": ["Profile"], "name": "N"}
    credential = status_list_credential(
        list_url=LIST_URL,
        issuer=issuer,
        bitstring=bits,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["credentialSubject"]["type"] == "BitstringStatusList"
    assert credential["credentialSubject"]["statusPurpose"] == "revocation"
    assert credential["validFrom"] == "2026-01-01T00:00:00Z"
    assert bitstring_from_credential(credential).set_indexes() == [7]

    entry = status_entry(LIST_URL, 7)
    assert entry == {
        "id": f"{LIST_URL}#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "7",
        "statusListCredential": LIST_URL,
    }
    assert read_status_entry({"credentialStatus": entry}) == (LIST_URL, 7, "revocation")
    assert read_status_entry({"credentialStatus": [entry]}) == (LIST_URL, 7, "revocation")
    assert read_status_entry({}) is None


def test_a_status_list_for_another_purpose_is_not_read_as_revocation():
    credential = status_list_credential(
        list_url=LIST_URL,
        issuer={"id": "x"},
        bitstring=Bitstring(),
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        purpose="suspension",
    )
    with pytest.raises(StatusListError, match="not for revocation"):
        bitstring_from_credential(credential)
    with pytest.raises(StatusListError, match="not a status list"):
        bitstring_from_credential({"type": ["VerifiableCredential"]})


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "BitstringStatusListEntry", "statusListIndex": "-1", "statusListCredential": "x"},
        {"type": "BitstringStatusListEntry", "statusListIndex": 4, "statusListCredential": "x"},
        {"type": "BitstringStatusListEntry", "statusListIndex": "4"},
    ],
)
def test_broken_status_entries_are_reported(entry):
    with pytest.raises(StatusListError):
        read_status_entry({"credentialStatus": entry})
