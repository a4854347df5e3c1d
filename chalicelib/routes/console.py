"""`GET /_/`: the admin console, one self-contained HTML file (chalicelib/console/index.html, built from console/),
served by the API itself: nothing is loaded from anywhere else, which mainland networks would often block.

Its inline script and style are allowed by hash in a strict Content-Security-Policy, so no other script can run on
the page that holds an admin session; it talks and loads images only to this API and the deployment's files origin
(uploads, file links, the CDN), so an injected URL can't carry data elsewhere; it is never framed, and browsers
revalidate it by ETag.
"""
import base64
import os
import re
import threading

from chalice import Response

from chalicelib.routes import schemas
from chalicelib.routes.blueprint import ApiBlueprint

bp = ApiBlueprint(__name__)
PAGE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "console", "index.html")
_cached: dict = {}
_lock = threading.Lock()


def _hashes(html: str, tag: str) -> str:
    import hashlib  # OpenSSL's hashes load when used, not in every Lambda's start
    bodies = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)
    return " ".join("'sha256-%s'" % base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() for b in bodies)


def _page() -> dict:
    import hashlib
    mtime = os.stat(PAGE).st_mtime_ns
    with _lock:
        if _cached.get("mtime") != mtime:
            with open(PAGE, encoding="utf-8") as f:
                html = f.read()
            csp = (f"default-src 'none'; script-src {_hashes(html, 'script')}; style-src {_hashes(html, 'style')}; "
                   "connect-src 'self' {files}; img-src 'self' data: {files}; "
                   "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
            _cached.update(mtime=mtime, html=html, csp=csp,
                           etag='"%s"' % hashlib.sha256(html.encode()).hexdigest()[:32])
        page = dict(_cached)
    page["csp"] = page["csp"].replace("{files}", " ".join(_files_origins()))
    return page


def _files_origins() -> list[str]:
    """Where the console's uploads go and its file links lead (settings are read per request)."""
    from chalicelib.files import download
    from chalicelib.store import objects

    origins = objects.link_origins()
    cdn = download.cdn_base()
    if cdn:
        parts = cdn.split("/")
        origins.append("/".join(parts[:3]))
    return sorted(set(origins))


@bp.route("/_", methods=["GET"], responses={"200": schemas.HTML, "304": None})
def console():
    """The admin console (HTML)."""
    page = _page()
    headers = {"Content-Security-Policy": page["csp"], "X-Frame-Options": "DENY", "ETag": page["etag"],
               "Cache-Control": "no-cache", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}
    if (bp.current_request.headers.get("if-none-match") or "") == page["etag"]:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=page["html"], status_code=200, headers={"Content-Type": "text/html; charset=utf-8", **headers})
