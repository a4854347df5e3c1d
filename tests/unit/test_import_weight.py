"""`import app` is every Lambda's cold start, so it loads only what serving needs: no SDK, no pattern it doesn't
run, no file but the collections file it checks at start (heavy modules are imported where used, patterns are
chalicelib.core.patterns.lazy). Structural, not timed: what importing app leaves behind is checked in a fresh
interpreter. The time itself is a bench row (`make bench`, the artifact section)."""
import json
import os
import subprocess
import sys

from tests.conftest import PROJECT_DIR

# Run in a fresh interpreter: records every pattern compiled (and who compiled it) and every file opened.
PROBE = r"""
import json, os, re, sys
root = os.path.realpath(sys.argv[1])
compiled, opened = [], []
_compile = re._compile

def recording_compile(pattern, flags):
    caller = sys._getframe(1)
    while caller and caller.f_code.co_filename.endswith(("re/__init__.py", "patterns.py")):
        caller = caller.f_back
    where = os.path.realpath(caller.f_code.co_filename) if caller else ""
    compiled.append([str(pattern), os.path.relpath(where, root) if where.startswith(root + os.sep) else None])
    return _compile(pattern, flags)

def audit(event, args):
    if event == "open" and isinstance(args[0], str) and not args[0].endswith((".py", ".pyc", ".so", ".pth")):
        opened.append(os.path.realpath(args[0]))

re._compile = recording_compile
sys.addaudithook(audit)
before = set(sys.modules)
import app  # noqa: E402
print(json.dumps({"modules": sorted(set(sys.modules) - before), "compiled": compiled, "opened": opened}))
"""

# SDKs and heavy libraries that a request loads when it first needs them, never at start.
NOT_AT_START = ("boto3", "botocore", "s3transfer", "urllib3", "requests", "jwt", "Crypto", "cryptography", "PIL",
                "defusedxml", "xml", "ssl", "_hashlib", "http", "email", "asyncio", "concurrent", "sqlite3",
                "zipfile", "tarfile", "multiprocessing", "subprocess",
                # a start declares no dataclass (core/value_types.py) and walks the team's functions without pkgutil
                "dataclasses", "inspect", "pkgutil", "uuid", "platform", "random",
                "chalicelib.payments", "chalicelib.admin",
                "chalicelib.wechat", "chalicelib.realtime", "chalicelib.jobs", "chalicelib.records.query")
# The patterns reading the collections file and registering the team's functions need; anything more is a pattern
# compiled at import that a start doesn't run.
PATTERNS_AT_START = 8
# The standard library's own at import (string.Template, json, logging, platform…): 23 on Python 3.11.
STDLIB_PATTERNS = 30


def _probe():
    env = {k: v for k, v in os.environ.items() if not k.startswith("WXBASE_")}
    answer = subprocess.run([sys.executable, "-c", PROBE, PROJECT_DIR], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert answer.returncode == 0, answer.stderr[-2000:]
    return json.loads(answer.stdout.strip().splitlines()[-1])


PROBED = None


def probed():
    global PROBED
    if PROBED is None:
        PROBED = _probe()
    return PROBED


def test_import_app_loads_no_sdk_and_no_feature_service():
    loaded = probed()["modules"]
    heavy = sorted(m for m in loaded if m.split(".")[0] in NOT_AT_START
                   or any(m == p or m.startswith(p + ".") for p in NOT_AT_START if "." in p))
    assert heavy == [], f"imported at start (import them where used): {heavy}"
    assert "app" in loaded and "chalice.app" in loaded


def test_import_app_compiles_only_the_patterns_start_runs():
    compiled = probed()["compiled"]
    ours = [(pattern[:60], where) for pattern, where in compiled if where is not None]
    assert len(ours) <= PATTERNS_AT_START, f"patterns compiled at import (use chalicelib.core.patterns.lazy): {ours}"
    # The url field's pattern (IGNORECASE over \u00a1-\uffff) took tens of milliseconds alone.
    assert not any("field_url" in where for _, where in ours), ours
    assert not any("field_email" in where or "logs.py" in where for _, where in ours), ours
    theirs = [pattern[:60] for pattern, where in compiled if where is None]
    assert len(theirs) <= STDLIB_PATTERNS, f"{len(theirs)} patterns compiled by libraries at start: {theirs}"


def test_import_app_reads_only_the_collections_file():
    opened = set(probed()["opened"])
    collections_file = os.path.realpath(os.path.join(PROJECT_DIR, "chalicelib", "collections.json"))
    assert opened <= {collections_file}, f"files read at start: {sorted(opened - {collections_file})}"
    assert collections_file in opened  # a broken collections file still stops the start (check_at_start)
