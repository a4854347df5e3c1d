from chalicelib.records.schema import fields
from tests.unit.fieldcheck import field, option_problem, refusal, stored


def test_names_and_counts():
    f = field("file", maxSelect=2)
    assert stored(f, ["a.png", "b.png"]) == ["a.png", "b.png"]
    assert refusal(f, ["a.png", "b.png", "c.png"]) == "validation_too_many_files"
    assert refusal(f, ["../x.png"]) == "validation_invalid_file"
    assert refusal(f, ["a\\b.png"]) == "validation_invalid_file"


def test_holds_files_and_is_no_index_column():
    kind = fields.field_type(field("file"))
    assert kind.holds_files and not kind.indexable and kind.multi_valued and kind.modifiable


def test_options_at_load():
    assert option_problem("file", mimeTypes="image/png") == "mimeTypes must be a list of strings."
    assert option_problem("file", mimeTypes=["image/png"]) is None
