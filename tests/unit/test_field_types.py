"""The field types: one module each, registered once, each with its unit test beside it."""
import os

from chalicelib.records.schema import fields
from chalicelib.records.schema.fields.base import FieldType
from tests.conftest import PROJECT_DIR

FIELDS_DIR = os.path.join(PROJECT_DIR, "chalicelib", "records", "schema", "fields")


def _modules():
    return sorted(n[len("field_"):-3] for n in os.listdir(FIELDS_DIR) if n.startswith("field_") and n.endswith(".py"))


def test_every_type_module_is_registered_under_its_name():
    assert sorted(name.lower() for name in fields.TYPES) == _modules()  # field_geopoint.py for geoPoint
    for name, kind in fields.TYPES.items():
        assert isinstance(kind, FieldType) and kind.name == name


def test_every_type_has_its_unit_test():
    here = os.path.dirname(__file__)
    assert [m for m in _modules() if not os.path.exists(os.path.join(here, f"test_field_{m}.py"))] == []


def test_what_filters_and_storage_read_comes_from_the_types():
    def having(trait):
        return {name for name, kind in fields.TYPES.items() if trait(kind)}

    assert having(lambda t: t.folded) == {"text", "email", "url", "select"}
    assert having(lambda t: t.multi_valued) == {"select", "relation", "file"}
    assert having(lambda t: t.affinity(False) == "text") == set(fields.TYPES) - {"number", "bool", "json"}
    assert having(lambda t: t.same_kind("a")) == set(fields.TYPES) - {"number", "bool", "json"}
    assert having(lambda t: t.json_paths) == {"json"} and having(lambda t: t.markup) == {"editor"}
    assert having(lambda t: t.automatic) == {"autodate"}
    assert having(lambda t: "secCheck" in t.options) == having(lambda t: t.content_check is not None)
    assert having(lambda t: t.content_check == "text") == {"text", "editor"}
