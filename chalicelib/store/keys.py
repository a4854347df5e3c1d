"""Every DynamoDB key of the single table is built here, and nowhere else.

| item                 | pk                          | sk            |
|----------------------|-----------------------------|---------------|
| record               | C#<collection>              | R#<record id> |
| WeChat identity      | ID#<appid>#<openid>         | #             |
| unionid link         | UNION#<unionid>             | #             |
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


def push_message(appid, message_key):
    """The dedupe marker and processing state of one pushed WeChat message (message_key is a hex digest)."""
    return {TABLE_PK: f"WXMSG#{appid}#{message_key}", TABLE_SK: SINGLETON_SK}


def access_token(appid):
    """The app's current access_token, its expiry and the refresh lease."""
    return {TABLE_PK: f"WXTOKEN#{appid}", TABLE_SK: SINGLETON_SK}
