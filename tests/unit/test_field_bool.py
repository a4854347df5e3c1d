from chalicelib.records.schema import fields
from tests.unit.fieldcheck import field, refusal, schema, stored


def test_booleans_and_their_spellings():
    f = field("bool")
    assert stored(f, "true") is True and stored(f, 1) is True and stored(f, "0") is False and stored(f, None) is False
    assert refusal(f, "yes") == "validation_invalid_value"
    assert refusal(field("bool", required=True), False) == "validation_required"


def test_zero_and_schema():
    f = field("bool")
    assert fields.zero(f) is False and schema(f) == {"type": "boolean"}


def test_filters_read_it_as_sqlite_stores_it():
    kind, f = fields.TYPES["bool"], field("bool")
    assert kind.sql_value(False, True) == 1 and kind.sql_value(False, None) == 0 and kind.affinity(False) == "numeric"
    assert kind.same_kind(False) and not kind.same_kind(0) and not kind.same_kind("true")
    assert kind.exact_in_dynamodb(True, equality=True) and not kind.exact_in_dynamodb(True, equality=False)
    assert fields.field_type(f) is kind
