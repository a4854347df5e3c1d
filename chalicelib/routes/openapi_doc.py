"""OpenAPI 3.1 generated from the Chalice route table, so the document can't drift from the routes.

Summaries come from each view's docstring; request bodies and answers from what each route declares
(routes/blueprint.py: the same core.validate.Body the route reads its body with); each collection's record schemas
from records/schema/json_schema.py. Every operation also answers errors in PocketBase's shape (`default`).
"""
from __future__ import annotations

import importlib
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
            "additionalProperties": {"type": ["object", "integer", "string", "array", "number", "boolean", "null"]},
        },
    },
}
ERROR_RESPONSE = {"description": "Error (PocketBase's shape)",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

LIST_PARAMS = {"page": {"type": "integer", "minimum": 1}, "perPage": {"type": "integer", "minimum": 1,
                                                                       "maximum": 1000},
               "sort": {"type": "string"}, "filter": {"type": "string"}, "fields": {"type": "string"},
               "skipTotal": {"type": "boolean"}, "expand": {"type": "string"}, "cursor": {"type": "string"}}
RECORDS = "/api/collections/{collection}/records"
PATH_PARAMS = {"record_id": {"type": "string", "pattern": "^[a-z0-9]{15}$"}}


def build(app: Any) -> dict[str, Any]:
    from chalicelib.records.schema.json_schema import collection_names

    path_params = {**PATH_PARAMS, "collection": {"type": "string", "enum": collection_names()}}
    paths: dict[str, Any] = {}
    for path, methods in sorted(app.routes.items()):
        item = paths.setdefault(path, {})
        for method, entry in sorted(methods.items()):
            doc = (entry.view_function.__doc__ or "").strip()
            declared = getattr(entry.view_function, "openapi", {})
            operation: dict[str, Any] = {
                "operationId": entry.view_name,
                "summary": doc.splitlines()[0] if doc else entry.view_name,
                "responses": _responses(declared.get("responses") or {}),
            }
            params = re.findall(r"{(\w+)}", path)
            if params:
                operation["parameters"] = [
                    {"name": p, "in": "path", "required": True, "schema": path_params.get(p, {"type": "string"})}
                    for p in params
                ]
            body = _request_body(declared.get("body"), entry.content_types)
            if body:
                operation["requestBody"] = body
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
        "security": [{}, {"authToken": []}],
    }
    _add_records(doc)
    _add_functions(doc)
    return doc


def _resolve(declared: Any) -> Any:
    """A lazy reference ("package.module:NAME") is imported now, when the document is built."""
    if isinstance(declared, str):
        module, _, name = declared.partition(":")
        return getattr(importlib.import_module(module), name)
    return declared


def _request_body(declared: Any, content_types: list[str]) -> dict[str, Any] | None:
    declared = _resolve(declared)
    if declared is None:
        return None
    if isinstance(declared, dict):
        return declared
    schema = declared.schema()
    required = bool(schema.get("required"))
    kinds = [t for t in content_types if t == "application/json"] or ["application/json"]
    return {"required": required, "content": {kind: {"schema": schema} for kind in kinds}}


def _responses(declared: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, answer in declared.items():
        if answer is None:
            responses[status] = {"description": "No content"}
        elif isinstance(answer, dict) and "content" in answer:
            responses[status] = {"description": "Success", **answer}
        else:
            responses[status] = {"description": "Success", "content": {"application/json": {"schema": answer}}}
    if not any(status.startswith("2") or status.startswith("3") for status in responses):
        responses["200"] = {"description": "Success", "content": {"application/json": {"schema": {}}}}
    responses["default"] = ERROR_RESPONSE
    return responses


def _add_functions(doc: dict[str, Any]) -> None:
    from chalicelib.functions import openapi as functions_openapi

    doc["paths"].update(functions_openapi.paths())


def _add_records(doc: dict[str, Any]) -> None:
    from chalicelib.records.schema.json_schema import record_schemas, write_schemas

    schemas = doc["components"]["schemas"]
    names = []
    for name, schema in record_schemas().items():
        schemas[f"record_{name}"] = schema
        names.append(name)
    for name, schema in write_schemas().items():
        schemas[f"write_{name}"] = schema
    answers = {"anyOf": [{"$ref": f"#/components/schemas/record_{n}"} for n in names]}
    writes = {"anyOf": [{"$ref": f"#/components/schemas/write_{n}"} for n in names]}
    schemas["Record"] = answers
    schemas["RecordList"] = {"type": "object",
                             "properties": {"page": {"type": "integer"}, "perPage": {"type": "integer"},
                                            "totalItems": {"type": "integer"}, "totalPages": {"type": "integer"},
                                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
                                            "nextCursor": {"type": ["string", "null"]}}}

    def ok(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "Success", "content": {"application/json": {"schema": schema}}}

    record = {"$ref": "#/components/schemas/Record"}
    picks = [{"name": p, "in": "query", "required": False, "schema": LIST_PARAMS[p]} for p in ("fields", "expand")]
    paths = doc["paths"]
    if RECORDS in paths:
        listing = paths[RECORDS].get("get", {})
        listing.setdefault("parameters", []).extend(
            {"name": p, "in": "query", "required": False, "schema": schema} for p, schema in LIST_PARAMS.items())
        listing["responses"]["200"] = ok({"$ref": "#/components/schemas/RecordList"})
        if "post" in paths[RECORDS]:
            paths[RECORDS]["post"]["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": writes}}}
            paths[RECORDS]["post"]["responses"]["200"] = ok(record)
            paths[RECORDS]["post"].setdefault("parameters", []).extend(picks)
    one = paths.get(RECORDS + "/{record_id}", {})
    for method in ("get", "patch"):
        if method in one:
            one[method]["responses"]["200"] = ok(record)
            one[method].setdefault("parameters", []).extend(picks)
    if "delete" in one:
        one["delete"]["responses"] = {"204": {"description": "Deleted"}, "default": ERROR_RESPONSE}
    if "patch" in one:
        one["patch"]["requestBody"] = {"required": False, "content": {"application/json": {"schema": writes}}}
