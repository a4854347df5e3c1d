"""OpenAPI 3.1 generated from the Chalice route table, so the document can't drift from the routes.

Summaries come from each view's docstring. Other modules add detail (request bodies, record schemas) by
registering a contributor: `contribute(fn)`, where fn(doc) edits the document in place.
"""
import re

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

_contributors = []


def contribute(fn):
    _contributors.append(fn)
    return fn


def build(app):
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
    for fn in _contributors:
        fn(doc)
    return doc
