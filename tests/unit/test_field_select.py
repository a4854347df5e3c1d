from chalicelib.records.schema import fields
from tests.unit.fieldcheck import field, option_problem, refusal, schema, stored


def test_single_and_multiple_values():
    one = field("select", values=["a", "b", "c"])
    assert stored(one, ["a", "b"]) == "b"  # a single select keeps the last value
    assert refusal(one, "z") == "validation_invalid_value"
    many = field("select", values=["a", "b", "c"], maxSelect=2)
    assert stored(many, ["a", "a", "", "b"]) == ["a", "b"]
    assert refusal(many, ["a", "b", "c"]) == "validation_too_many_values"
    assert refusal(many, [1]) == "validation_invalid_value"


def test_modifiers_and_zero():
    many = field("select", values=["a", "b", "c"], maxSelect=3)
    kind = fields.field_type(many)
    assert kind.modified(many, ["a"], "append", "b") == ["a", "b"]
    assert kind.modified(many, ["a"], "prepend", ["c"]) == ["c", "a"]
    assert kind.modified(many, ["a", "b"], "subtract", "a") == ["b"]
    assert fields.zero(many) == [] and fields.zero(field("select", values=["a"])) == ""


def test_schema():
    assert schema(field("select", values=["a"])) == {"anyOf": [{"type": "string", "enum": ["a"]},
                                                                 {"type": "string", "maxLength": 0}]}
    assert schema(field("select", values=["a"], maxSelect=2), answer=False) == {
        "type": "array", "items": {"type": "string", "enum": ["a"]}, "maxItems": 2}


def test_options_at_load():
    assert option_problem("select", values=[]) == "values must be a non-empty list of strings."
    assert option_problem("select", values=["a", ""]) == "values must be a non-empty list of strings."
    assert option_problem("select", values=["a"]) is None
