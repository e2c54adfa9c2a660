"""Accepting an upload: all of it kept, or nothing."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from lms.portfolio.filetypes import FileRefused
from lms.portfolio.storage import LocalFolderStorage
from lms.portfolio.uploads import accept_upload, describe_size
from tests.portfolio import samples

MB = 1024 * 1024


@pytest.fixture
def storage(tmp_path):
    return LocalFolderStorage(tmp_path / "store")


def upload(storage, data: bytes, name: str, *, max_bytes=10 * MB, quota_remaining=100 * MB):
    return accept_upload(
        storage, io.BytesIO(data), name, max_bytes=max_bytes, quota_remaining=quota_remaining
    )


def stored_files(storage):
    return sorted(p for p in storage.root.rglob("*") if p.is_file())


def test_a_document_is_kept_as_it_came(storage):
    accepted = upload(storage, samples.pdf(), "My reflection.pdf")
    assert accepted.filename == "My reflection.pdf"
    assert accepted.media_type == "application/pdf"
    assert accepted.kind_label == "PDF document"
    assert not accepted.reencoded
    with storage.open(accepted.sha256) as handle:
        assert handle.read() == samples.pdf()
    assert stored_files(storage) == [storage.path_for(accepted.sha256)]


def test_a_photo_is_kept_without_its_location(storage):
    original = samples.photo_with_gps("JPEG")
    accepted = upload(storage, original, "IMG_0042.jpg")
    assert accepted.reencoded
    with storage.open(accepted.sha256) as handle:
        data = handle.read()
    assert data != original
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    # Only the cleaned copy is kept; the original never reached the store.
    assert stored_files(storage) == [storage.path_for(accepted.sha256)]


def test_a_heic_photo_is_kept_as_jpeg(storage):
    accepted = upload(storage, samples.photo_with_gps("HEIF"), "IMG_0043.HEIC")
    assert accepted.filename == "IMG_0043.jpg"
    assert accepted.media_type == "image/jpeg"


def test_a_name_meant_to_escape_the_folder_is_made_harmless(storage):
    accepted = upload(storage, samples.text(), "../../etc/passwd")
    assert accepted.filename == "passwd.txt"
    assert stored_files(storage) == [storage.path_for(accepted.sha256)]
    assert storage.path_for(accepted.sha256).is_relative_to(storage.root)


def test_audio_keeps_the_media_type_its_ending_says(storage):
    accepted = upload(storage, samples.MEDIA["m4a"], "discussion.m4a")
    assert accepted.media_type == "audio/mp4"


def test_over_the_size_limit_is_refused_and_nothing_is_kept(storage):
    with pytest.raises(FileRefused, match="larger than 1 MB") as refused:
        upload(storage, samples.pdf() + bytes(2 * MB), "big.pdf", max_bytes=1 * MB)
    assert refused.value.field == "file"
    assert stored_files(storage) == []


def test_over_the_quota_is_refused_and_nothing_is_kept(storage):
    with pytest.raises(FileRefused, match=r"over the space you have for evidence \(512 KB left\)"):
        upload(storage, samples.pdf() + bytes(MB), "big.pdf", quota_remaining=512 * 1024)
    assert stored_files(storage) == []


def test_a_full_quota_refuses_even_a_small_file(storage):
    with pytest.raises(FileRefused, match="0 bytes left"):
        upload(storage, samples.text(), "notes.txt", quota_remaining=0)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.pdf", "empty"),
        (samples.office("docx"), "report.pdf", "contents are of another kind"),
        (samples.WINDOWS_PROGRAM, "notes.pdf", "Programs"),
        (samples.WEB_PAGE, "page.txt", "Web pages"),
        (samples.zip_bomb(megabytes=16), "bomb.docx", "unpack"),
    ],
    # Named ids: the files' bytes would make unreadable ids.
    ids=["empty", "contradicts-ending", "program", "web-page", "zip-bomb"],
)
def test_refused_files_leave_nothing_behind(storage, data, name, message):
    with pytest.raises(FileRefused, match=message):
        upload(storage, data, name)
    assert stored_files(storage) == []


@pytest.mark.parametrize(
    ("size", "said"),
    [(0, "0 bytes"), (900, "900 bytes"), (1536, "1.5 KB"), (MB, "1 MB"), (50 * MB, "50 MB")],
)
def test_sizes_are_said_plainly(size, said):
    assert describe_size(size) == said
