"""AWS's event shapes for each kind of function the template declares, as the services deliver them: API Gateway
REST API proxy events (multi-value headers and query strings, base64 bodies for the API's binary media types), SQS
batches, EventBridge scheduled events and API Gateway WebSocket events."""
import base64
import fnmatch
import re
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

ACCOUNT = "123456789012"
REGION = "us-east-1"


def _resource(paths, path):
    """The API's resource path that matches `path`, literal segments before parameters (API Gateway's choice)."""
    best = None
    for template in paths:
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\+\\\}", "(.+)", re.sub(r"\\\{[^/+]+?\\\}", "([^/]+)",
                                                                            re.escape(template))) + "$"
        match = re.match(pattern, path)
        if match:
            score = (template.count("{"), -len(template))
            if best is None or score < best[0]:
                names = re.findall(r"\{([^}+]+)\+?\}", template)
                best = (score, template, dict(zip(names, match.groups())))
    if best is None:
        raise LookupError(f"no resource of the API matches {path}")
    return best[1], best[2]


def rest(api: dict, method: str, url: str, headers: list = (), body: bytes = b"") -> dict:
    """A REST API proxy event for `method url` (url with its query string); `headers` as (name, value) pairs, a name
    may repeat. The body is base64 when its type is one of the API's binary media types, as API Gateway sends it."""
    parts = urlsplit(url)
    template, params = _resource(api["paths"], parts.path)
    multi_query: dict = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    multi_headers: dict = {}
    for name, value in [("Host", "abc123.execute-api.us-east-1.amazonaws.com"), ("X-Forwarded-Proto", "https"),
                        ("X-Forwarded-For", "203.0.113.9"), *headers]:
        multi_headers.setdefault(name, []).append(value)
    content_type = next((v[-1] for k, v in multi_headers.items() if k.lower() == "content-type"), "")
    binary = any(fnmatch.fnmatch(content_type.split(";")[0].strip(), t)
                 for t in api.get("x-amazon-apigateway-binary-media-types", []))
    if body and binary:
        payload, encoded = base64.b64encode(body).decode(), True
    else:
        payload, encoded = (body.decode() if body else None), False
    return {
        "resource": template, "path": parts.path, "httpMethod": method,
        "headers": {k: v[-1] for k, v in multi_headers.items()}, "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": params or None, "stageVariables": None,
        "requestContext": {
            "resourcePath": template, "httpMethod": method, "path": "/api" + parts.path, "stage": "api",
            "accountId": ACCOUNT, "apiId": "abc123", "protocol": "HTTP/1.1", "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000), "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "identity": {"sourceIp": "203.0.113.9", "userAgent": "artifact-test"},
        },
        "body": payload, "isBase64Encoded": encoded,
    }


def rest_answer(response: dict) -> tuple:
    """(status, content type, body bytes) of a proxy integration's answer, as API Gateway passes it on (a REST API
    answers `application/json` when the integration names no type)."""
    body = response.get("body") or ""
    raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(name.lower(), values[-1])
    return response["statusCode"], headers.get("content-type", "application/json"), raw


def sqs(bodies: list, queue: str) -> dict:
    """An SQS batch as Lambda's event source mapping delivers it."""
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}"
    return {"Records": [{
        "messageId": str(uuid.uuid4()), "receiptHandle": f"handle-{i}", "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000)),
                       "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp":
                           str(int(time.time() * 1000))},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": arn,
        "awsRegion": REGION} for i, body in enumerate(bodies)]}


def schedule(rule: str) -> dict:
    """An EventBridge scheduled event."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": ACCOUNT, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"], "detail": {}}


def websocket(kind: str, connection_id: str, domain: str, body: str | None = None) -> dict:
    """An API Gateway WebSocket event: kind is CONNECT, MESSAGE or DISCONNECT."""
    route = {"CONNECT": "$connect", "MESSAGE": "$default", "DISCONNECT": "$disconnect"}[kind]
    event = {"requestContext": {
        "routeKey": route, "eventType": kind, "connectionId": connection_id, "domainName": domain, "stage": "api",
        "apiId": "ws123", "requestId": str(uuid.uuid4()), "messageDirection": "IN", "extendedRequestId": "x",
        "requestTimeEpoch": int(time.time() * 1000), "connectedAt": int(time.time() * 1000),
        "identity": {"sourceIp": "203.0.113.9"}}, "isBase64Encoded": False}
    if kind == "CONNECT":
        event["headers"] = {"Host": domain, "Sec-WebSocket-Version": "13"}
        event["multiValueHeaders"] = {"Host": [domain], "Sec-WebSocket-Version": ["13"]}
    if body is not None:
        event["body"] = body
    return event
