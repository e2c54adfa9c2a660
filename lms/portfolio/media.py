"""Recordings from phones (MP4, M4A, MOV) often carry where they were made.

A video cannot be re-encoded here, but its location lives in a few metadata boxes of the ISO
media container: `©xyz` and `loci` in user data, Apple's `meta` (keys such as
com.apple.quicktime.location.ISO6709) and XMP packets in `uuid` boxes. Each of those is
blanked in place: its type becomes `free` (which every player skips) and its content is
overwritten with zeros. Nothing moves, so the sound and pictures are untouched.

Only box headers are read, with limits on depth and count, so a hostile file costs little.
"""

from __future__ import annotations

import struct
from pathlib import Path

CONTAINERS = {b"moov", b"trak", b"udta", b"mdia", b"minf", b"edts"}
LOCATION_BOXES = {b"\xa9xyz", b"loci", b"meta"}
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
MAX_BOXES = 100_000
MAX_DEPTH = 8


def _boxes(handle, start: int, end: int):
    """(offset, size, type, header length) of each box between `start` and `end`."""
    offset = start
    while offset + 8 <= end:
        handle.seek(offset)
        header = handle.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        header_length = 8
        if size == 1:
            large = handle.read(8)
            if len(large) < 8:
                return
            size = struct.unpack(">Q", large)[0]
            header_length = 16
        elif size == 0:
            size = end - offset
        if size < header_length or offset + size > end:
            return  # damaged: stop rather than guess
        yield offset, size, kind, header_length
        offset += size


def _blank(handle, offset: int, size: int, header_length: int) -> None:
    handle.seek(offset + 4)
    handle.write(b"free")
    handle.seek(offset + header_length)
    remaining = size - header_length
    zeros = bytes(min(remaining, 64 * 1024))
    while remaining > 0:
        chunk = zeros[: min(remaining, len(zeros))]
        handle.write(chunk)
        remaining -= len(chunk)


def strip_location(path: Path) -> int:
    """Blank the location-bearing boxes of the ISO media file at `path`; returns how many."""
    blanked = 0
    seen = 0
    with open(path, "r+b") as handle:
        handle.seek(0, 2)
        stack = [(0, handle.tell(), 0, None)]
        while stack:
            start, end, depth, parent = stack.pop()
            for offset, size, kind, header_length in list(_boxes(handle, start, end)):
                seen += 1
                if seen > MAX_BOXES:
                    return blanked
                is_xmp = False
                if kind == b"uuid" and size >= header_length + 16:
                    handle.seek(offset + header_length)
                    is_xmp = handle.read(16) == XMP_UUID
                if (kind in LOCATION_BOXES and parent in (b"moov", b"udta", b"trak")) or is_xmp:
                    _blank(handle, offset, size, header_length)
                    blanked += 1
                elif kind in CONTAINERS and depth < MAX_DEPTH:
                    stack.append((offset + header_length, offset + size, depth + 1, kind))
        handle.flush()
    return blanked
