from chalicelib.records.schema.fields.field_date import parse_datetime
from tests.unit.fieldcheck import field, option_problem, refusal, stored


def test_dates_are_stored_as_pocketbase_writes_them():
    f = field("date")
    assert stored(f, "2024-05-01") == "2024-05-01 00:00:00.000Z"
    assert stored(f, "2024-05-01T10:00:00+02:00") == "2024-05-01 08:00:00.000Z"
    assert stored(f, "") == ""
    assert refusal(f, "yesterday") == "validation_invalid_date"
    assert parse_datetime(12) is None


def test_the_forms_pocketbase_reads_and_no_others():
    f = field("date")
    assert stored(f, "2024-01-02 03:04:05 +0000 UTC") == "2024-01-02 03:04:05.000Z"  # Go's Time.String()
    assert stored(f, "2024-01-02 03:04:05.123456789Z") == "2024-01-02 03:04:05.123Z"
    assert stored(f, "2024-01-02 03:04:05+0800") == "2024-01-01 19:04:05.000Z"
    assert stored(f, "Tue, 02 Jan 2024 03:04:05 -0700") == "2024-01-02 10:04:05.000Z"  # RFC1123Z
    assert stored(f, "Tue Jan  2 15:04:05 MST 2024") == "2024-01-02 15:04:05.000Z"  # UnixDate
    assert stored(f, "02 Jan 2024") == "2024-01-02 00:00:00.000Z"
    for value in ("2024-01-02T03:04", " 2024-01-02", "20240102", "2024-01-02t03:04:05z", "2024-1-2", "2024-02-30"):
        assert refusal(f, value) == "validation_invalid_date", value


def test_bounds():
    f = field("date", min="2024-01-01", max="2024-12-31")
    assert refusal(f, "2023-12-31") == "validation_min_greater_equal_than_required"
    assert refusal(f, "2025-01-01") == "validation_max_less_equal_than_required"
    assert refusal(f, "2024-06-01") is None


def test_options_at_load():
    assert option_problem("date", min="soon") == "min must be a date."
    assert option_problem("date", min="2024-01-01", max="") is None
