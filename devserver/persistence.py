"""Local data that survives a restart of `make dev`: the emulator's table items and bucket objects are written
to a git-ignored folder (on a timer and at shutdown) and loaded back on start. Files are replaced atomically."""
import json
import os
import threading

from chalicelib.core import aws
from chalicelib.core.settings import get_settings

SNAPSHOT_SECONDS = 5


def _write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Snapshots:
    def __init__(self, data_dir):
        self.dir = os.path.join(data_dir, "emulator")
        self.objects_dir = os.path.join(self.dir, "s3")
        os.makedirs(self.objects_dir, exist_ok=True)
        self.items_file = os.path.join(self.dir, "table.json")
        self.objects_file = os.path.join(self.dir, "s3-index.json")
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def save(self):
        with self._lock:
            settings = get_settings()
            ddb = aws.client("dynamodb")
            items = []
            for page in ddb.get_paginator("scan").paginate(TableName=settings.table_name):
                items.extend(page.get("Items", []))
            _write_atomic(self.items_file, json.dumps(items).encode())
            s3 = aws.client("s3")
            index = {}
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.bucket_name):
                for obj in page.get("Contents", []):
                    name = f"{len(index):08d}"
                    got = s3.get_object(Bucket=settings.bucket_name, Key=obj["Key"])
                    _write_atomic(os.path.join(self.objects_dir, name), got["Body"].read())
                    index[obj["Key"]] = {"file": name, "contentType": got.get("ContentType", "")}
            _write_atomic(self.objects_file, json.dumps(index).encode())
            return len(items), len(index)

    def restore(self):
        settings = get_settings()
        restored_items = restored_objects = 0
        if os.path.exists(self.items_file):
            with open(self.items_file) as f:
                items = json.load(f)
            ddb = aws.client("dynamodb")
            for start in range(0, len(items), 25):
                batch = [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]
                pending = {settings.table_name: batch}
                while pending:
                    pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or None
            restored_items = len(items)
        if os.path.exists(self.objects_file):
            with open(self.objects_file) as f:
                index = json.load(f)
            s3 = aws.client("s3")
            for key, meta in index.items():
                with open(os.path.join(self.objects_dir, meta["file"]), "rb") as body:
                    extra = {"ContentType": meta["contentType"]} if meta["contentType"] else {}
                    s3.put_object(Bucket=settings.bucket_name, Key=key, Body=body.read(), **extra)
            restored_objects = len(index)
        return restored_items, restored_objects

    def start_timer(self):
        def loop():
            while not self._stop.wait(SNAPSHOT_SECONDS):
                try:
                    self.save()
                except Exception as exc:  # keep serving; the next tick tries again
                    print(f"[wxbase] snapshot failed: {exc.__class__.__name__}")

        threading.Thread(target=loop, name="snapshots", daemon=True).start()

    def stop(self):
        self._stop.set()
        self.save()
