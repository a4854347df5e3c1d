"""Every DynamoDB key of the single table is built here, and nowhere else.

| item                 | pk                          | sk            |
|----------------------|-----------------------------|---------------|
| record               | C#<collection>              | R#<record id> |
| WeChat identity      | ID#<appid>#<openid>         | #             |
| unionid link         | UNION#<unionid>             | #             |
| upload ticket        | UPLOAD#<object key>         | #             |
| pushed message       | WXMSG#<appid>#<message key> | #             |
| app access_token     | WXTOKEN#<appid>             | #             |

Records of one collection share a partition, so a list by id (= creation order) is one Query and a record read is
one GetItem. Identity and unionid items are uniqueness markers written in the same transaction as the user.
Characters `#` in user-supplied parts are harmless: every part before the last is validated or server-chosen.
"""

TABLE_PK = "pk"
TABLE_SK = "sk"
TTL_ATTRIBUTE = "exp"
SINGLETON_SK = "#"


def record(collection, record_id):
    return {TABLE_PK: f"C#{collection}", TABLE_SK: f"R#{record_id}"}


def identity(appid, openid):
    return {TABLE_PK: f"ID#{appid}#{openid}", TABLE_SK: SINGLETON_SK}


def unionid_link(unionid):
    return {TABLE_PK: f"UNION#{unionid}", TABLE_SK: SINGLETON_SK}


# --- user data: phone markers, identities by user, scheduled subscribe messages -----------------------------------
# | phone marker         | PHONE#<+E.164 number>       | #             |
# | subscribe message    | SUBMSG#<message id>         | #             |  gsi1: SUBMSG#DUE#<yyyy-mm-dd-hh> / <due>#<id>
# Identity and unionid items also carry gsi2 = U#<user id> / <their pk>, so a user's links are one Query.

USER_LINKS_INDEX = "gsi2"
DUE_INDEX = "gsi1"


def phone_link(number):
    return {TABLE_PK: f"PHONE#{number}", TABLE_SK: SINGLETON_SK}


def user_link_index(user_id, item_pk):
    """The gsi2 attributes that list an identity or unionid item under its user."""
    return {"g2pk": f"U#{user_id}", "g2sk": item_pk}


def user_links_partition(user_id):
    return f"U#{user_id}"


def subscribe_message(message_id):
    return {TABLE_PK: f"SUBMSG#{message_id}", TABLE_SK: SINGLETON_SK}


def subscribe_due_bucket(due_hour):
    """The gsi1 partition of messages due in one UTC hour (`due_hour` = "yyyy-mm-dd-hh")."""
    return f"SUBMSG#DUE#{due_hour}"


def subscribe_due_index(due_hour, due_at, message_id):
    """gsi1 attributes of a queued message; removed when it is claimed, so the index holds only pending ones."""
    return {"g1pk": subscribe_due_bucket(due_hour), "g1sk": f"{due_at}#{message_id}"}


def upload_ticket(object_key):
    return {TABLE_PK: f"UPLOAD#{object_key}", TABLE_SK: SINGLETON_SK}


def upload_due(expires_at, object_key):
    """gsi1 entry filing an upload ticket under the hour it expires, for the sweeper's Query."""
    import time

    hour = time.strftime("%Y%m%d%H", time.gmtime(expires_at))
    return {"g1pk": f"UPLOADS#DUE#{hour}", "g1sk": f"{int(expires_at):010d}#{object_key}"}
# Records' index attributes and their helper items (chalicelib/records/query.py explains the access paths).
RECORD_SK_PREFIX = "R#"


def collection_partition(collection):
    """The g1pk/g2pk of every record of a collection: gsi1 orders by created, gsi2 by updated."""
    return f"C#{collection}"


def record_order(stamp, record_id):
    return f"{stamp}#{record_id}"


def index_partition(collection, index_name, encoded_values):
    """g<slot>pk of a record for one declared index: equality on its fields' values, ordered by created."""
    return f"C#{collection}#I#{index_name}#{encoded_values}"


def record_counter(collection, scope=""):
    """Item counts, kept in the create/delete transactions: the whole collection ("") or one index value."""
    return {TABLE_PK: f"C#{collection}", TABLE_SK: "#N" + (f"#{scope}" if scope else "")}


def page_marker(query_hash, page):
    """Where page `page` of one list query (hash of its shape and auth scope) starts; TTL'd."""
    return {TABLE_PK: f"Q#{query_hash}", TABLE_SK: f"P#{page:09d}"}
def push_message(appid, message_key):
    """The dedupe marker and processing state of one pushed WeChat message (message_key is a hex digest)."""
    return {TABLE_PK: f"WXMSG#{appid}#{message_key}", TABLE_SK: SINGLETON_SK}


def access_token(appid):
    """The app's current access_token, its expiry and the refresh lease."""
    return {TABLE_PK: f"WXTOKEN#{appid}", TABLE_SK: SINGLETON_SK}
