from chalicelib.records.schema.fields.field_date import parse_datetime
from tests.unit.fieldcheck import field, option_problem, refusal, stored


def test_dates_are_stored_as_pocketbase_writes_them():
    f = field("date")
    assert stored(f, "2024-05-01") == "2024-05-01 00:00:00.000Z"
    assert stored(f, "2024-05-01T10:00:00+02:00") == "2024-05-01 08:00:00.000Z"
    assert stored(f, "") == ""
    assert refusal(f, "yesterday") == "validation_invalid_date"
    assert parse_datetime(12) is None


def test_bounds():
    f = field("date", min="2024-01-01", max="2024-12-31")
    assert refusal(f, "2023-12-31") == "validation_min_greater_equal_than_required"
    assert refusal(f, "2025-01-01") == "validation_max_less_equal_than_required"
    assert refusal(f, "2024-06-01") is None


def test_options_at_load():
    assert option_problem("date", min="soon") == "min must be a date."
    assert option_problem("date", min="2024-01-01", max="") is None
