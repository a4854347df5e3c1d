"""Which files a browser may show in place: PocketBase's list of inline content types (images but SVG, audio, video,
PDF). Anything else — HTML, SVG, XHTML, XML, scripts, and any type a browser might render as active content — is
stored and served as an attachment, so a file uploaded to a field without `mimeTypes` can't run a script on the
files domain."""
from __future__ import annotations

import mimetypes

INLINE_TYPES = frozenset({
    "image/png", "image/jpg", "image/jpeg", "image/gif", "image/webp", "image/x-icon", "image/bmp",
    "video/webm", "video/mp4", "video/3gpp", "video/quicktime", "video/x-ms-wmv",
    "audio/basic", "audio/aiff", "audio/mpeg", "audio/midi", "audio/mp3", "audio/wave", "audio/wav", "audio/x-wav",
    "audio/x-mpeg", "audio/x-m4a", "audio/aac", "application/pdf", "application/x-pdf",
})
ATTACHMENT = "attachment"


def _essence(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def served_inline(content_type: str) -> bool:
    return _essence(content_type) in INLINE_TYPES


def disposition_for(content_type: str) -> str | None:
    """The Content-Disposition an upload of this type is stored with (None: shown in place)."""
    return None if served_inline(content_type) else ATTACHMENT


def stored_name_for(name: str, content_type: str) -> str:
    """`name` (a stored name), with its extension replaced when it claims an inline type the upload doesn't have
    ("innocent.png" uploaded as text/html ends in .bin): a file's link then decides by its name alone, whatever S3
    keeps of the upload's headers."""
    if served_inline(content_type) or not name_served_inline(name):
        return name
    stem, dot, _ = name.rpartition(".")
    return f"{stem if dot else name}.bin"


def name_served_inline(filename: str) -> bool:
    """For a stored file's link: whether its name's type may be shown in place (the stored object carries its own
    disposition too; this covers objects stored before it did)."""
    guessed, _ = mimetypes.guess_type(filename)
    return guessed is not None and served_inline(guessed)
