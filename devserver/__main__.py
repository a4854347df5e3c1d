"""`make dev`: the API on http://127.0.0.1:$PORT with the WeChat sandbox and an embedded AWS emulator."""
import os
import secrets
import signal
import sys
import threading

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _dev_secret(data_dir, name, nbytes):
    """A random secret kept in the data folder, so tokens survive restarts; never printed."""
    path = os.path.join(data_dir, name)
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(secrets.token_urlsafe(nbytes))
        os.chmod(path, 0o600)
    with open(path) as f:
        return f.read().strip()


def check_collections():
    """Exit with the loader's message when the collections file can't load, before anything starts."""
    from chalicelib.core import logs
    from chalicelib.records.collections import SchemaError, check_at_start

    logs.configure()  # the loader's warnings (options it ignores) as JSON lines, like the app's
    try:
        check_at_start()
    except SchemaError as exc:
        print(f"[wxbase] not starting: {exc.message}", file=sys.stderr, flush=True)
        sys.exit(2)


def main():
    sys.path.insert(0, PROJECT_DIR)
    check_collections()
    data_dir = os.environ.get("WXBASE_DATA_DIR", os.path.join(PROJECT_DIR, ".wxbase-data"))
    os.makedirs(data_dir, exist_ok=True)
    env = {
        "WXBASE_JWT_SECRET": os.environ.get("WXBASE_JWT_SECRET") or _dev_secret(data_dir, "jwt-secret", 48),
        "WXBASE_ADMIN_KEYS": os.environ.get("WXBASE_ADMIN_KEYS") or _dev_secret(data_dir, "admin-key", 24),
    }
    if os.environ.get("WXBASE_APPS"):
        env["WXBASE_APPS"] = os.environ["WXBASE_APPS"]

    from devserver.http import HttpServer
    from devserver.persistence import Snapshots
    from devserver.stack import LocalStack

    stack = LocalStack(env, sandbox_port=int(os.environ.get("SANDBOX_PORT", "0"))).apply()
    snapshots = None
    if stack.emulator:
        snapshots = Snapshots(data_dir)
        items, objects = snapshots.restore()
        print(f"[wxbase] local data: {items} items, {objects} files restored from {snapshots.dir}")
        snapshots.start_timer()

    import app as wxbase_app

    http = HttpServer(wxbase_app.app, PROJECT_DIR, port=int(os.environ.get("PORT", "8000")))
    from devserver.jobs import Every, QueueDrainer, run_scheduled

    drainer = QueueDrainer(wxbase_app.callback_worker).start()  # what Lambda's SQS event source does when deployed
    refresher = Every(60, lambda: run_scheduled(wxbase_app.token_refresher), "token-refresher").start()
    print(f"[wxbase] API            {http.url}/api/health")
    print(f"[wxbase] OpenAPI        {http.url}/api/openapi.json")
    print(f"[wxbase] WeChat sandbox {stack.sandbox.url}  (login with code sandbox-<name>)")
    print(f"[wxbase] AWS            {stack.env.get('AWS_ENDPOINT_URL') or 'from AWS_ENDPOINT_URL_*'}")
    print(f"[wxbase] admin key      in {os.path.join(data_dir, 'admin-key')}")
    print(f"[wxbase] WeChat push    {http.url}/api/wechat/callback/<appid>  (queue drained in-process; "
          "tokens refreshed every minute)")
    sys.stdout.flush()

    stopped = threading.Event()

    def stop(signum, frame):
        stopped.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    stopped.wait()
    print("[wxbase] stopping; saving local data", flush=True)
    http.stop()
    drainer.stop()
    refresher.stop()
    if snapshots:
        snapshots.stop()
    stack.stop()


if __name__ == "__main__":
    main()
