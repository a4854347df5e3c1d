"""Each declared function as its own path of /api/openapi.json (next to the generic `/api/functions/{name}`)."""
from __future__ import annotations

from typing import Any

from chalicelib.functions import registry

WHO = {"guest": "Anyone (a valid user token or admin key is passed on to the function).",
       "user": "A signed-in user of any app of the deployment, or an admin.",
       "admin": "An admin key or session, or a service key that lists this function."}


def paths() -> dict[str, Any]:
    found = {}
    error = {"description": "Error",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for name, fn in sorted(registry.FUNCTIONS.items()):
        operation: dict[str, Any] = {
            "operationId": f"function_{name}",
            "summary": fn.summary,
            "description": f"auth: {fn.auth}. {WHO[fn.auth]}",
            "tags": ["functions"],
            "requestBody": {"required": False,
                            "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "The function's answer",
                                  "content": {"application/json": {"schema": {}}}},
                          "default": error},
        }
        if fn.auth != "guest":
            operation["security"] = [{"authToken": []}]
        found[f"/api/functions/{name}"] = {"post": operation}
    return found
