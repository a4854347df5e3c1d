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
    from chalicelib.records import layout
    from chalicelib.records.filter import bind, dynamodb

    assert set(layout.FOLDED_TYPES) == {"text", "email", "url", "select"}
    assert set(bind.MULTIVALUERS) == {"select", "relation", "file"}
    assert set(dynamodb.TEXT_TYPES) == set(fields.TYPES) - {"number", "bool", "json"}
