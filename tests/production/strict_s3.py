"""An S3 origin that checks what real S3 checks: the emulator (moto) behind SigV4 query signatures and POST
policies, which moto's server accepts without verifying (its IAM checks read only the Authorization header).

Presigned requests (query-string signatures) and POST form uploads are verified with tests/production/sigv4.py
against the request exactly as it arrives (its Host, path and query), and refused with S3's error codes when
they fail; requests with neither and no Authorization header are refused too, as a private bucket does.
Requests signed in the Authorization header (the app's own boto3 calls) go straight to the emulator.
"""
import io
import threading
from urllib.parse import unquote

from werkzeug.serving import WSGIRequestHandler, make_server

from tests.production.sigv4 import Rejected, verify_post, verify_query


def _error(start_response, rejected):
    body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{rejected.code}</Code>'
            f"<Message>{rejected.message}</Message></Error>").encode()
    start_response(f"{rejected.status} {rejected.code}", [("Content-Type", "application/xml"),
                                                          ("Content-Length", str(len(body)))])
    return [body]


class StrictS3:
    def __init__(self, app, credentials):
        self.app = app
        self.credentials = credentials
        self.checked = []  # ("query" | "post", method, host) of every request verified
        self.refused = []  # Rejected of every request refused

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        raw_path = raw_uri.split("?", 1)[0]
        query = environ.get("QUERY_STRING", "")
        host = environ.get("HTTP_HOST", "")
        headers = {k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        content_type = environ.get("CONTENT_TYPE", "")
        try:
            if "X-Amz-Signature=" in query:
                verify_query(method, raw_path, query, headers, self.credentials)
                self.checked.append(("query", method, host))
            elif method == "POST" and content_type.startswith("multipart/form-data"):
                self._check_form(environ, raw_path, host)
                self.checked.append(("post", method, host))
            elif "HTTP_AUTHORIZATION" not in environ:
                raise Rejected(403, "AccessDenied", "Access Denied")
        except Rejected as rejected:
            self.refused.append(rejected)
            return _error(start_response, rejected)
        return self.app(environ, start_response)

    def _check_form(self, environ, raw_path, host):
        from werkzeug.formparser import parse_form_data

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # the emulator reads the form again
        copy = dict(environ, **{"wsgi.input": io.BytesIO(body)})
        _, form, files = parse_form_data(copy)
        fields = {k.lower(): v for k, v in form.items()}
        upload = files.get("file")
        size = len(upload.read()) if upload else 0
        # path-style (/bucket) here; on AWS the origin host names the bucket (<bucket>.s3.<region>.amazonaws.com)
        bucket = unquote(raw_path).strip("/").split("/", 1)[0] or host.split(".s3.", 1)[0]
        verify_post(fields, size, bucket, self.credentials)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class StrictS3Server:
    """The strict origin on 127.0.0.1: `.url`, `.host` (what a proxy must send as Host), `.checked`, `.stop()`."""

    def __init__(self, credentials):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.app = StrictS3(DomainDispatcherApplication(create_backend_app), credentials)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_Quiet)
        self.host = f"127.0.0.1:{self._server.server_port}"
        self.url = f"http://{self.host}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="strict-s3", daemon=True)
        self._thread.start()

    @property
    def checked(self):
        return self.app.checked

    @property
    def refused(self):
        return self.app.refused

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
