"""One-time import of data an earlier make dev kept as snapshots (`.wxbase-data/emulator/`: table.json, s3-index.json
and numbered object files) into the current engines, so upgrading loses nothing. The folder is then renamed
`emulator.imported/` (delete it when you like)."""
import json
import os


def import_snapshots(data_dir: str) -> tuple[int, int]:
    """(items, objects) imported; (0, 0) when there is nothing to import."""
    from chalicelib.core import aws
    from chalicelib.core.settings import get_settings

    folder = os.path.join(data_dir, "emulator")
    items_file, index_file = os.path.join(folder, "table.json"), os.path.join(folder, "s3-index.json")
    if not os.path.exists(items_file) and not os.path.exists(index_file):
        return 0, 0
    settings = get_settings()
    items = json.load(open(items_file)) if os.path.exists(items_file) else []
    ddb = aws.client("dynamodb")
    for start in range(0, len(items), 25):
        pending = {settings.table_name: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or None
    index = json.load(open(index_file)) if os.path.exists(index_file) else {}
    s3 = aws.client("s3")
    for key, meta in index.items():
        with open(os.path.join(folder, "s3", meta["file"]), "rb") as body:
            extra = {"ContentType": meta["contentType"]} if meta.get("contentType") else {}
            s3.put_object(Bucket=settings.bucket_name, Key=key, Body=body.read(), **extra)
    os.replace(folder, folder + ".imported")
    return len(items), len(index)
