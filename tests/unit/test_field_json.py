from chalicelib.records.schema import fields
from tests.unit.fieldcheck import field, refusal, schema, stored


def test_strings_that_read_as_json_are_parsed():
    f = field("json")
    assert stored(f, '{"a": [1, 2]}') == {"a": [1, 2]} and stored(f, "true") is True and stored(f, "hello") == "hello"
    assert stored(f, "[1,") == "[1,"  # not JSON: kept as text


def test_size_blank_and_zero():
    assert refusal(field("json", maxSize=10), {"key": "a long value"}) == "validation_json_size_limit"
    required = field("json", required=True)
    assert refusal(required, {}) == "validation_required" and refusal(required, 0) is None  # 0 is a value here
    assert fields.zero(field("json")) is None and schema(field("json")) == {}
    assert not fields.field_type(field("json")).indexable
