"""Verification codes printed on certificates: short, random, and easy to read aloud or type.

The alphabet leaves out characters that are easily confused (0 and O, 1, I and L) and U, so
a code copied by hand from paper cannot be misread as another code.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
GROUP = 4


def new_code() -> str:
    """A fresh code in its stored form (no separators): about 59 bits of randomness."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """`ABCD2345EFGH` → `ABCD-2345-EFGH`."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise_code(text: str) -> str | None:
    """The stored form of what someone typed or scanned, or None if it cannot be a code.

    Case, spaces and hyphens do not matter; a code containing a character we never use is
    not a code.
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned
