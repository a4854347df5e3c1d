"""Merging two accounts of one person, only when the caller has proved they own both (two valid tokens).

Everything that lets the merged-away user sign in (identities, unionid link) moves to the kept user and the merged
user is deleted, in one transaction conditioned on each item still pointing where it did. Merging two different
WeChat people (an identity in the same app on both sides, or two different unionids) is refused with a 409.
"""
from chalicelib.core import clock, logs
from chalicelib.core.errors import BadRequest, Conflict, NotFound
from chalicelib.store import keys, table
from chalicelib.store.table import TransactionFailed
from chalicelib.users import links

USERS = "users"
MAX_LINKS = 90  # one transaction holds at most 100 actions


def merge_users(into_id, from_id):
    if into_id == from_id:
        raise BadRequest("mergeToken is a token of your own account.")
    into_user = table.get(keys.record(USERS, into_id))
    from_user = table.get(keys.record(USERS, from_id))
    if into_user is None or from_user is None:
        raise NotFound("One of the accounts to merge no longer exists.")
    into_items, from_items = links.link_items(into_id), links.link_items(from_id)
    into_apps = {i.get("appid") for i in into_items if i["pk"].startswith("ID#")}
    if any(i.get("appid") in into_apps for i in from_items if i["pk"].startswith("ID#")):
        raise Conflict("Both accounts have a WeChat identity in the same app; they belong to different people and "
                       "can't be merged.")
    into_union, from_union = links.unionid_of(into_id, into_items), links.unionid_of(from_id, from_items)
    if into_union and from_union and into_union != from_union:
        raise Conflict("The two accounts belong to different WeChat users and can't be merged.")
    if len(from_items) > MAX_LINKS:
        raise Conflict("The account to merge has too many links to merge at once.")

    now = clock.pb_datetime()
    operations = []
    for item in from_items:
        operations.append(table.update_op(
            {"pk": item["pk"], "sk": item["sk"]}, "SET #u = :into, g2pk = :g2pk",
            condition="#u = :from", names={"#u": "user"},
            values={":into": into_id, ":from": from_id, ":g2pk": keys.user_links_partition(into_id)}))
    if from_user.get("_phone"):
        operations.append(table.delete_op(keys.phone_link(from_user["_phone"]),
                                          condition="attribute_not_exists(pk) OR #u = :from",
                                          names={"#u": "user"}, values={":from": from_id}))
    operations.append(table.delete_op(keys.record(USERS, from_id), condition="#v = :v", names={"#v": "v"},
                                      values={":v": from_user["v"]}))
    operations.append(table.update_op(keys.record(USERS, into_id), "SET #v = #v + :one, #updated = :now",
                                      condition="attribute_exists(pk)",
                                      names={"#v": "v", "#updated": "updated"}, values={":one": 1, ":now": now}))
    try:
        table.transact(operations)
    except TransactionFailed as exc:
        if not exc.condition_failed:
            raise
        raise Conflict("One of the accounts changed while merging; try again.") from None
    logs.event("users.merged", into=into_id, merged=from_id, links=len(from_items))
