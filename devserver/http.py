"""Serve the Chalice app over HTTP locally, the way API Gateway would.

Chalice's local gateway answers an unknown route with API Gateway's own 403 "Missing Authentication Token";
the deployed API maps that to PocketBase's 404 body with a gateway response (infra/template.yaml), and so does
this server, so clients see one error shape everywhere.
"""
import json

from chalice.local import ChaliceRequestHandler, LocalDevServer, ThreadedHTTPServer

from chalicelib.core.errors import NotFound
from devserver.loopback import LoopbackServer


class _Handler(ChaliceRequestHandler):
    def _send_error_response(self, error):
        if error.CODE == 403 and b"Missing Authentication Token" in (error.body or b""):
            body = json.dumps(NotFound().body()).encode()
            return self._send_http_response(404, {"Content-Type": "application/json"}, body)
        return super()._send_error_response(error)

    def log_message(self, *args):  # the app logs every request itself, as JSON
        pass

    def _method_not_allowed(self):
        """API Gateway refuses methods it has no route for (TRACE, QUERY, …); answer in PocketBase's shape, not
        http.server's 501 page."""
        from chalicelib.core.errors import MethodNotAllowed

        self.close_connection = True  # its body (if any) is never read: don't parse it as the next request
        self._send_http_response(405, {"Content-Type": "application/json"},
                                 json.dumps(MethodNotAllowed().body()).encode())

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)


class _Server(ThreadedHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's default backlog of 5 drops bursts of concurrent clients


def _config(project_dir, stage):
    from chalice.cli.factory import CLIFactory

    return CLIFactory(project_dir).create_config_obj(chalice_stage_name=stage)


class HttpServer(LoopbackServer):
    """The app served over HTTP: `.url`, `.stop()`."""

    def __init__(self, app, project_dir, port=0, host="127.0.0.1", stage="local"):
        from chalice.local import LocalChalice

        class _LocalApp(LocalChalice, app.__class__):
            pass

        app.__class__ = _LocalApp
        local = LocalDevServer(app, _config(project_dir, stage), host, port, handler_cls=_Handler, server_cls=_Server)
        super().__init__(local.server, "http")
