from chalicelib.records.schema import fields
from tests.unit.fieldcheck import field, refusal, schema, stored

ID_A, ID_B, ID_C = "a" * 15, "b" * 15, "c" * 15


def test_counts():
    f = field("relation", minSelect=2, maxSelect=2, _target="posts")
    assert refusal(f, [ID_A]) == "validation_not_enough_values"
    assert refusal(f, [ID_A, ID_B, ID_C]) == "validation_too_many_values"
    assert stored(f, [ID_A, ID_B]) == [ID_A, ID_B]
    assert refusal(f, []) is None  # minSelect applies to a value only


def test_relates_and_schema():
    f = field("relation", _target="posts")
    assert fields.field_type(f).relates
    assert schema(f, answer=False) == {"type": "string", "pattern": "^[a-z0-9]{15}$",
                                       "description": "id of a posts record"}
    assert fields.field_type(f).admin_options(f) == {"maxSelect": 1}
