"""Documents are kept without the details that name their author; what cannot be taken out
safely is said, for the assessor."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from pypdf import PdfReader

from lms.portfolio import document_metadata
from lms.portfolio.storage import LocalFolderStorage
from lms.portfolio.uploads import accept_upload
from tests.portfolio import hostile, samples
from tests.portfolio.hostile import HER_NAME, HER_REFUGE

MB = 1024 * 1024


@pytest.fixture
def storage(tmp_path):
    return LocalFolderStorage(tmp_path / "store")


def upload(storage, data: bytes, name: str):
    accepted = accept_upload(
        storage, io.BytesIO(data), name, max_bytes=10 * MB, quota_remaining=100 * MB
    )
    with storage.open(accepted.sha256) as handle:
        content = handle.read()
    assert hashlib.sha256(content).hexdigest() == accepted.sha256
    assert len(content) == accepted.size
    return accepted, content


def test_a_pdf_loses_its_author_and_xmp(storage):
    original = hostile.pdf()
    assert HER_NAME.encode() in original
    accepted, content = upload(storage, original, "reflection.pdf")
    assert HER_NAME.encode() not in content
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata is None
    assert "/Metadata" not in reader.trailer["/Root"]
    assert len(reader.pages) == 1
    assert accepted.metadata_warning is None
    # What is kept is still a PDF that passes the same checks.
    again, _ = upload(storage, content, "again.pdf")
    assert again.sha256 == accepted.sha256


def test_a_pdf_with_nothing_to_remove_is_kept_byte_for_byte(storage):
    accepted, content = upload(storage, samples.pdf(), "plain.pdf")
    assert content == samples.pdf()
    assert accepted.metadata_warning is None


def test_a_signed_pdf_is_not_rewritten_and_the_assessor_is_warned(storage):
    accepted, content = upload(storage, hostile.signed_pdf(), "signed.pdf")
    assert content == hostile.signed_pdf()
    assert "signed PDF" in accepted.metadata_warning


def test_a_pdf_comment_with_its_author_is_warned_about(storage):
    accepted, content = upload(storage, hostile.commented_pdf(), "comments.pdf")
    assert PdfReader(io.BytesIO(content)).metadata is None
    assert "comments" in accepted.metadata_warning


def parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {entry.filename: archive.read(entry) for entry in archive.infolist()}


def test_a_word_document_loses_its_author_company_and_manager(storage):
    original = hostile.docx()
    accepted, content = upload(storage, original, "reflection.docx")
    kept = parts(content)
    assert HER_NAME.encode() not in content
    for part in kept.values():
        assert HER_NAME.encode() not in part
        assert HER_REFUGE.encode() not in part
    assert b"<dc:creator></dc:creator>" in kept["docProps/core.xml"]
    assert b"<dc:title>Reflection</dc:title>" in kept["docProps/core.xml"]
    assert b"<Application>Microsoft Office Word</Application>" in kept["docProps/app.xml"]
    # Everything else is as it was, in the same order.
    before = parts(original)
    assert list(kept) == list(before)
    assert kept["word/document.xml"] == before["word/document.xml"]
    assert accepted.kind_label == "Word document"
    assert accepted.metadata_warning is None


def test_an_opendocument_loses_its_creators_and_user_fields(storage):
    accepted, content = upload(storage, hostile.odt(), "reflection.odt")
    kept = parts(content)
    for part in kept.values():
        assert HER_NAME.encode() not in part
        assert HER_REFUGE.encode() not in part
    assert b"<meta:generator>LibreOffice</meta:generator>" in kept["meta.xml"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        first = archive.infolist()[0]
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED
    assert first.extra == b""
    assert accepted.kind_label == "OpenDocument text"


def test_comments_with_their_authors_names_are_warned_about(storage):
    data = hostile.docx(("word/comments.xml", hostile.COMMENTS))
    accepted, content = upload(storage, data, "commented.docx")
    assert b"<dc:creator></dc:creator>" in parts(content)["docProps/core.xml"]
    assert "comments or tracked changes" in accepted.metadata_warning


def test_a_photo_inside_a_document_with_its_own_details_is_warned_about(storage):
    data = hostile.docx(("word/media/image1.jpeg", samples.photo_with_gps()))
    accepted, _ = upload(storage, data, "photo.docx")
    assert "photos inside it" in accepted.metadata_warning


def test_properties_that_cannot_be_emptied_safely_are_warned_about(storage):
    broken = hostile.CORE.replace(b"</cp:coreProperties>", b"")
    accepted, content = upload(
        storage, hostile.docx(replace={"docProps/core.xml": broken}), "x.docx"
    )
    assert parts(content)["docProps/core.xml"] == broken
    assert "document properties" in accepted.metadata_warning


def test_the_warning_is_one_plain_sentence():
    text = document_metadata.warning_text(["pdf-signed", "annotations"])
    assert text.startswith("This file may still name someone: it is a signed PDF")
    assert text.endswith("who made them.")
    assert document_metadata.warning_text([]) is None
    # The most a document can gather fits the column it is kept in.
    for codes in (
        ["metadata", "annotations", "photos", "custom"],
        ["pdf-unwritable", "annotations"],
    ):
        assert len(document_metadata.warning_text(codes)) <= 300
