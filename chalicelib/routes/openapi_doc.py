"""OpenAPI 3.1 generated from the Chalice route table, so the document can't drift from the routes.

Summaries come from each view's docstring; each collection's record schema comes from records/openapi.py.
"""
from __future__ import annotations

import re
from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["status", "message", "data"],
    "properties": {
        "status": {"type": "integer"},
        "message": {"type": "string"},
        "data": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

LIST_PARAMS = ("page", "perPage", "sort", "filter", "fields", "skipTotal", "expand", "cursor")
RECORDS = "/api/collections/{collection}/records"


def build(app: Any) -> dict[str, Any]:
    paths = {}
    for path, methods in sorted(app.routes.items()):
        item = paths.setdefault(path, {})
        for method, entry in sorted(methods.items()):
            doc = (entry.view_function.__doc__ or "").strip()
            operation = {
                "operationId": entry.view_name,
                "summary": doc.splitlines()[0] if doc else entry.view_name,
                "responses": {
                    "200": {"description": "Success"},
                    "default": {
                        "description": "Error",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
            params = re.findall(r"{(\w+)}", path)
            if params:
                operation["parameters"] = [
                    {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
                ]
            item[method.lower()] = operation
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "wxbase", "version": "1.0.0",
                 "description": "Serverless backend for WeChat mini-programs with a PocketBase-compatible API."},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {"authToken": {"type": "apiKey", "in": "header", "name": "Authorization"}},
        },
    }
    _add_records(doc)
    _add_functions(doc)
    return doc


def _add_functions(doc: dict[str, Any]) -> None:
    from chalicelib.functions import openapi as functions_openapi

    doc["paths"].update(functions_openapi.paths())


def _add_records(doc: dict[str, Any]) -> None:
    from chalicelib.records.openapi import record_schemas

    schemas = doc["components"]["schemas"]
    names = []
    for name, schema in record_schemas().items():
        schemas[f"record_{name}"] = schema
        names.append(name)
    refs = {"oneOf": [{"$ref": f"#/components/schemas/record_{n}"} for n in names]}
    schemas["RecordList"] = {"type": "object", "required": ["page", "perPage", "totalItems", "totalPages", "items"],
                             "properties": {"page": {"type": "integer"}, "perPage": {"type": "integer"},
                                            "totalItems": {"type": "integer"}, "totalPages": {"type": "integer"},
                                            "items": {"type": "array", "items": refs},
                                            "nextCursor": {"type": ["string", "null"]}}}

    def ok(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "Success", "content": {"application/json": {"schema": schema}}}

    paths = doc["paths"]
    if RECORDS in paths:
        listing = paths[RECORDS].get("get", {})
        listing.setdefault("parameters", []).extend(
            {"name": p, "in": "query", "required": False, "schema": {"type": "string"}} for p in LIST_PARAMS)
        listing["responses"]["200"] = ok({"$ref": "#/components/schemas/RecordList"})
        if "post" in paths[RECORDS]:
            paths[RECORDS]["post"]["requestBody"] = {"content": {"application/json": {"schema": refs}}}
            paths[RECORDS]["post"]["responses"]["200"] = ok(refs)
    one = paths.get(RECORDS + "/{record_id}", {})
    for method in ("get", "patch"):
        if method in one:
            one[method]["responses"]["200"] = ok(refs)
    if "delete" in one:
        one["delete"]["responses"] = {"204": {"description": "Deleted"},
                                      "default": one["delete"]["responses"]["default"]}
    if "patch" in one:
        one["patch"]["requestBody"] = {"content": {"application/json": {"schema": refs}}}
