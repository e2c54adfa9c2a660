"""Photos lose their metadata (GPS position first) when they are uploaded."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image

from lms.portfolio import images
from lms.portfolio.filetypes import KINDS, FileRefused
from lms.portfolio.storage import LocalFolderStorage, receive
from tests.portfolio import samples


@pytest.fixture
def storage(tmp_path):
    return LocalFolderStorage(tmp_path / "store")


def reencoded(storage, data: bytes, key: str):
    staged = receive(storage, io.BytesIO(data), limit=10**8)
    with staged:
        cleaned, kind = images.reencode(storage, staged, KINDS[key])
    data = cleaned.path.read_bytes()
    cleaned.discard()
    return data, kind


def assert_no_metadata(data: bytes):
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert ExifTags.IFD.GPSInfo not in exif
        assert ExifTags.Base.Make not in exif
        assert "exif" not in image.info
        assert "comment" not in image.info
    assert b"PhoneCo" not in data
    assert b"Exif\x00\x00" not in data


@pytest.mark.parametrize(("fmt", "key"), [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp")])
def test_gps_position_is_gone_after_upload(storage, fmt, key):
    original = samples.photo_with_gps(fmt)
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)[2] == samples.GPS_LATITUDE
    data, kind = reencoded(storage, original, key)
    assert kind.key == key
    assert_no_metadata(data)


def test_heic_photos_become_jpeg_without_metadata(storage):
    original = samples.photo_with_gps("HEIF")
    data, kind = reencoded(storage, original, "heic")
    assert kind.key == "jpeg"
    assert data.startswith(b"\xff\xd8\xff")
    assert_no_metadata(data)


def test_the_photo_stays_upright(storage):
    # Orientation 6: the camera was turned; the stored pixels are the right way up.
    data, _ = reencoded(storage, samples.photo_with_gps("JPEG", (40, 20), orientation=6), "jpeg")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (20, 40)
        assert ExifTags.Base.Orientation not in image.getexif()


def test_animated_gifs_keep_their_frames_but_not_their_comments(storage):
    original = samples.animated_gif(frames=3)
    assert b"Acacia" in original
    with Image.open(io.BytesIO(original)) as before:
        assert before.n_frames == 3
    data, kind = reencoded(storage, original, "gif")
    assert kind.key == "gif"
    assert b"Acacia" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.n_frames == 3


def test_a_damaged_picture_is_refused(storage):
    broken = samples.picture("JPEG", (64, 64))[:120]
    with pytest.raises(FileRefused, match="could not read this picture"):
        reencoded(storage, broken, "jpeg")
    assert list(storage.incoming.iterdir()) == []


def _png_claiming(width: int, height: int) -> bytes:
    data = bytearray(samples.picture("PNG", (1, 1)))
    header = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return bytes(data)


@pytest.mark.parametrize(("width", "height"), [(9000, 9000), (20000, 20000)])
def test_a_picture_with_absurd_dimensions_is_refused_before_it_is_decoded(storage, width, height):
    with pytest.raises(FileRefused, match="too large in pixels"):
        reencoded(storage, _png_claiming(width, height), "png")
    assert list(storage.incoming.iterdir()) == []
