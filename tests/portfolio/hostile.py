"""Documents made to do harm, and ordinary ones full of their author's name, built in memory.

Every hostile sample is made here with zipfile or pypdf: nothing is downloaded. `HOSTILE`
lists them with the name each is uploaded under and the reason it must be refused for.
"""

from __future__ import annotations

import io
import stat
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from tests.portfolio import samples
from tests.portfolio.samples import ZIP_STAMP

HER_NAME = "Jane Realname"
HER_REFUGE = "Hope House Refuge"

# --- Office Open XML ------------------------------------------------------------------------------

PACKAGE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    b'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    b'<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/extended-properties" Target="docProps/app.xml"/>'
    b"</Relationships>"
)
DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>A reflective account of my first mentoring session."
    b"</w:t></w:r></w:p></w:body></w:document>"
)
CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/">'
    f"<dc:title>Reflection</dc:title><dc:creator>{HER_NAME}</dc:creator>"
    f"<cp:lastModifiedBy>{HER_NAME}</cp:lastModifiedBy>"
    "<cp:revision>3</cp:revision></cp:coreProperties>"
).encode()
APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    'properties"><Application>Microsoft Office Word</Application>'
    f"<Company>{HER_REFUGE}</Company><Manager>{HER_NAME}</Manager><Pages>1</Pages>"
    "</Properties>"
).encode()
HYPERLINK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/hyperlink" Target="https://www.example.org/" TargetMode="External"/>'
    b"</Relationships>"
)


def relationships(kind: str, target: str, *, external: bool = True) -> bytes:
    mode = ' TargetMode="External"' if external else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/{kind}" Target="{target}"{mode}/></Relationships>'
    ).encode()


def _info(name: str, *, stored: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_STAMP)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    return info


def archive(parts: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out, warnings.catch_warnings():
        # A part named twice is the point of one sample; zipfile warns about it.
        warnings.filterwarnings("ignore", "Duplicate name", UserWarning)
        for name, data in parts:
            out.writestr(_info(name) if isinstance(name, str) else name, data)
    return buffer.getvalue()


def docx(*extra: tuple[zipfile.ZipInfo | str, bytes], replace: dict | None = None) -> bytes:
    """An ordinary Word document (with a hyperlink, and its author's name in its
    properties), with `extra` parts added and `replace` parts swapped."""
    parts = {
        "[Content_Types].xml": samples.content_types("docx"),
        "_rels/.rels": PACKAGE_RELS,
        "word/document.xml": DOCUMENT,
        "word/_rels/document.xml.rels": HYPERLINK_RELS,
        "docProps/core.xml": CORE,
        "docProps/app.xml": APP,
    }
    parts.update(replace or {})
    return archive([*parts.items(), *extra])


def symlink(name: str, target: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    info = _info(name, stored=True)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
).encode("utf-16")
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
FIELD_DOCUMENT = DOCUMENT.replace(
    b"<w:r><w:t>",
    b'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
    b' INCLUDEPICTURE "http://tracker.example/pixel.png" \\d </w:instrText></w:r><w:r><w:t>',
)

# --- OpenDocument --------------------------------------------------------------------------------

MANIFEST = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    b'<manifest:file-entry manifest:full-path="/" '
    b'manifest:media-type="application/vnd.oasis.opendocument.text"/></manifest:manifest>'
)
CONTENT = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    b' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    b' xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"'
    b' xmlns:xlink="http://www.w3.org/1999/xlink"><office:body><office:text>'
    b"<text:p>What I noticed about listening. "
    b'<text:a xlink:href="https://www.example.org/">A link</text:a></text:p>'
    b'<draw:frame><draw:image xlink:href="Pictures/1.png"/></draw:frame>'
    b"BODY</office:text></office:body></office:document-content>"
)
META = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>'
    "<meta:generator>LibreOffice</meta:generator><dc:title>Reflection</dc:title>"
    f"<meta:initial-creator>{HER_NAME}</meta:initial-creator><dc:creator>{HER_NAME}</dc:creator>"
    f"<meta:printed-by>{HER_NAME}</meta:printed-by>"
    f'<meta:user-defined meta:name="Where">{HER_REFUGE}</meta:user-defined>'
    "</office:meta></office:document-meta>"
).encode()


