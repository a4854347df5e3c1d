"""A loopback stand-in for the files domain's CloudFront distribution (infra/template.yaml, FilesDistribution).

It does to a request what that distribution does: it answers only for its alias (CloudFront refuses Host names
that aren't one of the distribution's aliases), accepts every method, caches nothing, and forwards the path and
query string unchanged with every viewer header except Host, which becomes the origin's name (the managed
AllViewerExceptHostHeader origin request policy). Like CloudFront it drops hop-by-hop headers and adds Via,
X-Forwarded-For and X-Amz-Cf-Id. `forward_viewer_host=True` plays the wrong policy (AllViewer), which hands the
origin the alias as Host.

The alias is a name, not an address: `viewer_session()` is a requests Session that resolves it to 127.0.0.1,
like a DNS record would, while the request keeps the alias in its URL and Host header.
"""
import http.client
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "expect", "proxy-connection"}


class CloudFrontLike:
    def __init__(self, alias, origin_host, forward_viewer_host=False):
        self.alias_name = alias
        self.origin_host = origin_host
        self.forward_viewer_host = forward_viewer_host
        self.forwarded = []  # {"method", "target", "headers"} of every request sent to the origin
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _relay(self):
                proxy.relay(self)

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_OPTIONS = do_PATCH = _relay

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self.alias = f"{alias}:{self.port}"
        self.url = f"http://{self.alias}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="cloudfront-like", daemon=True)
        self._thread.start()

    def relay(self, viewer):
        if viewer.headers.get("Host", "").lower() != self.alias:
            return self._answer(viewer, 403, b"The request could not be satisfied: unknown Host.")
        length = int(viewer.headers.get("Content-Length") or 0)
        body = viewer.rfile.read(length) if length else None
        headers = {name: value for name, value in viewer.headers.items()
                   if name.lower() not in HOP_BY_HOP and name.lower() != "host"}
        headers["Host"] = self.alias if self.forward_viewer_host else self.origin_host
        headers["Via"] = "1.1 0123456789abcdef.cloudfront.net (CloudFront)"
        headers["X-Forwarded-For"] = viewer.client_address[0]
        headers["X-Amz-Cf-Id"] = os.urandom(20).hex()
        self.forwarded.append({"method": viewer.command, "target": viewer.path, "headers": dict(headers)})
        origin = http.client.HTTPConnection(self.origin_host, timeout=30)
        try:
            origin.request(viewer.command, viewer.path, body=body, headers=headers)
            reply = origin.getresponse()
            content = reply.read()
            relayed = [(k, v) for k, v in reply.getheaders()
                       if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
            self._answer(viewer, reply.status, content, relayed, head=viewer.command == "HEAD")
        finally:
            origin.close()

    @staticmethod
    def _answer(viewer, status, content, headers=(), head=False):
        viewer.send_response(status)
        for name, value in headers:
            viewer.send_header(name, value)
        viewer.send_header("Via", "1.1 0123456789abcdef.cloudfront.net (CloudFront)")
        viewer.send_header("X-Cache", "Miss from cloudfront")
        viewer.send_header("Content-Length", str(len(content)))
        viewer.end_headers()
        if not head:
            viewer.wfile.write(content)

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Resolve(HTTPAdapter):
    """Connects to 127.0.0.1 for the given host names; the URL and Host header keep the name."""

    def __init__(self, names):
        super().__init__()
        self.names = set(names)

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        if parts.hostname in self.names:
            request.headers["Host"] = parts.netloc
            request.url = urlunsplit((parts.scheme, f"127.0.0.1:{parts.port}", parts.path, parts.query, ""))
        return super().send(request, **kwargs)


def viewer_session(*names):
    session = requests.Session()
    session.mount("http://", _Resolve(names))
    return session
