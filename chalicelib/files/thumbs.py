"""Thumbnails as PocketBase makes them, on the first request for a size and stored beside the original
(`<collectionId>/<recordId>/thumbs_<filename>/<size>_<filename>`), served from S3 after that.

Sizes (a field's `thumbs`, plus PocketBase's always-allowed 100x100): `WxH` fills the box and crops from the
center, `WxHt` from the top, `WxHb` from the bottom, `WxHf` fits inside the box without cropping (never enlarged),
`0xH` and `Wx0` resize to that height or width keeping the aspect ratio. EXIF orientation is applied first, a GIF
gives its first frame, and the thumbnail keeps the original's format (JPEG, PNG, GIF, WebP).

A thumbnail is made from at most MAX_SOURCE_BYTES of file and MAX_PIXELS of image (read from its header before
anything is decoded): a larger one, or a decompression bomb, is a 400 and nothing is stored. A file that is not an
image Pillow reads gives the original, as in PocketBase. Pillow is imported here only, when a thumbnail is made.
"""
from __future__ import annotations

import io
import re
import warnings
from typing import Any

from chalicelib.core import logs
from chalicelib.core.errors import BadRequest
from chalicelib.store import objects

SIZE = re.compile(r"^(\d{1,4})x(\d{1,4})(t|b|f)?$")
DEFAULT_SIZES = ("100x100",)  # PocketBase serves this size for every image field (its dashboard's previews)
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
MAX_SOURCE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 24_000_000  # ~96 MB decoded as RGBA: within a 512 MB Lambda with room for the resized copy
JPEG_QUALITY = 85


class TooLarge(BadRequest):
    default_message = "The image is too large to make a thumbnail of."


def allowed(size: str | None, field_sizes: list[str] | None) -> bool:
    """A size the field serves: well-formed, not 0x0, and listed (or PocketBase's default)."""
    found = SIZE.match(size or "")
    if found is None or not (int(found[1]) or int(found[2])):
        return False
    return size in (field_sizes or []) or size in DEFAULT_SIZES


def thumb_key(original_key: str, size: str) -> str:
    folder, _, filename = original_key.rpartition("/")
    return f"{folder}/thumbs_{filename}/{size}_{filename}"


def thumbs_prefix(original_key: str) -> str:
    folder, _, filename = original_key.rpartition("/")
    return f"{folder}/thumbs_{filename}/"


def ensure(original_key: str, size: str) -> str | None:
    """The key of the thumbnail of `size` (made and stored now if it isn't yet); None to serve the original."""
    key = thumb_key(original_key, size)
    if objects.head(key):
        return key
    source = objects.head(original_key)
    if source is None or source["contentType"] not in FORMATS:
        return None
    if source["size"] > MAX_SOURCE_BYTES:
        raise TooLarge(f"The image is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB: no thumbnail is made of it.")
    data = objects.read(original_key, MAX_SOURCE_BYTES)
    made = make(data, size, FORMATS[source["contentType"]])
    if made is None:
        return None
    objects.put(key, made, source["contentType"], cache_control="public, max-age=31536000, immutable")
    logs.event("files.thumb_made", size=size, bytes=len(made))
    return key


def make(data: bytes, size: str, fmt: str) -> bytes | None:
    """The thumbnail's bytes in `fmt`, or None for data Pillow can't read as an image."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    found = SIZE.match(size)
    assert found is not None
    width, height, mode = int(found[1]), int(found[2]), found[3] or ""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img: Any = Image.open(io.BytesIO(data))
            if img.width * img.height > MAX_PIXELS:
                raise TooLarge(f"The image has more than {MAX_PIXELS:,} pixels: no thumbnail is made of it.")
            if img.format == "JPEG":
                side = max(width, height)
                img.draft("RGB", (side, side))  # decode at the smallest scale still at least this big
            img.seek(0)  # a GIF's (or animated WebP's) first frame
            img = ImageOps.exif_transpose(img)
            img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise TooLarge(f"The image has more than {MAX_PIXELS:,} pixels: no thumbnail is made of it.") from None
        except (UnidentifiedImageError, OSError, ValueError, EOFError, SyntaxError):
            return None
    thumb = _resized(img, width, height, mode)
    return _encoded(thumb, fmt)


def _resized(img: Any, width: int, height: int, mode: str) -> Any:
    from PIL import Image, ImageOps

    if img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA" if "transparency" in img.info or img.mode in ("P", "PA") else "RGB")
    resample = Image.Resampling.BILINEAR  # PocketBase's imaging.Linear
    if width == 0 or height == 0:
        width = width or max(1, round(img.width * height / img.height))
        height = height or max(1, round(img.height * width / img.width))
        return img.resize((width, height), resample)
    if mode == "f":
        fitted = img.copy()
        fitted.thumbnail((width, height), resample)  # never enlarges, as imaging.Fit
        return fitted
    return ImageOps.fit(img, (width, height), resample, centering=(0.5, {"t": 0.0, "b": 1.0}.get(mode, 0.5)))


def _encoded(img: Any, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        img.save(out, "WEBP", quality=JPEG_QUALITY)
    else:
        img.save(out, fmt, optimize=fmt == "PNG")
    return out.getvalue()