def odt(*extra: tuple[zipfile.ZipInfo | str, bytes], body: bytes = b"") -> bytes:
    """An ordinary OpenDocument text (a hyperlink, a picture, its author's name in meta.xml)."""
    return archive(
        [
            (_info("mimetype", stored=True), b"application/vnd.oasis.opendocument.text"),
            ("content.xml", CONTENT.replace(b"BODY", body)),
            ("meta.xml", META),
            ("Pictures/1.png", samples.picture("PNG")),
            ("META-INF/manifest.xml", MANIFEST),
            *extra,
        ]
    )


# --- PDF -----------------------------------------------------------------------------------------


def pdf(change: Callable[[PdfWriter], None] | None = None, *, author: bool = True) -> bytes:
    """A one-page PDF, with its author's name in its information and XMP, changed by
    `change` before it is written."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if author:
        writer.add_metadata({"/Author": HER_NAME, "/Title": "Reflection"})
        xmp = StreamObject()
        xmp.set_data(
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><dc:creator>'
            + HER_NAME.encode()
            + b"</dc:creator></rdf:RDF></x:xmpmeta>"
        )
        xmp[NameObject("/Type")] = NameObject("/Metadata")
        xmp[NameObject("/Subtype")] = NameObject("/XML")
        writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    if change is not None:
        change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _name(value: str) -> NameObject:
    return NameObject(value)


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({_name("/S"): _name(kind)})
    for key, value in entries.items():
        action[_name(f"/{key}")] = value
    return action


def _annotation(writer: PdfWriter, subtype: str, **entries) -> None:
    annotation = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name(subtype),
            _name("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 50, 50)]),
        }
    )
    for key, value in entries.items():
        annotation[_name(f"/{key}")] = value
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _open_javascript(writer: PdfWriter) -> None:
    writer._root_object[_name("/OpenAction")] = _action(
        "/JavaScript", JS=TextStringObject("app.alert('hello')")
    )


def _named_javascript(writer: PdfWriter) -> None:
    script = _action("/JavaScript", JS=TextStringObject("this.print()"))
    names = DictionaryObject(
        {_name("/Names"): ArrayObject([TextStringObject("p"), writer._add_object(script)])}
    )
    writer._root_object[_name("/Names")] = DictionaryObject({_name("/JavaScript"): names})


def _launch(writer: PdfWriter) -> None:
    _annotation(writer, "/Link", A=_action("/Launch", F=TextStringObject("calc.exe")))


def _attachment(writer: PdfWriter) -> None:
    writer.add_attachment("notes.txt", b"hello")


def _attachment_annotation(writer: PdfWriter) -> None:
    _annotation(writer, "/FileAttachment", Contents=TextStringObject("see attached"))


def _page_actions(writer: PdfWriter) -> None:
    writer.pages[0][_name("/AA")] = DictionaryObject(
        {_name("/O"): _action("/URI", URI=TextStringObject("https://tracker.example/"))}
    )


def _open_uri(writer: PdfWriter) -> None:
    writer._root_object[_name("/OpenAction")] = _action(
        "/URI", URI=TextStringObject("https://tracker.example/")
    )


def _rich_media(writer: PdfWriter) -> None:
    _annotation(writer, "/RichMedia")


def _xfa(writer: PdfWriter) -> None:
    form = StreamObject()
    form.set_data(b"<xdp:xdp/>")
    writer._root_object[_name("/AcroForm")] = DictionaryObject(
        {_name("/Fields"): ArrayObject(), _name("/XFA"): writer._add_object(form)}
    )


def _password(writer: PdfWriter) -> None:
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")


def _obfuscated_javascript() -> bytes:
    """`/J#61vaScript` is `/JavaScript` to a PDF reader; a byte search would miss it."""
    data = pdf(_open_javascript, author=False)
    return data.replace(b"/S /JavaScript", b"/S /J#61vaScript")


# --- the list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    kind: str  # what it is, for the tally
    name: str  # the name it is uploaded under
    make: Callable[[], bytes]
    reason: str


def _xlsx() -> bytes:
    return samples.office("xlsx")


HOSTILE = [
    # Office
    Hostile(
        "nested archive",
        "embedded.docx",
        lambda: docx(("word/embeddings/Microsoft_Excel_Worksheet.xlsx", _xlsx())),
        "nested-archive",
    ),
    Hostile(
        "nested archive",
        "disguised.docx",
        lambda: docx(("word/media/image1.png", samples.plain_zip())),
        "nested-archive",
    ),
    Hostile(
        "path with ..", "dots.docx", lambda: docx(("word/../../evil.xml", b"<a/>")), "unsafe-path"
    ),
    Hostile(
        "path with ..",
        "backslash.docx",
        lambda: docx(("word\\..\\..\\evil.xml", b"<a/>")),
        "unsafe-path",
    ),
    Hostile("absolute path", "absolute.docx", lambda: docx(("/etc/cron.d/x", b"x")), "unsafe-path"),
    Hostile(
        "absolute path", "drive.docx", lambda: docx(("C:/Windows/x.xml", b"<a/>")), "unsafe-path"
    ),
    Hostile(
        "symlink",
        "link.docx",
        lambda: docx(symlink("word/media/image2.png", b"/etc/passwd")),
        "symlink",
    ),
    Hostile(
        "duplicate part",
        "twice.docx",
        lambda: docx(("word/document.xml", DOCUMENT.replace(b"first", b"second"))),
        "duplicate-part",
    ),
    Hostile(
        "XML entities",
        "laughs.docx",
        lambda: docx(replace={"word/document.xml": BILLION_LAUGHS}),
        "xml-entities",
    ),
    Hostile(
        "XML entities",
        "utf16.docx",
        lambda: docx(replace={"word/document.xml": EXTERNAL_ENTITY}),
        "xml-entities",
    ),
    Hostile("macros", "macros.docx", lambda: samples.office("docx", macros=True), "macros"),
    Hostile(
        "macros",
        "activex.docx",
        lambda: docx(("word/activeX/activeX1.bin", OLE_HEADER)),
        "macros",
    ),
    Hostile(
        "embedded executable",
        "ole.docx",
        lambda: docx(("word/embeddings/oleObject1.bin", OLE_HEADER)),
        "executable",
    ),
    Hostile(
        "embedded executable",
        "program.docx",
        lambda: docx(("word/media/image3.png", samples.WINDOWS_PROGRAM)),
        "executable",
    ),
    Hostile(
        "embedded executable",
        "setup.docx",
        lambda: docx(("word/media/setup.exe", b"hello")),
        "executable",
    ),
    Hostile(
        "remote template",
        "template.docx",
        lambda: docx(
            (
                "word/_rels/settings.xml.rels",
                relationships("attachedTemplate", "https://tracker.example/t.dotm"),
            )
        ),
        "external-content",
    ),
    Hostile(
        "external relationship",
        "picture.docx",
        lambda: docx(
            replace={
                "word/_rels/document.xml.rels": relationships(
                    "image", "\\\\tracker.example\\share\\pixel.png"
                )
            }
        ),
        "external-content",
    ),
    Hostile(
        "external relationship",
        "field.docx",
        lambda: docx(replace={"word/document.xml": FIELD_DOCUMENT}),
        "external-content",
    ),
    Hostile(
        "embedded executable",
        "oleobject-rel.docx",
        lambda: docx(
            replace={
                "word/_rels/document.xml.rels": relationships(
                    "oleObject", "embeddings/thing.dat", external=False
                )
            }
        ),
        "executable",
    ),
    Hostile("zip bomb", "bomb.docx", lambda: samples.zip_bomb(megabytes=16), "zip-bomb"),
    # OpenDocument
    Hostile(
        "macros",
        "basic.odt",
        lambda: odt(("Basic/Standard/Module1.xml", b"<script:module/>")),
        "macros",
    ),
    Hostile(
        "macros", "python.odt", lambda: odt(("Scripts/python/run.py", b"import os\n")), "macros"
    ),
    Hostile(
        "macros",
        "listener.odt",
        lambda: odt(
            body=b'<script:event-listener script:language="ooo:script" '
            b'xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic"/>'
        ),
        "macros",
    ),
    Hostile(
        "external relationship",
        "remote-image.odt",
        lambda: odt(body=b'<draw:image xlink:href="https://tracker.example/pixel.png"/>'),
        "external-content",
    ),
    Hostile(
        "external relationship",
        "section.odt",
        lambda: odt(
            body=b'<text:section><text:section-source xlink:href="file:///etc/passwd"/>'
            b"</text:section>"
        ),
        "external-content",
    ),
    Hostile(
        "XML entities",
        "entities.odt",
        lambda: odt(("styles.xml", BILLION_LAUGHS)),
        "xml-entities",
    ),
    Hostile(
        "embedded executable",
        "object.odt",
        lambda: odt(("Object 1/payload.bin", samples.LINUX_PROGRAM)),
        "executable",
    ),
    Hostile("path with ..", "dots.odt", lambda: odt(("../../evil.xml", b"<a/>")), "unsafe-path"),
    Hostile(
        "nested archive",
        "nested.odt",
        lambda: odt(("Object 1/inner.zip", samples.plain_zip())),
        "nested-archive",
    ),
    # PDF
    Hostile("PDF JavaScript", "open-script.pdf", lambda: pdf(_open_javascript), "pdf-javascript"),
    Hostile("PDF JavaScript", "named-script.pdf", lambda: pdf(_named_javascript), "pdf-javascript"),
    Hostile("PDF JavaScript", "hidden-name.pdf", _obfuscated_javascript, "pdf-javascript"),
    Hostile("PDF launch action", "launch.pdf", lambda: pdf(_launch), "pdf-launch"),
    Hostile("PDF embedded file", "attached.pdf", lambda: pdf(_attachment), "pdf-embedded-file"),
    Hostile(
        "PDF embedded file",
        "attachment-note.pdf",
        lambda: pdf(_attachment_annotation),
        "pdf-embedded-file",
    ),
    Hostile(
        "PDF automatic action",
        "page-action.pdf",
        lambda: pdf(_page_actions),
        "pdf-automatic-action",
    ),
    Hostile("PDF automatic action", "open-uri.pdf", lambda: pdf(_open_uri), "pdf-automatic-action"),
    Hostile("PDF rich media", "flash.pdf", lambda: pdf(_rich_media), "pdf-rich-media"),
    Hostile("PDF XFA form", "xfa.pdf", lambda: pdf(_xfa), "pdf-xfa"),
    Hostile("PDF with a password", "locked.pdf", lambda: pdf(_password), "pdf-password"),
]


def signed_pdf() -> bytes:
    """A PDF with a signature field (as a signed document has), and its author's name."""

    def sign(writer: PdfWriter) -> None:
        signature = DictionaryObject(
            {
                _name("/Type"): _name("/Sig"),
                _name("/ByteRange"): ArrayObject([NumberObject(0)] * 4),
                _name("/Name"): TextStringObject(HER_NAME),
            }
        )
        writer._root_object[_name("/AcroForm")] = DictionaryObject(
            {_name("/Fields"): ArrayObject([writer._add_object(signature)])}
        )

    return pdf(sign)


def commented_pdf() -> bytes:
    """A PDF with a comment, which names whoever wrote it."""
    return pdf(
        lambda writer: _annotation(
            writer, "/Text", T=TextStringObject(HER_NAME), Contents=TextStringObject("Check")
        )
    )


COMMENTS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b'<w:comment w:id="0" w:author="' + HER_NAME.encode() + b'" w:initials="JR">'
    b"<w:p><w:r><w:t>Say more here</w:t></w:r></w:p></w:comment></w:comments>"
)
