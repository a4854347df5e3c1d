"""`make dev`'s settings from the environment: where it listens, its fixed ports, its data folder.

Ports are fixed (not random) so URLs a client was given, such as an upload URL, still work after a restart. A port
that is taken is reported in one line naming the variable to change, before anything starts.
"""
import errno
import os
import socket
import subprocess
from dataclasses import dataclass
from typing import Mapping

DEFAULT_PORTS = {"PORT": 8000, "S3_PORT": 8001, "SANDBOX_PORT": 8002, "DYNAMODB_PORT": 8003}


class ConfigError(Exception):
    pass


def _port(environ, name):
    raw = environ.get(name) or str(DEFAULT_PORTS[name])
    try:
        port = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw} is not a port number") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"{name}={raw} is not a port number (1-65535)")
    return port


def _lan_address():
    """This machine's first non-loopback IPv4 address, for URLs a phone on the same network can open."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        out = []
    for address in out:
        if "." in address and not address.startswith("127."):
            return address
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"
    return address


@dataclass
class DevConfig:
    host: str
    public_host: str
    port: int
    s3_port: int
    sandbox_port: int
    dynamodb_port: int
    data_dir: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], project_dir: str) -> "DevConfig":
        host = environ.get("HOST") or "127.0.0.1"
        public = environ.get("PUBLIC_HOST") or (_lan_address() if host in ("0.0.0.0", "::") else host)
        ports = {name: _port(environ, name) for name in DEFAULT_PORTS}
        taken: dict[int, str] = {}
        for name, port in ports.items():
            if port in taken:
                raise ConfigError(f"{name} and {taken[port]} are both {port}; give each its own port")
            taken[port] = name
        data_dir = environ.get("WXBASE_DATA_DIR") or os.path.join(project_dir, ".wxbase-data")
        return cls(host, public, ports["PORT"], ports["S3_PORT"], ports["SANDBOX_PORT"], ports["DYNAMODB_PORT"],
                   os.path.abspath(data_dir))

    def listeners(self) -> list[tuple[str, str, int]]:
        """(variable, address, port) of every server make dev starts on a fixed port."""
        return [("PORT", self.host, self.port), ("S3_PORT", self.host, self.s3_port),
                ("SANDBOX_PORT", "127.0.0.1", self.sandbox_port), ("DYNAMODB_PORT", "127.0.0.1", self.dynamodb_port)]

    def check_ports(self) -> None:
        for name, host, port in self.listeners():
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            with socket.socket(family) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind((host, port))
                except OSError as exc:
                    if exc.errno == errno.EADDRINUSE:
                        raise ConfigError(f"port {port} is already in use; stop what uses it or set {name} to "
                                          f"another port (e.g. {name}={port + 100} make dev)") from None
                    if exc.errno == errno.EADDRNOTAVAIL:
                        raise ConfigError(f"HOST={host} is not an address of this machine") from None
                    if exc.errno == errno.EACCES:
                        raise ConfigError(f"{name}={port} needs privileges; use a port above 1023") from None
                    raise ConfigError(f"cannot listen on {host}:{port} ({name}): {exc.strerror}") from None
