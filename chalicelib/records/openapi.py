"""Each collection's record schema in the OpenAPI document, and the records routes' parameters and bodies."""
from chalicelib.routes import openapi_doc

_TYPES = {
    "text": {"type": "string"}, "editor": {"type": "string"}, "email": {"type": "string", "format": "email"},
    "url": {"type": "string", "format": "uri"}, "date": {"type": "string", "description": "YYYY-MM-DD HH:MM:SS.sssZ"},
    "autodate": {"type": "string", "readOnly": True, "description": "YYYY-MM-DD HH:MM:SS.sssZ"},
    "number": {"type": "number"}, "bool": {"type": "boolean"}, "json": {},
}
LIST_PARAMS = ("page", "perPage", "sort", "filter", "fields", "skipTotal", "expand", "cursor")


def field_schema(f):
    if f.type in _TYPES:
        schema = dict(_TYPES[f.type])
        if f.type == "number" and f.opt("onlyInt"):
            schema["type"] = "integer"
        for option, key in (("min", "minimum" if f.type == "number" else "minLength"),
                            ("max", "maximum" if f.type == "number" else "maxLength"), ("pattern", "pattern")):
            if f.type in ("text", "number") and f.opt(option) not in (None, "", 0):
                schema[key] = f.opt(option)
        return schema
    item = {"type": "string"}
    if f.type == "select":
        item["enum"] = list(f.opt("values"))
    elif f.type == "relation":
        item.update(pattern="^[a-z0-9]{15}$", description=f"id of a {f.target} record")
    if f.multiple:
        return {"type": "array", "items": item, "maxItems": f.opt("maxSelect")}
    return item


def record_schema(collection):
    properties = {
        "id": {"type": "string", "pattern": "^[a-z0-9]{15}$"},
        "collectionId": {"type": "string", "const": collection.id},
        "collectionName": {"type": "string", "const": collection.name},
    }
    for name, f in collection.fields.items():
        if not f.hidden:
            properties[name] = field_schema(f)
    for name, f in collection.autodates.items():
        properties[name] = field_schema(f)
    required = ["id", "collectionId", "collectionName"] + [n for n, f in collection.fields.items() if f.required]
    rules = "; ".join(f"{k}: {'admins only' if v is None else (v or 'anyone')}" for k, v in collection.rules.items())
    return {"type": "object", "title": collection.name, "description": rules, "properties": properties,
            "required": required}


@openapi_doc.contribute
def add_records(doc):
    from chalicelib.records.collections import get_schema

    schemas = doc["components"]["schemas"]
    names = []
    for collection in get_schema().collections.values():
        schemas[f"record_{collection.name}"] = record_schema(collection)
        names.append(collection.name)
    refs = {"oneOf": [{"$ref": f"#/components/schemas/record_{n}"} for n in names]}
    schemas["RecordList"] = {"type": "object", "required": ["page", "perPage", "totalItems", "totalPages", "items"],
                             "properties": {"page": {"type": "integer"}, "perPage": {"type": "integer"},
                                            "totalItems": {"type": "integer"}, "totalPages": {"type": "integer"},
                                            "items": {"type": "array", "items": refs},
                                            "nextCursor": {"type": ["string", "null"]}}}
    base = "/api/collections/{collection}/records"
    ok = lambda ref: {"description": "Success", "content": {"application/json": {"schema": ref}}}  # noqa: E731
    paths = doc["paths"]
    if base in paths:
        listing = paths[base].get("get", {})
        listing.setdefault("parameters", []).extend(
            {"name": p, "in": "query", "required": False, "schema": {"type": "string"}} for p in LIST_PARAMS)
        listing["responses"]["200"] = ok({"$ref": "#/components/schemas/RecordList"})
        if "post" in paths[base]:
            paths[base]["post"]["requestBody"] = {"content": {"application/json": {"schema": refs}}}
            paths[base]["post"]["responses"]["200"] = ok(refs)
    one = base + "/{record_id}"
    for method in ("get", "patch"):
        if method in paths.get(one, {}):
            paths[one][method]["responses"]["200"] = ok(refs)
    if "delete" in paths.get(one, {}):
        paths[one]["delete"]["responses"] = {"204": {"description": "Deleted"},
                                             "default": paths[one]["delete"]["responses"]["default"]}
    if "patch" in paths.get(one, {}):
        paths[one]["patch"]["requestBody"] = {"content": {"application/json": {"schema": refs}}}
