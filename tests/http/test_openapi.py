"""The OpenAPI document covers every route and every method."""


def test_openapi_lists_every_route(api, chalice_app):
    reply = api.get("/api/openapi.json")
    assert reply.status == 200
    doc = reply.json
    assert doc["openapi"].startswith("3.1")
    for path, methods in chalice_app.routes.items():
        assert path in doc["paths"], path
        for method in methods:
            operation = doc["paths"][path][method.lower()]
            assert operation["summary"] and operation["operationId"]


def test_health(api):
    reply = api.get("/api/health")
    assert reply.status == 200 and reply.json["code"] == 200
    assert reply.headers.get("x-request-id")
