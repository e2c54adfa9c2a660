"""Bitstring Status List v1.0: revocation published as one compressed bitstring.

Each credential owns one bit (its `statusListIndex`); bit 0 is the left-most bit of the
first byte. The list is GZIP-compressed and written as multibase base64url ("u" prefix, no
padding). The specification asks for at least 16KB (131,072 entries) so that a single
credential cannot be picked out of a small list, which protects the holder's privacy.
"""

from __future__ import annotations

import gzip
import zlib
from datetime import datetime

from lms.accreditation.keys import b64url_decode, b64url_encode
from lms.accreditation.vc import VC_CONTEXT, VC_TYPE, iso_datetime, types_of
from lms.i18n import _

MINIMUM_BITS = 16 * 1024 * 8
# A decoded list larger than this is refused, so a hostile list cannot exhaust memory.
MAXIMUM_BYTES = 16 * 1024 * 1024
MULTIBASE_BASE64URL = "u"
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_TYPE = "BitstringStatusList"
CREDENTIAL_TYPE = "BitstringStatusListCredential"
PURPOSE_REVOCATION = "revocation"


class StatusListError(Exception):
    """A status list or an entry in one cannot be read; the message says why, plainly."""


class Bitstring:
    """A fixed-length run of bits, all zero to begin with."""

    def __init__(self, length_bits: int = MINIMUM_BITS, data: bytes | None = None):
        if length_bits < MINIMUM_BITS or length_bits % 8:
            raise StatusListError(
                _("A status list holds at least 131,072 entries, in whole bytes.")
            )
        self._bytes = bytearray(data) if data is not None else bytearray(length_bits // 8)
        if len(self._bytes) * 8 != length_bits:
            raise StatusListError(_("The status list data does not match its length."))

    def __len__(self) -> int:
        return len(self._bytes) * 8

    def _locate(self, index: int) -> tuple[int, int]:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(self):
            raise StatusListError(_("Entry %(index)s is not in this status list.", index=index))
        return index // 8, 7 - index % 8

    def get(self, index: int) -> bool:
        byte, bit = self._locate(index)
        return bool(self._bytes[byte] >> bit & 1)

    def set(self, index: int, value: bool = True) -> None:
        byte, bit = self._locate(index)
        if value:
            self._bytes[byte] |= 1 << bit
        else:
            self._bytes[byte] &= ~(1 << bit) & 0xFF

    def set_indexes(self) -> list[int]:
        return [
            index
            for byte_index, byte in enumerate(self._bytes)
            if byte
            for index in range(byte_index * 8, byte_index * 8 + 8)
            if self.get(index)
        ]

    def encode(self) -> str:
        compressed = gzip.compress(bytes(self._bytes), compresslevel=9, mtime=0)
        return MULTIBASE_BASE64URL + b64url_encode(compressed)

    @classmethod
    def decode(cls, encoded: str) -> Bitstring:
        if not isinstance(encoded, str) or not encoded.startswith(MULTIBASE_BASE64URL):
            raise StatusListError(_("The status list is not multibase base64url encoded."))
        try:
            compressed = b64url_decode(encoded[1:])
        except ValueError:
            raise StatusListError(_("The status list is not valid base64url.")) from None
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(compressed, MAXIMUM_BYTES + 1)
        except zlib.error:
            raise StatusListError(_("The status list is not valid GZIP data.")) from None
        if len(data) > MAXIMUM_BYTES or inflater.unconsumed_tail:
            raise StatusListError(_("The status list is larger than we accept."))
        if not inflater.eof:
            raise StatusListError(_("The status list's GZIP data is incomplete."))
        return cls(len(data) * 8, data)


def status_entry(list_url: str, index: int, purpose: str = PURPOSE_REVOCATION) -> dict:
    """The `credentialStatus` a credential carries to point at its bit."""
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def read_status_entry(credential: dict) -> tuple[str, int, str] | None:
    """(list URL, index, purpose) of a credential's status entry, or None if it has none."""
    status = credential.get("credentialStatus")
    if status is None:
        return None
    entries = status if isinstance(status, list) else [status]
    for entry in entries:
        if isinstance(entry, dict) and entry.get("type") == ENTRY_TYPE:
            index_text = entry.get("statusListIndex")
            url = entry.get("statusListCredential")
            if not isinstance(index_text, str) or not index_text.isdigit():
                raise StatusListError(_("The credential's status entry has no valid index."))
            if not isinstance(url, str) or not url:
                raise StatusListError(_("The credential's status entry names no status list."))
            return url, int(index_text), entry.get("statusPurpose", PURPOSE_REVOCATION)
    return None


def status_list_credential(
    *,
    list_url: str,
    issuer: dict,
    bitstring: Bitstring,
    valid_from: datetime,
    purpose: str = PURPOSE_REVOCATION,
) -> dict:
    """The BitstringStatusListCredential that publishes `bitstring`."""
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": [VC_TYPE, CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": iso_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": LIST_TYPE,
            "statusPurpose": purpose,
            "encodedList": bitstring.encode(),
        },
    }


def bitstring_from_credential(credential: dict, purpose: str = PURPOSE_REVOCATION) -> Bitstring:
    if CREDENTIAL_TYPE not in types_of(credential):
        raise StatusListError(_("This is not a status list credential."))
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
        raise StatusListError(_("This status list is not for %(purpose)s.", purpose=purpose))
    return Bitstring.decode(subject.get("encodedList", ""))
