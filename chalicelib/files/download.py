"""Where `GET /api/files/{collection}/{recordId}/{filename}` sends the client.

The API URL itself is the permanent link. Files of public collections (view rule `""`, field not `protected`)
redirect to the CDN base URL when one is configured (`WXBASE_FILES_CDN_URL`, e.g. CloudFront with origin access
control: a stable, cacheable URL) and otherwise to a signed S3 URL; protected files redirect to a signed URL that
lives a few minutes, only after the caller passed the view rule. Signed URLs are on WXBASE_FILES_DOMAIN when one
is set (store/objects.py), so a mini-program downloads from a domain it can list. `?thumb=WxH` is accepted as
PocketBase does: a thumbnail stored under PocketBase's layout is served when the size is one the field lists, else
the original. A file whose name's type a browser would not show in place (files/inline.py) always gets a signed
link that makes it an attachment, never the CDN's.
"""
import os
import re

from chalicelib.files import inline
from chalicelib.store import objects

PUBLIC_LINK_SECONDS = 3600
PROTECTED_LINK_SECONDS = 300
THUMB = re.compile(r"^(\d{1,4})x(\d{1,4})(t|b|f)?$")


def cdn_base():
    return os.environ.get("WXBASE_FILES_CDN_URL", "").rstrip("/")


def _thumb_key(collection_id, record_id, filename, thumb, field):
    if not thumb or not THUMB.match(thumb) or thumb not in (field.opt("thumbs") or []):
        return None
    key = objects.object_key(collection_id, record_id, f"thumbs_{filename}/{thumb}_{filename}")
    return key if objects.head(key) else None


def redirect_target(collection_id, record_id, filename, field, public, thumb=None, download=False):
    """(url, cache-control) for a file the caller may see."""
    download = download or not inline.name_served_inline(filename)
    key = _thumb_key(collection_id, record_id, filename, thumb, field) or objects.object_key(
        collection_id, record_id, filename)
    if public and not field.opt("protected"):
        base = cdn_base()
        if base and not download:
            return f"{base}/{key}", "public, max-age=86400"
        return objects.signed_get_url(key, PUBLIC_LINK_SECONDS, filename if download else None), \
            f"public, max-age={PUBLIC_LINK_SECONDS // 2}"
    return objects.signed_get_url(key, PROTECTED_LINK_SECONDS, filename if download else None), "private, no-store"
