from tests.unit.fieldcheck import field, option_problem, refusal, schema, stored


def test_casts_scalars_to_text_and_refuses_objects():
    f = field("text")
    assert stored(f, 12) == "12" and stored(f, 1.5) == "1.5" and stored(f, True) == "true" and stored(f, None) == ""
    assert refusal(f, {"a": 1}) == "validation_invalid_value"


def test_limits_and_pattern():
    f = field("text", min=2, max=4, pattern="^[a-z]+$")
    assert refusal(f, "a") == "validation_min_text_constraint"
    assert refusal(f, "abcde") == "validation_max_text_constraint"
    assert refusal(f, "AB") == "validation_invalid_format"
    assert refusal(f, "") is None  # limits apply to a value only
    assert refusal(field("text"), "x" * 5001) == "validation_max_text_constraint"  # PocketBase's default max


def test_required_and_schema():
    assert refusal(field("text", required=True), "") == "validation_required"
    f = field("text", min=2, max=4, pattern="^a")
    assert schema(f) == {"type": "string", "maxLength": 4}  # answers may carry "" (the zero value)
    assert schema(f, answer=False) == {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^a"}


def test_options_at_load():
    assert option_problem("text", min=-1) == "min must be at least 0."
    assert option_problem("text", max=2.5) == "max must be a whole number."
    assert option_problem("text", pattern="(") == "pattern is not a valid regular expression."
    assert option_problem("text", min=1, max=5, pattern="^a") is None


def test_pattern_read_as_go_reads_it():
    f = field("text", pattern="^[a-z0-9-]+$")
    assert refusal(f, "abc-1") is None
    assert refusal(f, "abc\n") == "validation_invalid_format"  # Go's $ is the end of the text
    assert refusal(field("text", pattern="[a-z]+"), "123abc") is None  # unanchored, as Go's MatchString
    assert refusal(field("text", pattern=r"^\d+$"), "٣") == "validation_invalid_format"  # \d is ASCII in Go
    assert refusal(field("text", pattern=r"^a\z"), "a") is None
    assert refusal(field("text", pattern="(?m)^a$"), "a\nb") is None
    assert refusal(field("text", pattern="^[$]+$"), "$$") is None
