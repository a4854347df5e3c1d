"""A server of the local stack, serving on 127.0.0.1 from a daemon thread."""
import threading


class LoopbackServer:
    """Wraps a started `socketserver`-style server: `.url`, `.stop()`."""

    def __init__(self, server, name):
        self.server = server
        # a short poll keeps stop() quick: shutdown() waits for the loop to look at its flag
        self.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name,
                                       daemon=True)
        self.thread.start()

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
