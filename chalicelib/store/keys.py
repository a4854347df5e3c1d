"""Every DynamoDB key of the single table is built here, and nowhere else.

| item                 | pk                          | sk            |
|----------------------|-----------------------------|---------------|
| record               | C#<collection>              | R#<record id> |
| WeChat identity      | ID#<appid>#<openid>         | #             |
| unionid link         | UNION#<unionid>             | #             |
| upload ticket        | UPLOAD#<object key>         | #             |

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


def upload_ticket(object_key):
    return {TABLE_PK: f"UPLOAD#{object_key}", TABLE_SK: SINGLETON_SK}


def upload_due(expires_at, object_key):
    """gsi1 entry filing an upload ticket under the hour it expires, for the sweeper's Query."""
    import time

    hour = time.strftime("%Y%m%d%H", time.gmtime(expires_at))
    return {"g1pk": f"UPLOADS#DUE#{hour}", "g1sk": f"{int(expires_at):010d}#{object_key}"}
