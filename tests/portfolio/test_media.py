"""Recordings keep their sound and pictures but lose where they were made."""

from __future__ import annotations

import io

from lms.portfolio.media import strip_location
from lms.portfolio.storage import LocalFolderStorage
from lms.portfolio.uploads import accept_upload
from tests.portfolio import samples


def test_location_boxes_are_blanked_in_place(tmp_path):
    original = samples.video_with_location()
    path = tmp_path / "clip.mov"
    path.write_bytes(original)
    assert strip_location(path) == 4
    cleaned = path.read_bytes()
    assert len(cleaned) == len(original)
    assert samples.PLACE not in cleaned
    assert b"GPSLatitude" not in cleaned
    assert b"location.ISO6709" not in cleaned
    assert cleaned.startswith(original[:24])  # the file type box is untouched
    assert cleaned.endswith(b"\x00\x01" * 500)  # and so are the pictures and sound
    assert strip_location(path) == 0


def test_an_uploaded_video_is_kept_without_its_location(tmp_path):
    storage = LocalFolderStorage(tmp_path / "store")
    accepted = accept_upload(
        storage,
        io.BytesIO(samples.video_with_location()),
        "observation.mov",
        max_bytes=10**7,
        quota_remaining=10**7,
    )
    with storage.open(accepted.sha256) as handle:
        kept = handle.read()
    assert samples.PLACE not in kept
    import hashlib

    assert hashlib.sha256(kept).hexdigest() == accepted.sha256


def test_damaged_or_plain_media_is_left_alone(tmp_path):
    path = tmp_path / "clip.mp4"
    data = samples.MEDIA["mp4"] + b"\x00\x00\xff\xffmoov"  # a box claiming to run past the end
    path.write_bytes(data)
    assert strip_location(path) == 0
    assert path.read_bytes() == data
