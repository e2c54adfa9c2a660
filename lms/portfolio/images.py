"""Photos are redrawn from their pixels on upload, so nothing but the picture is kept.

A phone photo carries EXIF data: the time, the phone, and often the GPS position where it was
taken, which for a survivor may be her home or her refuge. Copying the pixels into a new image
and saving that drops all of it (EXIF, XMP, comments), keeping only the colour profile so the
picture looks the same. The EXIF orientation is applied first, so the picture stays upright.
HEIC photos (iPhones) become JPEG, which every computer can open.
"""

from __future__ import annotations

import threading
import warnings
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from lms.i18n import _
from lms.portfolio.filetypes import KINDS, FileKind, FileRefused
from lms.portfolio.storage import EvidenceStorage, StagedFile, adopt, new_part_path

if TYPE_CHECKING:
    from PIL import Image


@cache
def _pillow() -> SimpleNamespace:
    """Pillow (with HEIC), loaded with the first photo rather than when the application
    starts: `_pillow().Image`, `.ImageOps`, `.ImageSequence`."""
    import pillow_heif
    from PIL import Image, ImageOps, ImageSequence

    pillow_heif.register_heif_opener()
    return SimpleNamespace(Image=Image, ImageOps=ImageOps, ImageSequence=ImageSequence)


# One picture is decoded at a time in each process: a phone photo takes 36 MB or more once
# decoded, so a class uploading together would otherwise take the server's memory; the others
# wait a moment (their bytes are already on disk).
_ONE_AT_A_TIME = threading.Lock()
MAX_PIXELS = 60_000_000  # well above any phone camera; a larger "photo" is an attack on memory
_SAVE_AS = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP", "heic": "JPEG"}
_OUTPUT_KIND = {"heic": "jpeg"}


def _open(path: Path) -> Image.Image:
    pil_image = _pillow().Image
    with warnings.catch_warnings():
        warnings.simplefilter("error", pil_image.DecompressionBombWarning)
        try:
            image = pil_image.open(path)
        except (pil_image.DecompressionBombWarning, pil_image.DecompressionBombError):
            raise FileRefused(_("This picture is far too large in pixels to accept.")) from None
        except Exception:
            raise FileRefused(
                _(
                    "We could not read this picture; it may be damaged. "
                    "Please save it again or take a screenshot of it."
                )
            ) from None
    if image.width * image.height > MAX_PIXELS:
        image.close()
        raise FileRefused(_("This picture is far too large in pixels to accept."))
    return image


def _redraw(image: Image.Image, target_format: str) -> Image.Image:
    # Turned upright in place: a decoded photo is tens of MB, and a copy would double it.
    _pillow().ImageOps.exif_transpose(image, in_place=True)
    if target_format == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    image.info = {}
    return image


def _save_animation(image: Image.Image, out: Path, target_format: str) -> None:
    frames, durations = [], []
    for frame in _pillow().ImageSequence.Iterator(image):
        durations.append(frame.info.get("duration", 100))
        copy = frame.copy()
        copy.info = {}
        frames.append(copy)
    frames[0].save(
        out,
        format=target_format,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=image.info.get("loop", 0),
    )


def reencode(
    storage: EvidenceStorage, staged: StagedFile, kind: FileKind
) -> tuple[StagedFile, FileKind]:
    """A new staged file holding only the pixels of the picture in `staged`, and its kind."""
    target_format = _SAVE_AS[kind.key]
    out = new_part_path(storage)
    try:
        with _ONE_AT_A_TIME, _open(staged.path) as image:
            icc = image.info.get("icc_profile")
            try:
                if getattr(image, "n_frames", 1) > 1 and target_format in ("GIF", "WEBP"):
                    _save_animation(image, out, target_format)
                else:
                    clean = _redraw(image, target_format)
                    options = {"icc_profile": icc} if icc and target_format != "GIF" else {}
                    if target_format in ("JPEG", "WEBP"):
                        options["quality"] = 90
                    clean.save(out, format=target_format, **options)
            except (OSError, ValueError, SyntaxError, EOFError):
                raise FileRefused(
                    _(
                        "We could not read this picture; it may be damaged. "
                        "Please save it again or take a screenshot of it."
                    )
                ) from None
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return adopt(out), KINDS[_OUTPUT_KIND.get(kind.key, kind.key)]
