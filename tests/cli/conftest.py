"""The `wxbase` command against the app served over HTTP on loopback, with the test stack's admin key."""
import secrets

import pytest

from tests.stackenv import ADMIN_KEY


@pytest.fixture
def wxbase(live, _live_server, capsys):
    """Runs the command in-process: (exit code, standard output lines)."""
    from cli.main import main

    def run(*argv):
        capsys.readouterr()
        code = main([*argv, "--url", _live_server.url, "--admin-key", ADMIN_KEY])
        out = capsys.readouterr().out
        return code, out.splitlines()

    return run


@pytest.fixture
def openid():
    return lambda: "o" + secrets.token_hex(12)
