"""Stored file names as PocketBase makes them: the sanitized original plus a random suffix, e.g. `cat_52iwbgds7l.png`.

The random suffix makes names unguessable (PocketBase's protection for files of public records) and unique within
a record; the sanitized stem keeps downloads readable. Only `[a-zA-Z0-9_]` survives in the stem, so a stored name
can never smuggle a `/`, `..` or a quote into an S3 key or a Content-Disposition header.
"""
import re
import secrets

from chalicelib.core.ids import ALPHABET

MAX_STEM = 100
SUFFIX_LENGTH = 10
STORED_NAME = re.compile(r"^[A-Za-z0-9_]{1,%d}_[a-z0-9]{%d}(\.[a-z0-9]{1,10})?$" % (MAX_STEM, SUFFIX_LENGTH))


def stored_name(original):
    base = original.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_")[:MAX_STEM] or "file"
    ext = re.sub(r"[^a-z0-9]", "", ext.lower())[:10]
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"{stem}_{suffix}" + (f".{ext}" if ext else "")


def is_stored_name(value):
    return isinstance(value, str) and bool(STORED_NAME.match(value))
