"""The unit tier: no HTTP, no emulator, no network. Settings come from the environment set here."""
import pytest

from chalicelib.core.settings import default_collections_path
from chalicelib.records.schema.collections import load_file


@pytest.fixture(autouse=True)
def unit_settings(monkeypatch):
    monkeypatch.setenv("WXBASE_JWT_SECRET", "unit-tests-jwt-secret-0123456789abcdef")
    monkeypatch.setenv("WXBASE_COLLECTIONS", default_collections_path())


@pytest.fixture(scope="session")
def schema():
    return load_file(default_collections_path())
