"""Documents that could act by themselves or reach outside themselves are refused, each with
its own plain reason, and leave nothing behind; ordinary documents are kept."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from pypdf import PdfReader

from lms.portfolio import inspection
from lms.portfolio.filetypes import FileRefused
from lms.portfolio.storage import LocalFolderStorage
from lms.portfolio.uploads import accept_upload
from tests.portfolio import hostile, samples

MB = 1024 * 1024


@pytest.fixture
def storage(tmp_path):
    return LocalFolderStorage(tmp_path / "store")


def upload(storage, data: bytes, name: str):
    return accept_upload(
        storage, io.BytesIO(data), name, max_bytes=10 * MB, quota_remaining=MB * 100
    )


def stored_files(storage):
    return sorted(p for p in storage.root.rglob("*") if p.is_file())


def kept(storage, accepted) -> bytes:
    with storage.open(accepted.sha256) as handle:
        return handle.read()


@pytest.mark.parametrize("sample", hostile.HOSTILE, ids=[s.name for s in hostile.HOSTILE])
def test_a_hostile_document_is_refused_for_its_reason_and_nothing_is_kept(storage, sample):
    with pytest.raises(FileRefused) as refused:
        upload(storage, sample.make(), sample.name)
    assert refused.value.reason == sample.reason
    assert refused.value.field == "file"
    if sample.reason in inspection.MESSAGES:  # the same reason, told in the same first words
        first_sentence = inspection.MESSAGES[sample.reason].split(". ")[0]
        assert refused.value.message.startswith(first_sentence)
    assert stored_files(storage) == []


def test_every_reason_is_told_in_its_own_words():
    messages = list(inspection.MESSAGES.values())
    assert len(set(messages)) == len(messages)
    assert not any("error" in m.lower() or "malicious" in m.lower() for m in messages)


@pytest.mark.parametrize(
    ("data", "name", "label"),
    [
        (hostile.docx(), "reflection.docx", "Word document"),
        (hostile.odt(), "reflection.odt", "OpenDocument text"),
        (hostile.pdf(), "reflection.pdf", "PDF document"),
        (samples.office("xlsx"), "hours.xlsx", "Excel spreadsheet"),
        (samples.opendocument("ods"), "hours.ods", "OpenDocument spreadsheet"),
    ],
    ids=["docx-with-hyperlink", "odt-with-link-and-picture", "pdf", "xlsx", "ods"],
)
def test_ordinary_documents_with_links_and_pictures_are_kept(storage, data, name, label):
    accepted = upload(storage, data, name)
    assert accepted.kind_label == label
    assert len(stored_files(storage)) == 1


def test_a_pdf_link_that_needs_a_click_is_kept(storage):
    def link(writer):
        hostile._annotation(
            writer,
            "/Link",
            A=hostile._action("/URI", URI=hostile.TextStringObject("https://a.example/")),
        )

    accepted = upload(storage, hostile.pdf(link), "links.pdf")
    assert PdfReader(io.BytesIO(kept(storage, accepted))).pages[0]["/Annots"]


def test_a_damaged_pdf_is_refused_plainly(storage):
    with pytest.raises(FileRefused, match="could not read this PDF") as refused:
        upload(storage, b"%PDF-1.7\n" + bytes(300), "broken.pdf")
    assert refused.value.reason == "pdf-damaged"


def test_one_part_that_unpacks_far_beyond_its_size_is_refused(storage, monkeypatch):
    monkeypatch.setattr(inspection, "LARGE_PART", 1024 * 1024)
    # Bytes that do not compress keep the whole archive under the overall ratio.
    noise = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(2048))
    data = hostile.docx(("word/media/noise.bin", noise), ("word/media/blank.txt", bytes(2 * MB)))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
    assert sum(e.file_size for e in entries) < 50 * sum(e.compress_size for e in entries)
    with pytest.raises(FileRefused) as refused:
        upload(storage, data, "big.docx")
    assert refused.value.reason == "zip-bomb"
