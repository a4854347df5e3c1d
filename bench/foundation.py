"""Rows for the foundation: cold import cost and DynamoDB requests per login."""
from bench.harness import RequestCounter, median_seconds

# CPU time, so that other work on the machine doesn't move the ratio; both from bytecode, as the Lambda zip ships it
# and as pip installed boto3 (PYTHONDONTWRITEBYTECODE would otherwise compile the project's source every run).
IMPORT_APP = "import time; t=time.process_time(); import app; print(time.process_time()-t)"
IMPORT_BOTO3 = "import time; t=time.process_time(); import boto3; print(time.process_time()-t)"
HEAVY = "import sys, app; print(sum(m in sys.modules for m in ('boto3','botocore','jwt','requests','Crypto','defusedxml')))"


def rows(stack):
    import subprocess
    import sys

    from bench.harness import PROJECT_DIR

    import os
    import tempfile

    with tempfile.TemporaryDirectory() as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache
        median_seconds(IMPORT_APP, runs=1, env=env)  # writes the bytecode, unmeasured
        app_s, boto3_s = median_seconds(IMPORT_APP, env=env), median_seconds(IMPORT_BOTO3, env=env)
        source_s = median_seconds(IMPORT_APP, runs=3, env={**env, "PYTHONPYCACHEPREFIX": os.path.join(pycache, "x"),
                                                            "PYTHONDONTWRITEBYTECODE": "1"})
    heavy = subprocess.run([sys.executable, "-c", HEAVY], cwd=PROJECT_DIR, capture_output=True, text=True,
                           check=True).stdout.strip()
    yield ("cold start", "import app vs import boto3", f"{app_s * 1000:.1f} ms / {boto3_s * 1000:.1f} ms",
           f"{app_s / boto3_s:.2f}x", "CPU, from bytecode; target <= 0.4x; heavy modules loaded at import: " + heavy)
    yield ("cold start", "import app compiled from source (no bytecode)", f"{source_s * 1000:.1f} ms",
           f"{source_s / boto3_s:.2f}x", "what each cold start paid before the zip carried bytecode")

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
