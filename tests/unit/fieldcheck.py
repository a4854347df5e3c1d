"""A field of one type, and what the records API makes of a value submitted to it (tests of field_<type>.py)."""
from chalicelib.records.schema import fields
from chalicelib.records.schema.fields.base import Invalid
from chalicelib.records.schema.model import Field


def field(type_name, required=False, **options):
    return Field(name="f", type=type_name, required=required, options=options)


def stored(f, value):
    """The value stored for a submitted one (prepared and validated); raises Invalid."""
    value = fields.prepare(f, value)
    fields.validate(f, value)
    return value


def refusal(f, value):
    """PocketBase's validation code for a submitted value, or None when it is taken."""
    try:
        stored(f, value)
    except Invalid as exc:
        return exc.code
    return None


def schema(f, answer=True):
    return fields.field_type(f).json_schema(f, answer)


def option_problem(type_name, **options):
    """What the collections file's load says of a type's options, or None when they are accepted."""
    from chalicelib.records.schema.fields.base import OptionProblem

    try:
        fields.TYPES[type_name].check_options(options)
    except OptionProblem as exc:
        return str(exc)
    return None
