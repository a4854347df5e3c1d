from chalicelib.records.schema import fields
from tests.unit.fieldcheck import field, option_problem, refusal, schema, stored


def test_casts_and_float64():
    f = field("number")
    assert stored(f, "12") == 12 and stored(f, "") == 0 and stored(f, True) == 1 and stored(f, 2.0) == 2
    assert stored(f, 2 ** 53 + 1) == float(2 ** 53)  # rounds as PocketBase's float64 does
    assert refusal(f, "twelve") == "validation_invalid_number"
    assert refusal(f, 1e200) == "validation_number_out_of_range"


def test_constraints():
    f = field("number", min=1, max=10, onlyInt=True)
    assert refusal(f, 0) == "validation_min_number_constraint"
    assert refusal(f, 11) == "validation_max_number_constraint"
    assert refusal(f, 2.5) == "validation_only_int_constraint"
    assert refusal(field("number", required=True), 0) == "validation_required"


def test_modifiers_add_and_subtract():
    f = field("number")
    kind = fields.field_type(f)
    assert kind.modifiable and kind.modified(f, 5, "append", "2") == 7 and kind.modified(f, 5, "subtract", 7) == -2
    assert fields.zero(f) == 0


def test_schema():
    assert schema(field("number", onlyInt=True, min=1, max=9)) == {"type": "integer", "maximum": 9}
    assert schema(field("number", min=1), answer=False) == {"type": "number", "minimum": 1}


def test_options_at_load():
    assert option_problem("number", min=-2.5, max=True) == "max must be a number."
    assert option_problem("number", min=-2.5) is None
