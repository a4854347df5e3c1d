"""Rows for the foundation: cold import cost and DynamoDB requests per login."""
from bench.harness import RequestCounter, median_seconds

IMPORT_APP = "import time; t=time.perf_counter(); import app; print(time.perf_counter()-t)"
IMPORT_BOTO3 = "import time; t=time.perf_counter(); import boto3; print(time.perf_counter()-t)"
HEAVY = "import sys, app; print(sum(m in sys.modules for m in ('boto3','botocore','jwt','requests','Crypto','defusedxml')))"


def rows(stack):
    import subprocess
    import sys

    from bench.harness import PROJECT_DIR

    app_s, boto3_s = median_seconds(IMPORT_APP), median_seconds(IMPORT_BOTO3)
    heavy = subprocess.run([sys.executable, "-c", HEAVY], cwd=PROJECT_DIR, capture_output=True, text=True,
                           check=True).stdout.strip()
    yield ("cold start", "import app vs import boto3", f"{app_s * 1000:.1f} ms / {boto3_s * 1000:.1f} ms",
           f"{app_s / boto3_s:.2f}x", "< 1x; heavy modules loaded at import: " + heavy)

    from chalice.test import Client

    import app
    from chalicelib.core import settings

    counter = RequestCounter("dynamodb")
    appid = settings.get_settings().miniprograms[0].appid
    with Client(app.app, stage_name="local") as client:
        def login(name):
            with counter.measure() as calls:
                reply = client.http.post("/api/wechat/login", headers={"Content-Type": "application/json"},
                                         body=('{"code":"sandbox-%s","appid":"%s"}' % (name, appid)).encode())
                assert reply.status_code == 200, reply.body
            return calls

        new = login("bench-new-user")
        returning = login("bench-new-user")
    yield ("login", "DynamoDB requests, new user", len(new), "", ", ".join(new))
    yield ("login", "DynamoDB requests, returning user", len(returning), "", ", ".join(returning))
