"""Every DynamoDB key of the single table is built here, and nowhere else.

| item                 | pk                          | sk            |
|----------------------|-----------------------------|---------------|
| record               | C#<collection>              | R#<record id> |
| WeChat identity      | ID#<appid>#<openid>         | #             |
| unionid link         | UNION#<unionid>             | #             |

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
