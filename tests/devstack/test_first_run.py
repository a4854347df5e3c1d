"""make dev's first run as a newcomer meets it: a bad WXBASE_APPS or AppID is one line (with the JSON position), the
banner shows the console, and a second make dev on the same data folder is refused with one line while the first
keeps serving."""
import os
import subprocess
import sys
import time

import pytest
import requests

from tests.devstack.devproc import PROJECT_DIR, DevServer


def _start_fails(server, **env):
    server.extra_env.update(env)
    done = subprocess.run([sys.executable, "-m", "devserver"], cwd=PROJECT_DIR, env=server.environment(),
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stderr.strip()


@pytest.mark.parametrize("apps,words", [
    ('[{"appid": "wx1",}]', ["not valid JSON", "line 1, column 18"]),
    ('[{"appid": "hello", "secret": "s"}]', ["'hello' is not an AppID"]),
    ('{"appid": "wx0123456789abcdef"}', ["JSON list"]),
])
def test_a_bad_wxbase_apps_is_one_line(tmp_path, apps, words):
    code, err = _start_fails(DevServer(tmp_path / "data", tmp_path / "log"), WXBASE_APPS=apps)
    assert code == 2 and err.count("\n") == 0 and "Traceback" not in err
    assert all(word in err for word in words), err


def test_a_missing_collections_file_is_one_line(tmp_path):
    code, err = _start_fails(DevServer(tmp_path / "data", tmp_path / "log"),
                             WXBASE_COLLECTIONS=str(tmp_path / "nope.json"))
    assert code == 2 and err.count("\n") == 0 and "nope.json" in err


def test_one_make_dev_per_data_folder_and_the_banner_shows_the_console(tmp_path):
    first = DevServer(tmp_path / "data", tmp_path / "first.log")
    first.start()
    try:
        deadline = time.monotonic() + 20  # the banner follows the first answers
        while "functions/" not in first.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert f"console        {first.url}/_/" in first.output()
        second = DevServer(tmp_path / "data", tmp_path / "second.log")
        code, err = _start_fails(second)
        assert code == 2 and "another make dev" in err and str(tmp_path / "data") in err
        assert err.count("\n") == 0
        assert requests.get(first.url + "/api/health", timeout=5).status_code == 200
    finally:
        first.stop()
    again = DevServer(tmp_path / "data", tmp_path / "again.log")  # the lock went with the process
    again.start()
    again.stop()


FIRST_RUN = os.path.join(PROJECT_DIR, "devserver", "first_run.sh")


def _sh(*args, cwd=PROJECT_DIR, path=None):
    env = {**os.environ, **({"PATH": path} if path is not None else {})}
    done = subprocess.run(["/bin/sh", FIRST_RUN, *args], cwd=cwd, env=env, capture_output=True, text=True)
    return done.returncode, done.stdout.strip(), done.stderr.strip()


def test_an_old_or_missing_python_is_one_line(tmp_path):
    old = tmp_path / "python3.10"
    old.write_text("#!/bin/sh\necho 'Python 3.10.13'\nexit 1\n")  # answers --version; fails the version test
    old.chmod(0o755)
    code, _, err = _sh("python", str(old))
    assert code == 1 and err.count("\n") == 0 and "3.11 or newer" in err and "Python 3.10.13" in err
    code, _, err = _sh("python", "no-such-python")
    assert code == 1 and "not installed" in err
    assert _sh("python", sys.executable)[0] == 0


def test_no_node_is_one_line():
    code, _, err = _sh("node", path="/nonexistent")
    assert code == 1 and err.count("\n") == 0 and "Node.js 18" in err


def test_a_broken_venv_is_removed_to_be_rebuilt(tmp_path):
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(tmp_path / "gone")  # its Python was uninstalled
    code, out, _ = _sh("venv", "python3", cwd=tmp_path)
    assert code == 0 and "rebuilt" in out and not (tmp_path / ".venv").exists()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / ".venv")], check=True)
    code, out, _ = _sh("venv", "python3", cwd=tmp_path)  # no pip: pip install would fail in it
    assert "rebuilt" in out and not (tmp_path / ".venv").exists()
