"""`make dev`: the API with the WeChat sandbox and the embedded engines, data kept in .wxbase-data/.

docs/local-stack.md describes what runs, where data lives and what survives what. Stops within a few seconds on
Ctrl-C, SIGTERM or SIGHUP (a closed terminal); every answered write is already on disk by then.
"""
import os
import secrets
import signal
import sys
import threading

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STOP_SECONDS = 2.5


def _dev_secret(data_dir, name, nbytes):
    """A random secret kept in the data folder, so tokens survive restarts; never printed."""
    path = os.path.join(data_dir, name)
    if not os.path.exists(path):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(secrets.token_urlsafe(nbytes))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    with open(path) as f:
        return f.read().strip()


def check_collections() -> None:
    """Exit with the loader's message when the collections file can't load, before anything starts."""
    from chalicelib.core import logs
    from chalicelib.core.settings import ConfigError
    from chalicelib.records.schema.collections import SchemaError, check_at_start

    logs.configure()  # the loader's warnings (options it ignores) as JSON lines, like the app's
    try:
        check_at_start()
    except (SchemaError, ConfigError) as exc:
        print(f"[wxbase] not starting: {exc.message}", file=sys.stderr, flush=True)
        sys.exit(2)


def _say(line):
    try:
        print(f"[wxbase] {line}", flush=True)
    except OSError:  # the terminal is gone (SIGHUP); keep shutting down
        pass


def main() -> None:
    sys.path.insert(0, PROJECT_DIR)
    from devserver.preflight import StartError, check_apps, lock_data_dir

    try:
        check_apps(os.environ.get("WXBASE_APPS"))
    except StartError as exc:
        print(f"[wxbase] not starting: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
    check_collections()
    from devserver.devconfig import ConfigError, DevConfig

    try:
        config = DevConfig.from_environ(os.environ, PROJECT_DIR)
        config.check_ports()
    except ConfigError as exc:
        print(f"[wxbase] {exc}", file=sys.stderr, flush=True)
        sys.exit(2)

    stopped = threading.Event()

    def stop(signum, frame):
        if stopped.is_set():  # a second Ctrl-C: out now (the engines die with us; answered writes are on disk)
            os._exit(130)
        stopped.set()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)

    os.makedirs(config.data_dir, exist_ok=True)
    try:
        lock = lock_data_dir(config.data_dir)  # noqa: F841 (held until the process ends)
    except StartError as exc:
        print(f"[wxbase] not starting: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
    env = {
        "WXBASE_JWT_SECRET": os.environ.get("WXBASE_JWT_SECRET") or _dev_secret(config.data_dir, "jwt-secret", 48),
        "WXBASE_ADMIN_KEYS": os.environ.get("WXBASE_ADMIN_KEYS") or _dev_secret(config.data_dir, "admin-key", 24),
    }
    if os.environ.get("WXBASE_APPS"):
        env["WXBASE_APPS"] = os.environ["WXBASE_APPS"]

    from devserver.stack import LocalStack

    try:
        stack = LocalStack(env, sandbox_port=config.sandbox_port, data_dir=config.data_dir, host=config.host,
                           public_host=config.public_host, s3_port=config.s3_port,
                           dynamodb_port=config.dynamodb_port).apply()
    except (RuntimeError, OSError) as exc:
        print(f"[wxbase] could not start the local stack: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)

    from devserver.legacy_import import import_snapshots

    imported = import_snapshots(config.data_dir) if stack.dynamodb else (0, 0)
    if any(imported):
        _say(f"imported {imported[0]} items and {imported[1]} files kept by an earlier make dev")

    import app as wxbase_app
    from devserver.http import HttpServer
    from devserver.jobs import QueueDrainer, start_schedules
    from devserver.streams import StreamReader
    from devserver.websocket import PATH as WEBSOCKET_PATH, WebSocketGateway

    # what API Gateway's WebSocket API does: the realtime endpoint on the API's port, with its @connections API
    websockets = WebSocketGateway(wxbase_app)
    os.environ.setdefault("WXBASE_PUBLIC_URL", f"http://{config.public_host}:{config.port}")  # WeChat Pay's notify URL
    os.environ.update(websockets.environment(f"ws://{config.public_host}:{config.port}{WEBSOCKET_PATH}"))
    streams: list = []
    http = HttpServer(wxbase_app.app, PROJECT_DIR, port=config.port, host=config.host, websockets=websockets,
                      after_write=lambda: [s.wake() for s in streams])
    drainer = QueueDrainer(wxbase_app.callback_worker).start()  # what Lambda's SQS event source does when deployed
    jobs = start_schedules(wxbase_app.app)  # what EventBridge does: every @app.schedule on its rate
    # what the stream's event source mapping does: record changes to record_stream, resuming where it stopped
    stream = StreamReader(lambda event, context: wxbase_app.record_stream(event, context),
                          checkpoint=os.path.join(config.data_dir, "record-stream.json")).start()
    streams.append(stream)
    api = f"http://{config.public_host}:{config.port}"
    _say(f"API            {api}/api/health  (listening on {config.host}:{config.port})")
    _say(f"OpenAPI        {api}/api/openapi.json")
    _say(f"console        {api}/_/  (sign in with the admin key below)")
    _say(f"realtime       ws://{config.public_host}:{config.port}{WEBSOCKET_PATH}  (GET {api}/api/realtime)")
    _say(f"WeChat sandbox {stack.sandbox.url}  (login with code sandbox-<name>)")
    if stack.merchant:
        _say(f"WeChat Pay     sandbox merchant {stack.merchant['mchid']} (pay with POST {stack.sandbox.url}"
             "/sandbox/pay/confirm)")
    if stack.dynamodb:
        _say(f"files (S3)     {stack.env['AWS_ENDPOINT_URL_S3']}  DynamoDB Local, queue: in {config.data_dir}"
             + (f" ({stack.replayed} unfinished pushes queued again)" if stack.replayed else ""))
    else:
        _say("AWS            from AWS_ENDPOINT_URL*")
    _say(f"admin key      in {os.path.join(config.data_dir, 'admin-key')}")
    if config.host not in ("127.0.0.1", "localhost", "::1"):
        _say(f"HOST={config.host}: the API (any sandbox login) and the file URLs it signs are open to your network; "
             "see docs/local-stack.md")
    _say(f"scheduled      {', '.join(job.name for job in jobs)}; WeChat push queue drained in-process; "
         "record changes streamed to record_stream")
    _say("functions/     loaded at start: after adding or changing a module there, restart make dev (Ctrl-C, "
         "make dev); your data stays")

    # A signal can land on any thread; only the main thread runs Python's handlers, and it must wake to do so:
    # a plain wait() without a timeout slept through a Ctrl-C delivered to another thread.
    while not stopped.wait(0.2):
        pass
    _say("stopping")
    # Whatever a stop step might wait on, the process is gone within STOP_SECONDS: nothing is left to save.
    watchdog = threading.Timer(STOP_SECONDS, lambda: os._exit(1))
    watchdog.daemon = True
    watchdog.start()
    websockets.stop()
    http.stop()
    drainer.stop()
    stream.stop()
    for job in jobs:
        job.stop()
    stack.stop()
    _say("stopped")
    # Everything answered is on disk; don't wait for a scheduled job caught mid-retry (its pool joins at exit).
    os._exit(0)


if __name__ == "__main__":
    main()
