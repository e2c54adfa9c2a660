"""Small, real-enough files of every kind the portfolio meets, made in memory for tests."""

from __future__ import annotations

import io
import zipfile

import pillow_heif
from PIL import ExifTags, Image

pillow_heif.register_heif_opener()

GPS_LATITUDE = (51.0, 30.0, 12.0)


def pdf() -> bytes:
    """A small PDF a reader can open (with its cross-reference table) and nothing else in it."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        table,
    )
    return bytes(out)


# zipfile stamps each entry with the current time unless told otherwise; a fixed stamp keeps
# the same sample the same bytes from one run to the next.
ZIP_STAMP = (2024, 1, 1, 0, 0, 0)


def _entry(name: str, compress_type: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_STAMP)
    info.compress_type = compress_type
    return info


def _zip(parts: dict[str, bytes], *, first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first is not None:
            archive.writestr(_entry(first, zipfile.ZIP_STORED), parts.pop(first))
        for name, data in parts.items():
            archive.writestr(_entry(name), data)
    return buffer.getvalue()


_OOXML = {
    "docx": ("word/document.xml", "wordprocessingml.document"),
    "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet"),
    "pptx": ("ppt/presentation.xml", "presentationml.presentation"),
}


def content_types(kind: str = "docx", *, macros: bool = False) -> bytes:
    part, family = _OOXML[kind]
    main = f"application/vnd.openxmlformats-officedocument.{family}.main+xml"
    if macros:
        main = "application/vnd.ms-word.document.macroEnabled.main+xml"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{main}"/></Types>'
    ).encode()


def office(kind: str = "docx", *, macros: bool = False) -> bytes:
    part, _ = _OOXML[kind]
    parts = {
        "[Content_Types].xml": content_types(kind, macros=macros),
        "_rels/.rels": b"<Relationships/>",
        part: b"<document>A reflective account of my first mentoring session.</document>",
    }
    if macros:
        parts["word/vbaProject.bin"] = b"\x00" * 64
    return _zip(parts)


def opendocument(kind: str = "odt") -> bytes:
    family = {"odt": "text", "ods": "spreadsheet", "odp": "presentation"}[kind]
    return _zip(
        {
            "mimetype": f"application/vnd.oasis.opendocument.{family}".encode(),
            "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": b"<manifest:manifest/>",
        },
        first="mimetype",
    )


def plain_zip() -> bytes:
    return _zip({"notes.txt": b"hello", "photo.jpg": b"\xff\xd8\xff"})


def zip_bomb(megabytes: int = 64, name: str = "word/document.xml") -> bytes:
    """A small file that would unpack to `megabytes` of zeros."""
    buffer = io.BytesIO()
    block = bytes(1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry("[Content_Types].xml"), content_types("docx"))
        with archive.open(_entry(name), "w", force_zip64=True) as handle:
            for _ in range(megabytes):
                handle.write(block)
    return buffer.getvalue()


def text(body: str = "I listened more than I spoke, and that felt right.\n") -> bytes:
    return body.encode("utf-8")


def photo_with_gps(fmt: str = "JPEG", size=(40, 20), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Model] = "Phone 12"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, exif=exif)
    return buffer.getvalue()


def picture(fmt: str, size=(16, 16)) -> bytes:
    image = Image.new("RGB", size, (10, 120, 60))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def animated_gif(frames: int = 3) -> bytes:
    images = [
        Image.new("RGB", (8, 8), (80 * index, 40, 200 - 60 * index)) for index in range(frames)
    ]
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=120,
        loop=0,
        comment=b"taken at 12 Acacia Avenue",
    )
    return buffer.getvalue()


MEDIA = {
    "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x00" + bytes(200),
    "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(200),
    "m4a": b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom" + bytes(200),
    "mov": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + bytes(200),
    "wav": b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(200),
    "ogg": b"OggS\x00\x02" + bytes(200),
    "webm": bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d") + bytes(200),
}
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01" + bytes(200)
SCRIPT = b"#!/bin/sh\nrm -rf ~\n"
WEB_PAGE = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'


def _box(kind: bytes, payload: bytes) -> bytes:
    import struct

    return struct.pack(">I", 8 + len(payload)) + kind + payload


PLACE = b"+51.5074-000.1278/"


def video_with_location() -> bytes:
    """An MP4 whose user data, Apple metadata and XMP packet all say where it was made."""
    xmp_uuid = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
    moov = _box(
        b"moov",
        _box(b"mvhd", bytes(100))
        + _box(b"trak", _box(b"tkhd", bytes(84)) + _box(b"udta", _box(b"\xa9xyz", PLACE)))
        + _box(b"udta", _box(b"\xa9xyz", b"\x00\x12\x15\xc7" + PLACE))
        + _box(b"meta", _box(b"keys", b"com.apple.quicktime.location.ISO6709") + PLACE),
    )
    return (
        _box(b"ftyp", b"qt  \x00\x00\x00\x00qt  ")
        + moov
        + _box(b"uuid", xmp_uuid + b"<x:xmpmeta>exif:GPSLatitude=51,30.4N</x:xmpmeta>")
        + _box(b"mdat", b"\x00\x01" * 500)
    )
