"""Where `GET /api/files/{collection}/{recordId}/{filename}` sends the client.

The API URL itself is the permanent link. Files of public collections (view rule `""`, field not `protected`)
redirect to the CDN base URL when one is configured (`WXBASE_FILES_CDN_URL`, e.g. CloudFront with origin access
control: a stable, cacheable URL) and otherwise to a signed S3 URL; protected files redirect to a signed URL that
lives a few minutes, only after the caller passed the view rule. Signed URLs are on WXBASE_FILES_DOMAIN when one
is set (store/objects.py), so a mini-program downloads from a domain it can list. `?thumb=WxH` serves a thumbnail
(files/thumbs.py) when the size is one the field lists, else the original, as PocketBase does. A file whose name's
type a browser would not show in place (files/inline.py) always gets a signed link that makes it an attachment, never
the CDN's.
"""
import os

from chalicelib.files import inline, thumbs
from chalicelib.store import objects

PUBLIC_LINK_SECONDS = 3600
PROTECTED_LINK_SECONDS = 300


def cdn_base():
    return os.environ.get("WXBASE_FILES_CDN_URL", "").rstrip("/")


def redirect_target(collection_id, record_id, filename, field, public, thumb=None, download=False):
    """(url, cache-control) for a file the caller may see."""
    download = download or not inline.name_served_inline(filename)
    key = objects.object_key(collection_id, record_id, filename)
    if thumb and thumbs.allowed(thumb, field.opt("thumbs")):
        key = thumbs.ensure(key, thumb) or key
    if public and not field.opt("protected"):
        base = cdn_base()
        if base and not download:
            return f"{base}/{key}", "public, max-age=86400"
        return objects.signed_get_url(key, PUBLIC_LINK_SECONDS, filename if download else None), \
            f"public, max-age={PUBLIC_LINK_SECONDS // 2}"
    return objects.signed_get_url(key, PROTECTED_LINK_SECONDS, filename if download else None), "private, no-store"
