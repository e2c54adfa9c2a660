"""What every evidence store shares: how a kept file is named (its SHA-256, nothing else),
the names of temporary files, and the size of the pieces files are read and written in."""

from __future__ import annotations

import re

CHUNK_SIZE = 1024 * 1024
PART_SUFFIX = ".part"
HELD_SUFFIX = ".held"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def check_sha256(sha256: str) -> str:
    """A storage key is a lowercase SHA-256 in hex and nothing else, so it can never name a
    path outside the store."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError("not a SHA-256 digest")
    return sha256
