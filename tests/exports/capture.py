"""Start one PocketBase release, make the rich schema (schema.py) and return its export.

    python -m tests.exports.capture VERSION [OUT.json]    # e.g. refresh a checked-in fixture
"""
import json
import sys
import tempfile

from tests.exports import schema, versions
from tests.parity.servers import PocketBaseServer


def capture(version: str) -> list:
    binary = versions.binary(version)
    with tempfile.TemporaryDirectory(prefix=f"pocketbase-{version}-") as workdir:
        server = PocketBaseServer(workdir, binary)
        try:
            token = server.superuser["token"]
            schema.create(server.url, token)
            return schema.export(server.url, token)
        finally:
            server.stop()


if __name__ == "__main__":
    exported = capture(sys.argv[1])
    text = json.dumps(exported, indent=2, ensure_ascii=False) + "\n"
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
