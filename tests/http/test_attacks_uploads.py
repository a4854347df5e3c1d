"""Upload tickets are bound to whoever they were issued to: the record id and file name of someone else's upload
(both visible in a shared link, or guessable) attach nothing for an attacker."""
import requests

from tests.records_helpers import ADMIN, user

POSTS = "/api/collections/posts/records"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def _upload(api, token, collection="posts", field="cover", record_id=None):
    body = {"collection": collection, "field": field, "filename": "photo.png", "size": len(PNG),
            "contentType": "image/png"}
    if record_id:
        body["recordId"] = record_id
    ticket = api.post("/api/files/upload", body, token=token)
    assert ticket.status == 200, ticket
    sent = requests.post(ticket.json["url"], data=ticket.json["fields"],
                         files={"file": ("photo.png", PNG, "image/png")}, timeout=10)
    assert sent.status_code == 204, sent.text
    return ticket.json


def test_b_cannot_attach_the_upload_a_was_issued_for_a_new_record(api):
    alice, bob = user(api, "ticket-a"), user(api, "ticket-b")
    ticket = _upload(api, alice["token"])
    stolen = api.post(POSTS, {"id": ticket["recordId"], "title": "mine now", "status": "published",
                              "owner": bob["id"], "cover": ticket["name"]}, token=bob["token"])
    assert stolen.status == 400, stolen
    assert stolen.json["data"]["cover"]["code"] == "validation_invalid_file"
    # nothing was consumed: A still attaches it
    created = api.post(POSTS, {"id": ticket["recordId"], "title": "hers", "status": "published",
                               "owner": alice["id"], "cover": ticket["name"]}, token=alice["token"])
    assert created.status == 200 and created.json["cover"] == ticket["name"]


def test_b_cannot_attach_it_to_a_record_of_their_own_with_that_id_later(api):
    alice, bob = user(api, "ticket-c"), user(api, "ticket-d")
    ticket = _upload(api, alice["token"])
    # B creates the record first (its id was visible), then tries to set the file on it
    mine = api.post(POSTS, {"id": ticket["recordId"], "title": "squatted", "status": "draft"}, token=bob["token"])
    assert mine.status == 200
    patched = api.patch(f"{POSTS}/{ticket['recordId']}", {"cover": ticket["name"]}, token=bob["token"])
    assert patched.status == 400 and patched.json["data"]["cover"]["code"] == "validation_invalid_file"


def test_an_admin_may_attach_a_users_upload_and_a_user_may_not_attach_an_admins(api):
    alice = user(api, "ticket-e")
    ticket = _upload(api, alice["token"])
    by_admin = api.post(POSTS, {"id": ticket["recordId"], "title": "moderated", "status": "published",
                                "owner": alice["id"], "cover": ticket["name"]}, token=ADMIN)
    assert by_admin.status == 200, by_admin
    admin_ticket = _upload(api, ADMIN)
    refused = api.post(POSTS, {"id": admin_ticket["recordId"], "title": "x", "status": "published",
                               "owner": alice["id"], "cover": admin_ticket["name"]}, token=alice["token"])
    assert refused.status == 400 and refused.json["data"]["cover"]["code"] == "validation_invalid_file"
