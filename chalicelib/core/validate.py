"""Reading values out of a JSON request body: the one place that turns a missing or malformed value into a 400 with
PocketBase's field error (`validation_required`, `validation_invalid_type`, `validation_max_text_constraint`, …)."""
from __future__ import annotations

from typing import Any, Sequence

from chalicelib.core.errors import ApiError, invalid

MISSING = "Missing required value."


def _required(name: str) -> ApiError:
    return invalid(name, "validation_required", MISSING, f"{name} is required.")


def text(body: dict[str, Any], name: str, *, required: bool = True, max_length: int = 1024,
         choices: Sequence[str] | None = None) -> str | None:
    """A string value (None when absent and optional; "" counts as absent)."""
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise _required(name)
        return None
    if not isinstance(value, str):
        raise invalid(name, "validation_invalid_type", "Must be a string.", f"{name} must be a string.")
    if len(value) > max_length:
        raise invalid(name, "validation_max_text_constraint", f"Must be no more than {max_length} characters.",
                      f"{name} is too long.")
    if choices is not None and value not in choices:
        raise invalid(name, "validation_invalid_value", "Must be one of " + ", ".join(choices) + ".",
                      f"{name}: must be one of " + ", ".join(choices) + ".")
    return value


def required_text(body: dict[str, Any], name: str, *, max_length: int = 1024,
                  choices: Sequence[str] | None = None) -> str:
    value = text(body, name, required=True, max_length=max_length, choices=choices)
    assert value is not None
    return value


def integer(body: dict[str, Any], name: str, *, required: bool = True, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
    """A whole number (booleans are not numbers)."""
    value = body.get(name)
    if value is None:
        if required:
            raise _required(name)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(name, "validation_invalid_type", "Must be a whole number.", f"{name} must be a whole number.")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if minimum is not None and maximum is not None else (
            f"at least {minimum}" if minimum is not None else f"at most {maximum}")
        raise invalid(name, "validation_invalid_value", f"Must be {bounds}.", f"{name} must be {bounds}.")
    return value


def required_integer(body: dict[str, Any], name: str, *, minimum: int | None = None,
                     maximum: int | None = None) -> int:
    value = integer(body, name, required=True, minimum=minimum, maximum=maximum)
    assert value is not None
    return value


def obj(body: dict[str, Any], name: str) -> dict[str, Any]:
    """An optional nested object ({} when absent or not an object)."""
    value = body.get(name)
    return value if isinstance(value, dict) else {}


# --- declared bodies: one declaration both reads a request body and describes it in the OpenAPI document --------

class Text:
    """A string value (validate.text's rules); its JSON Schema."""

    def __init__(self, name: str, *, required: bool = True, max_length: int = 1024,
                 choices: Sequence[str] | None = None, description: str = "") -> None:
        self.name, self.required, self.max_length = name, required, max_length
        self.choices, self.description = (tuple(choices) if choices else None), description

    def read(self, body: dict[str, Any]) -> Any:
        return text(body, self.name, required=self.required, max_length=self.max_length, choices=self.choices)

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        if self.required:
            found["minLength"] = 1
        else:
            found["type"] = ["string", "null"]
        if self.choices:
            found["enum"] = list(self.choices) + ([] if self.required else ["", None])
        if self.description:
            found["description"] = self.description
        return found


class Integer:
    """A whole number (validate.integer's rules); its JSON Schema."""

    def __init__(self, name: str, *, required: bool = True, minimum: int | None = None,
                 maximum: int | None = None, description: str = "") -> None:
        self.name, self.required, self.minimum, self.maximum = name, required, minimum, maximum
        self.description = description

    def read(self, body: dict[str, Any]) -> Any:
        return integer(body, self.name, required=self.required, minimum=self.minimum, maximum=self.maximum)

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": "integer" if self.required else ["integer", "null"]}
        for key, value in (("minimum", self.minimum), ("maximum", self.maximum), ("description", self.description)):
            if value not in (None, ""):
                found[key] = value
        return found


class Checked:
    """A value its service checks itself (a nested structure); declared here with the schema it accepts."""

    def __init__(self, name: str, schema: dict[str, Any], *, required: bool = False) -> None:
        self.name, self.required, self._schema = name, required, schema

    def read(self, body: dict[str, Any]) -> Any:
        return body.get(self.name)

    def schema(self) -> dict[str, Any]:
        return dict(self._schema)


class Body:
    """A JSON object body: `read` validates it (400 naming the first bad field) and returns the values by name;
    `schema` is the same declaration as JSON Schema for the OpenAPI document. Unknown keys are ignored."""

    def __init__(self, *fields: Text | Integer | Checked, description: str = "") -> None:
        self.fields = fields
        self.description = description

    def read(self, body: dict[str, Any]) -> dict[str, Any]:
        return {f.name: f.read(body) for f in self.fields}

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": "object", "properties": {f.name: f.schema() for f in self.fields}}
        required = [f.name for f in self.fields if f.required]
        if required:
            found["required"] = required
        if self.description:
            found["description"] = self.description
        return found


EMPTY = Body(description="No values are read; an empty object, or no body at all.")
