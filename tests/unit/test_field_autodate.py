from chalicelib.records.schema import fields
from tests.unit.fieldcheck import field, option_problem, schema


def test_read_only_datetime_with_its_options():
    f = field("autodate", onCreate=True)
    assert schema(f) == {"type": "string", "readOnly": True, "description": "YYYY-MM-DD HH:MM:SS.sssZ"}
    assert fields.TYPES["autodate"].options == {"onCreate", "onUpdate"} and fields.zero(f) == ""


def test_options_at_load():
    assert option_problem("autodate", onCreate=False, onUpdate=False) == "set onCreate and/or onUpdate."
    assert option_problem("autodate", onUpdate=True) is None
