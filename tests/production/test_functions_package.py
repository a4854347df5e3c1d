"""The deployment package carries the team's functions/ package at its top level, next to app.py (Chalice packages
app.py, chalicelib/ and vendor/; vendor/functions links to functions/). Runs in `make test-production`."""
import os
import zipfile

import pytest

PACKAGED = os.environ.get("WXBASE_PACKAGED_TEMPLATE", "")
pytestmark = pytest.mark.skipif(not PACKAGED, reason="needs the packaged template: make test-production")
PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_package_holds_every_module_of_functions():
    names = set(zipfile.ZipFile(os.path.join(os.path.dirname(PACKAGED), "deployment.zip")).namelist())
    shipped = {f"functions/{n}" for n in os.listdir(os.path.join(PROJECT, "functions")) if n.endswith(".py")}
    assert shipped and shipped <= names and "app.py" in names
