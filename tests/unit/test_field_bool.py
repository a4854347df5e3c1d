from chalicelib.records.schema import fields
from tests.unit.fieldcheck import field, refusal, schema, stored


def test_booleans_and_their_spellings():
    f = field("bool")
    assert stored(f, "true") is True and stored(f, 1) is True and stored(f, "0") is False and stored(f, None) is False
    assert refusal(f, "yes") == "validation_invalid_value"
    assert refusal(field("bool", required=True), False) == "validation_required"


def test_zero_and_schema():
    f = field("bool")
    assert fields.zero(f) is False and schema(f) == {"type": "boolean"} and fields.field_type(f).sql_class == "bool"
