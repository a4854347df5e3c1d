"""Parity cases of field values: a text pattern's anchoring, the date forms PocketBase accepts (or clears), ids sent
as JSON numbers, an id changed on update, email addresses with international domains, a text field's max against
what a record and a body may hold, and a create rule reading through the body's relations. Each create has an id of
its own; an update changes a record its case created."""
from tests.parity.fixtures import rid


def add_cases(c, create, update, view):
    def item(**fields):
        return {"id": c.new_id("val"), "title": "valued", **fields}

    patterns = {"trailing newline": "abc\n", "newline inside": "abc\nxyz", "leading newline": "\nabc",
                "plain": "abc-1", "arabic digit": "a٣"}
    for name, code in patterns.items():
        body = item(code=code)
        c.add(f"values/pattern {name}", create("items", body), view("items", body["id"], "admin"), writes=True)
    dates = ("2024-01-02", "2024-01-02 03:04:05", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123+08:00",
             "2024-01-02 03:04:05.123456Z", "2024-01-02 03:04:05 +0000 UTC", "2024-01-02T03:04:05",
             "2024-01-02 03:04:05.1Z", "2024-01-02T03:04:05.5-07:30", "2024-12-31 23:59:59.999Z",
             "Tue, 02 Jan 2024 03:04:05 -0700", "Tue, 02 Jan 2024 03:04:05 MST", "02 Jan 24 15:04 -0700",
             "Tue Jan  2 15:04:05 2024", "Tue Jan 02 15:04:05 -0700 2024", "02 Jan 2024", "2024-01-02 03:04:05+0800",
             "2024-01-02 03:04:05 +08:00", "2024-01-02T03:04", " 2024-01-02", "20240102", "2024-01-02t03:04:05z")
    for value in dates:
        body = item(due=value)
        c.add(f"values/date {value}", create("items", body), view("items", body["id"], "admin"), writes=True)
    for name, value in {"15 digits": 123456789012345, "short": 12, "float": 1.5e14, "negative": -12345678901234}.items():
        c.add(f"values/id as a JSON number {name}", create("items", {"id": value, "title": "numbered"}), writes=True)
    for name, value in {"another": None, "empty": "", "null": "null", "a number": 5, "the same": "same"}.items():
        body = item()
        new_id = {"another": c.new_id("val"), "null": None, "same": body["id"]}.get(
            value if value in ("null", "same") else name, value)
        c.add(f"values/id changed on update to {name}", create("items", body),
              update("items", body["id"], {"id": new_id, "title": "renamed"}), view("items", body["id"], "admin"),
              writes=True)
    for address in ("a@bü.de", "a@例え.jp", "a@xn--b-hga.de", "a b@x.de", "a@localhost", "a@x.de\n"):
        body = item(email=address)
        c.add(f"values/email {address!r}", create("items", body), writes=True)
    # a text field's max (PocketBase's default 5000 when 0, a declared one far larger) against what a record and a
    # body may hold
    sizes = {"5000 characters at the default max": {"short": "界" * 5000},
             "5001 characters at the default max": {"short": "x" * 5001},
             "100000 characters under a declared max": {"long": "y" * 100_000},
             "150000 two-byte characters under a declared max": {"long": "é" * 150_000},
             "a body over 1 MiB under a declared max": {"long": "z" * 1_100_000}}
    for name, fields in sizes.items():
        record_id = c.new_id("txt")
        c.add(f"values/text of {name}", create("texts", {"id": record_id, **fields}, fields="id,short"),
              view("texts", record_id, "admin", fields="id,short"), writes=True)
    # a create rule reading through the body's relation and the related record's own (@request.body.post.owner.name)
    for name, post in {"owners published post": rid("pst", 1), "owners draft": rid("pst", 2),
                       "others post": rid("pst", 3), "missing post": "zzzzzzzzzzzzzzz", "no post": None}.items():
        review = {"id": c.new_id("rev"), "text": "fine"}
        if post:
            review["post"] = post
        c.add(f"rules-body/review of the {name}", create("reviews", review, "other"),
              view("reviews", review["id"], "admin"), writes=True)
