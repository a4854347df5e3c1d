"""File fields inside record writes: a new file name must be an upload issued for this record field (its ticket is
consumed in the record's own transaction), and names that leave a record are deleted from S3 after the write."""
from chalicelib.files import uploads


def _names(value):
    if not value:
        return []
    return list(value) if isinstance(value, list) else [value]


def changes(collection, record_id, data, old=None):
    """(transaction actions for newly attached files, names removed from the record)."""
    ops, removed = [], []
    for name, f in collection.fields.items():
        if f.type != "file":
            continue
        before = _names((old or {}).get(name))
        for filename in dict.fromkeys(_names(data.get(name))):
            if filename not in before:
                ops.append(uploads.verify_attachable(collection.id, record_id, f, filename))
        removed += [n for n in before if n not in _names(data.get(name))]
    return ops, removed


def all_names(collection, data):
    return [n for name, f in collection.fields.items() if f.type == "file" for n in _names(data.get(name))]


def field_holding(collection, data, filename):
    """The file field of a record that holds `filename`, or None."""
    for name, f in collection.fields.items():
        if f.type == "file" and filename in _names(data.get(name)):
            return f
    return None


def discard(collection, record_id, names):
    uploads.discard(collection.id, record_id, names)
