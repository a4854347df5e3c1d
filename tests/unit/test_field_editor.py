from chalicelib.records.schema import fields
from tests.unit.fieldcheck import field, refusal, schema


def test_size_limit_in_bytes():
    f = field("editor", maxSize=6)
    assert refusal(f, "<p>é</p>") == "validation_content_size_limit"  # 9 bytes
    assert refusal(f, "<b>x</b>"[:6]) is None


def test_not_an_index_column_and_a_string_schema():
    f = field("editor")
    assert not fields.field_type(f).indexable and not fields.field_type(f).folded
    assert schema(f) == {"type": "string"}
