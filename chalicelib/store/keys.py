"""Every key of the single table, and every value of its overloaded index attributes, is built here and nowhere else.

| item                 | pk                          | sk            | index entries                                   |
|----------------------|-----------------------------|---------------|-------------------------------------------------|
| record               | C#<collection>              | R#<record id> | gsi1 C#<collection> / <created>#<id>            |
|                      |                             |               | gsi2 C#<collection> / <updated>#<id>            |
|                      |                             |               | gsi3..6 C#<collection>#I#<index>#<values> / <created>#<id> |
| record counter       | C#<collection>              | #N[#<scope>]  | gsi<index slot> C#<collection>#D#<index> / <ordered values> (value counters of a directory index) |
| write-shard counts   | SHARDS#<collection>         | #             |                                                 |
| page marker (TTL)    | Q#<query hash>              | P#<page>      |                                                 |
| WeChat identity      | ID#<appid>#<openid>         | #             | gsi2 U#<user id> / <its pk>                     |
| unionid link         | UNION#<unionid>             | #             | gsi2 U#<user id> / <its pk>                     |
| phone marker         | PHONE#<+E.164 number>       | #             |                                                 |
| upload ticket        | UPLOAD#<object key>         | #             | gsi1 UPLOADS#DUE#<yyyymmddhh> / <exp>#<key>     |
| subscribe message    | SUBMSG#<message id>         | #             | gsi1 SUBMSG#DUE#<yyyy-mm-dd-hh> / <due>#<id>    |
|                      |                             |               | gsi2 SUBMSG#DAY#<yyyy-mm-dd> / <created>#<id>   |
|                      |                             |               | gsi3 SUBMSG#USER#<user id> / <created>#<id>     |
| admin audit entry    | AUDIT                       | <at>#<entry id> |                                               |
| request log (TTL)    | LOG#<yyyy-mm-dd>            | <log id>      |                                                 |
| review queue entry   | REVIEW                      | <collection>#<record id> |                                      |
| unique value marker  | UNIQ#<collection>#<index>#<values> | #      |                                                 |
| pushed message       | WXMSG#<appid>#<message key> | #             |                                                 |
| callback replay mark | WXSEEN#<appid>#<digest>     | #             | (TTL: the app's callback window)                |
| work progress (TTL)  | PROGRESS#<kind>#<work id>   | #             |                                                 |
| scheduled function  | SCHEDULE#<name>             | #             |                                                 |
| app access_token     | WXTOKEN#<appid>             | #             |                                                 |
| payments bill report | PAYBILL#<mchid>             | <yyyy-mm-dd>  |                                                 |
| OA follower state    | FOLLOW#<oa appid>#<openid>  | #             | gsi3 FOLLOWS#<unionid> / <oa appid>             |
| follower backfill    | FOLLOWFILL#<oa appid>       | #             |                                                 |
| mini-program code    | WXACODE#<appid>#<digest>    | #             |                                                 |
| URL link             | URLLINK#<appid>#<digest>    | #             |                                                 |
| image check (TTL)    | MEDIACHECK#<appid>#<trace>  | #             |                                                 |
| rate counter (TTL)   | RATE#<scope>#<subject>      | <window start>|                                                 |
| connection (TTL)     | WS#<connection id>          | #             |                                                 |
| subscription (TTL)   | WS#<connection id>          | S#<sub id>    | gsi4 RT#<collection>#<* or record id> / <connection id>#<sub id> |
| change feed (TTL)    | FEED#<collection>           | <cursor>      |                                                 |

Records of one collection share a partition, so a list by id (= creation order) is one Query and a record read is
one GetItem. A collection with `"wxbase": {"writeShards": N}` (N > 1) spreads them over N partitions instead: every
`C#<collection>` above (table, gsi1/gsi2, counters) and every index partition ends in `#S<k>`, k = `shard_of(id, N)`,
and so does its change feed (`FEED#<collection>#S<k>`); with N = 1 the keys are the ones above, unchanged. A count
that grew (`"writeShards": [1, 4, 16]`) leaves each record where it was written, at `shard_of(id, n)` for the count n
of its time: the collection's partitions are the newest count's and, when it once had one, the unsuffixed one
(`history_shards`). `SHARDS#<collection>` holds the counts records were written with, so a collections file that
forgets one is refused instead of hiding records (records/shard_map.py). Identity, unionid and phone items are
uniqueness markers written in the same transaction as the user,
and so are the markers of a collection's UNIQUE indexes (one per index and value, naming the record that holds it).
Characters `#` in user-supplied parts are harmless: every part before the last is validated or server-chosen.
The index attributes of slot N are `g<N>pk`/`g<N>sk` on the index `gsi<N>` (store/table_definition.py defines them).
"""
from __future__ import annotations

import time
import zlib
from typing import Any

from chalicelib.core.patterns import lazy

Key = dict[str, str]

TABLE_PK = "pk"
TABLE_SK = "sk"
TTL_ATTRIBUTE = "exp"
SINGLETON_SK = "#"
GSI_SLOTS = (1, 2, 3, 4, 5, 6)

RECORDS_BY_CREATED = 1  # gsi1 for records; other items file due times there (see the table above)
RECORDS_BY_UPDATED = 2  # gsi2 for records; identity and unionid items list their user there
DUE_SLOT = 1
USER_LINKS_SLOT = 2
MESSAGES_BY_DAY_SLOT = 2  # subscribe messages by creation day (the admin console's list)
MESSAGES_BY_USER_SLOT = 3  # subscribe messages by recipient user (merges move them); no record partition starts SUBMSG
RECORD_INDEX_SLOTS = (3, 4, 5, 6)  # one per declared index of a collection
FOLLOWERS_BY_UNIONID_SLOT = 3  # follower items list their person there (partitions apart from records')
REALTIME_TOPIC_SLOT = 4  # subscriptions list under their topic there (partitions apart from records')


def gsi(slot: int) -> str:
    return f"gsi{slot}"


def gsi_attributes(slot: int) -> tuple[str, str]:
    """The (partition, sort) attribute names of index slot N."""
    return f"g{slot}pk", f"g{slot}sk"


def gsi_entry(slot: int, partition: str, sort: str) -> dict[str, str]:
    pk, sk = gsi_attributes(slot)
    return {pk: partition, sk: sort}


# --- records ------------------------------------------------------------------------------------------------------
RECORD_SK_PREFIX = "R#"


def shard_of(record_id: str, shards: int) -> int | None:
    """The shard of a record of a collection with `shards` write shards (None: the collection has one, unsuffixed).
    CRC-32 of the id: stable across processes and releases, spread evenly by random ids."""
    return zlib.crc32(record_id.encode()) % shards if shards > 1 else None


def _sharded(partition: str, shard: int | None) -> str:
    return partition if shard is None else f"{partition}#S{shard}"


def history_shards(history: tuple[int, ...]) -> list[int | None]:
    """Every shard a collection's records may be in, given the counts it has had (each a multiple of the one
    before, the last the current one): the newest count's shards, whose suffixes include every older sharded
    count's, and the unsuffixed one (None) when the collection had one shard once."""
    newest = history[-1]
    shards: list[int | None] = list(range(newest)) if newest > 1 else []
    return shards + [None] if 1 in history else shards


def shard_partitions(partition: str, history: tuple[int, ...]) -> list[str]:
    """The partitions of every shard of an unsharded one (itself alone for a collection that never had more)."""
    return [_sharded(partition, k) for k in history_shards(history)]


def record(collection: str, record_id: str, shards: int = 1) -> Key:
    """A record's key in the shard of a count of the collection's (its newest, for a record written now)."""
    return record_in(collection, record_id, shard_of(record_id, shards))


def record_in(collection: str, record_id: str, shard: int | None) -> Key:
    return {TABLE_PK: collection_partition(collection, shard), TABLE_SK: f"{RECORD_SK_PREFIX}{record_id}"}


def record_candidates(collection: str, record_id: str, history: tuple[int, ...]) -> list[Key]:
    """The keys a record may be at, newest count first: `shard_of(id, n)` for each count n it has had."""
    shards = dict.fromkeys(shard_of(record_id, n) for n in reversed(history))
    return [record_in(collection, record_id, k) for k in shards]


_RECORD_PARTITION = lazy(r"C#([^#]+)(?:#S(\d+))?")


def record_of(key: dict[str, Any]) -> tuple[str, str] | None:
    """(collection, record id) for a record item's key, None for any other item."""
    pk, sk = str(key.get(TABLE_PK, "")), str(key.get(TABLE_SK, ""))
    found = _RECORD_PARTITION.fullmatch(pk)
    if found and sk.startswith(RECORD_SK_PREFIX):
        return found.group(1), sk[len(RECORD_SK_PREFIX):]
    return None


def shard_in(record_partition: str) -> int | None:
    """The shard of a record's table partition (`C#<collection>#S<k>`; None for `C#<collection>`)."""
    found = _RECORD_PARTITION.fullmatch(record_partition)
    if found is None:
        raise ValueError(f"not a record partition: {record_partition!r}")
    return None if found.group(2) is None else int(found.group(2))


def collection_partition(collection: str, shard: int | None = None) -> str:
    """The table partition of a collection's records (of one shard), and their gsi1/gsi2 partition."""
    return _sharded(f"C#{collection}", shard)


def shard_counts(collection: str) -> Key:
    """The write-shard counts processes have written a collection's records with (a number set, ADDed)."""
    return {TABLE_PK: f"SHARDS#{collection}", TABLE_SK: SINGLETON_SK}


def record_order(stamp: str, record_id: str) -> str:
    return f"{stamp}#{record_id}"


def index_partition(collection: str, index_name: str, encoded_values: str, shard: int | None = None) -> str:
    """The partition of a record in one declared index: equality on its fields' values, ordered by created. The
    values are JSON (ending in `]`) or a hash, so a shard suffix can't be mistaken for part of them."""
    return _sharded(f"C#{collection}#I#{index_name}#{encoded_values}", shard)


_INDEX_SCOPE = lazy(r"C#([^#]+)#I#(.+?)(?:#S\d+)?")


def index_scope_of(collection: str, partition: Any) -> str | None:
    """`<index>#<values>` of a record's index partition in `collection` (the counter scope it is counted in)."""
    found = _INDEX_SCOPE.fullmatch(partition) if isinstance(partition, str) else None
    return found.group(2) if found and found.group(1) == collection else None


def index_directory(collection: str, index_name: str, shard: int | None = None) -> str:
    """The gsi partition where an index's value counters list its distinct values, sorted as SQLite sorts them
    (records/value_order.py): what a sort by the index's fields walks (records/query/walk.py)."""
    return _sharded(f"C#{collection}#D#{index_name}", shard)


def unique_marker(collection: str, index_name: str, encoded_values: str) -> Key:
    """The claim of one value of a UNIQUE index by one record (records/store.py writes it with the record)."""
    return {TABLE_PK: f"UNIQ#{collection}#{index_name}#{encoded_values}", TABLE_SK: SINGLETON_SK}


def record_counter(collection: str, scope: str = "", shard: int | None = None) -> Key:
    """Item counts, kept in the record write transactions: the whole collection ("") or one index value; in a
    sharded collection one per shard, moved with the shard's records and summed on read."""
    return {TABLE_PK: collection_partition(collection, shard), TABLE_SK: "#N" + (f"#{scope}" if scope else "")}


def page_marker(query_hash: str, page: int) -> Key:
    """Where page `page` of one list query (hash of its shape and auth scope) starts; TTL'd."""
    return {TABLE_PK: f"Q#{query_hash}", TABLE_SK: f"P#{page:09d}"}


def page_of_marker(sort_key: str) -> int:
    return int(sort_key[2:])


REVIEW_QUEUE = "REVIEW"
AUDIT_LOG = "AUDIT"


def audit_entry(at: str, entry_id: str) -> Key:
    """One admin change: one partition (admin changes are few), sorted by time, read newest first."""
    return {TABLE_PK: AUDIT_LOG, TABLE_SK: f"{at}#{entry_id}"}


LOG_PREFIX = "LOG#"


def log_day(day: str) -> str:
    """The partition of one UTC day's request logs (`yyyy-mm-dd`); a log id is time-ordered, so it is the sort key."""
    return LOG_PREFIX + day


def log_entry(day: str, log_id: str) -> Key:
    return {TABLE_PK: log_day(day), TABLE_SK: log_id}


def review_entry(collection: str, record_id: str) -> Key:
    """A record content security flagged for review: one partition, read by the moderation queue in order."""
    return {TABLE_PK: REVIEW_QUEUE, TABLE_SK: f"{collection}#{record_id}"}


# --- users: identities, unionid and phone markers ----------------------------------------------------------------
_IDENTITY = "ID#"
_UNION = "UNION#"


def identity(appid: str, openid: str) -> Key:
    return {TABLE_PK: f"{_IDENTITY}{appid}#{openid}", TABLE_SK: SINGLETON_SK}


def unionid_link(unionid: str) -> Key:
    return {TABLE_PK: f"{_UNION}{unionid}", TABLE_SK: SINGLETON_SK}


def phone_link(number: str) -> Key:
    return {TABLE_PK: f"PHONE#{number}", TABLE_SK: SINGLETON_SK}


def user_links_partition(user_id: str) -> str:
    return f"U#{user_id}"


def user_link_index(user_id: str, item_key: Key) -> dict[str, str]:
    """The gsi2 attributes that list an identity or unionid item (by its key) under its user."""
    return gsi_entry(USER_LINKS_SLOT, user_links_partition(user_id), item_key[TABLE_PK])


def key_of(item: dict) -> Key:
    """The table key of an item read from the table."""
    return {TABLE_PK: item[TABLE_PK], TABLE_SK: item[TABLE_SK]}


def is_identity(item: dict) -> bool:
    return str(item.get(TABLE_PK, "")).startswith(_IDENTITY)


def is_unionid_link(item: dict) -> bool:
    return str(item.get(TABLE_PK, "")).startswith(_UNION)


# --- files, messages, tokens ---------------------------------------------------------------------------------------

def upload_ticket(object_key: str) -> Key:
    return {TABLE_PK: f"UPLOAD#{object_key}", TABLE_SK: SINGLETON_SK}


def upload_due_bucket(epoch_seconds: float) -> str:
    """The gsi1 partition of upload tickets expiring in one UTC hour."""
    return "UPLOADS#DUE#" + time.strftime("%Y%m%d%H", time.gmtime(epoch_seconds))


def upload_due(expires_at: float, object_key: str) -> dict[str, str]:
    """gsi1 entry filing an upload ticket under the hour it expires, for the sweeper's Query."""
    return gsi_entry(DUE_SLOT, upload_due_bucket(expires_at), f"{int(expires_at):010d}#{object_key}")


def subscribe_message(message_id: str) -> Key:
    return {TABLE_PK: f"SUBMSG#{message_id}", TABLE_SK: SINGLETON_SK}


def subscribe_due_bucket(due_hour: str) -> str:
    """The gsi1 partition of messages due in one UTC hour (`due_hour` = "yyyy-mm-dd-hh")."""
    return f"SUBMSG#DUE#{due_hour}"


def subscribe_due_index(due_hour: str, due_at: str, message_id: str) -> dict[str, str]:
    """gsi1 attributes of a queued message; removed when it is claimed, so the index holds only pending ones."""
    return gsi_entry(DUE_SLOT, subscribe_due_bucket(due_hour), f"{due_at}#{message_id}")


def subscribe_day_bucket(day: str) -> str:
    """The gsi2 partition of the subscribe messages created on one UTC day (`day` = "yyyy-mm-dd")."""
    return f"SUBMSG#DAY#{day}"


def subscribe_day_index(day: str, created: str, message_id: str) -> dict[str, str]:
    """gsi2 attributes listing a subscribe message under the day it was created, newest last."""
    return gsi_entry(MESSAGES_BY_DAY_SLOT, subscribe_day_bucket(day), f"{created}#{message_id}")


def subscribe_user_index(user_id: str, created: str, message_id: str) -> dict[str, str]:
    """gsi3 attributes listing a subscribe message under the user it is for."""
    return gsi_entry(MESSAGES_BY_USER_SLOT, subscribe_user_partition(user_id), f"{created}#{message_id}")


def subscribe_user_partition(user_id: str) -> str:
    return f"SUBMSG#USER#{user_id}"


def callback_seen(appid: str, digest: str) -> Key:
    """A signed callback URL already used (timestamp, nonce and signatures, hashed): refused if replayed while the
    app's callback window is open."""
    return {TABLE_PK: f"WXSEEN#{appid}#{digest}", TABLE_SK: SINGLETON_SK}


def progress(kind: str, work_id: str) -> Key:
    """Which steps of one piece of retried work are done (a record change from the stream: kind "CHANGE")."""
    return {TABLE_PK: f"PROGRESS#{kind}#{work_id}", TABLE_SK: SINGLETON_SK}


def schedule_run(name: str) -> Key:
    """When a scheduled function of the team's code last started (chalicelib/functions/schedule.py)."""
    return {TABLE_PK: f"SCHEDULE#{name}", TABLE_SK: SINGLETON_SK}


def push_message(appid: str, message_key: str) -> Key:
    """The dedupe marker and processing state of one pushed WeChat message (message_key is a hex digest)."""
    return {TABLE_PK: f"WXMSG#{appid}#{message_key}", TABLE_SK: SINGLETON_SK}


def payment_bill_report(mchid: str, day: str) -> Key:
    """One merchant's reconciliation of one day's WeChat Pay trade bill (the latest days are one Query)."""
    return {TABLE_PK: f"PAYBILL#{mchid}", TABLE_SK: day}


def access_token(appid: str) -> Key:
    """The app's current access_token, its expiry and the refresh lease."""
    return {TABLE_PK: f"WXTOKEN#{appid}", TABLE_SK: SINGLETON_SK}


# --- official-account followers, mini-program codes and links, image checks, rate counters -------------------------

def follower(oa_appid: str, openid: str) -> Key:
    """Whether one person (the OA's openid) follows an official account, and since when."""
    return {TABLE_PK: f"FOLLOW#{oa_appid}#{openid}", TABLE_SK: SINGLETON_SK}


def follower_by_unionid(unionid: str, oa_appid: str) -> dict[str, str]:
    """gsi3 attributes filing a follower item under its unionid: one Query answers every OA for one person."""
    return gsi_entry(FOLLOWERS_BY_UNIONID_SLOT, followers_of_unionid(unionid), oa_appid)


def followers_of_unionid(unionid: str) -> str:
    return f"FOLLOWS#{unionid}"


def follower_backfill(oa_appid: str) -> Key:
    """The resumable walk over an official account's follower list: cursor, progress and lease."""
    return {TABLE_PK: f"FOLLOWFILL#{oa_appid}", TABLE_SK: SINGLETON_SK}


def wxacode(appid: str, digest: str) -> Key:
    """One generated mini-program code (digest of its normalized parameters) and where its PNG is stored."""
    return {TABLE_PK: f"WXACODE#{appid}#{digest}", TABLE_SK: SINGLETON_SK}


def url_link(appid: str, digest: str) -> Key:
    """A generated URL Link, reused while enough of its validity is left."""
    return {TABLE_PK: f"URLLINK#{appid}#{digest}", TABLE_SK: SINGLETON_SK}


def media_check(appid: str, trace_id: str) -> Key:
    """Which record field and file an asynchronous image check (WeChat's trace_id) is about."""
    return {TABLE_PK: f"MEDIACHECK#{appid}#{trace_id}", TABLE_SK: SINGLETON_SK}


def rate_counter(scope: str, subject: str, window_start: int) -> Key:
    """Calls of one subject (a user) to one rate-limited action in one fixed window."""
    return {TABLE_PK: f"RATE#{scope}#{subject}", TABLE_SK: f"{window_start:012d}"}


# --- realtime: sockets, their subscriptions, the change feed ----------------------------------------------------------

SUBSCRIPTION_SK_PREFIX = "S#"


def connection_partition(connection_id: str) -> str:
    """The partition of one WebSocket connection: its item and its subscriptions (read and removed together)."""
    return f"WS#{connection_id}"


def connection(connection_id: str) -> Key:
    """One open WebSocket connection and who signed in on it."""
    return {TABLE_PK: connection_partition(connection_id), TABLE_SK: SINGLETON_SK}


def subscription(connection_id: str, subscription_id: str) -> Key:
    return {TABLE_PK: connection_partition(connection_id), TABLE_SK: SUBSCRIPTION_SK_PREFIX + subscription_id}


def topic_partition(collection: str, topic: str) -> str:
    """The gsi4 partition of the subscriptions to one topic: `*` (the collection) or a record id."""
    return f"RT#{collection}#{topic}"


def topic_index(collection: str, topic: str, connection_id: str, subscription_id: str) -> dict[str, str]:
    """gsi4 attributes filing a subscription under its topic: a change reads its topics' subscribers with one
    Query each, whatever else is connected."""
    return gsi_entry(REALTIME_TOPIC_SLOT, topic_partition(collection, topic), f"{connection_id}#{subscription_id}")


def change_feed_partition(collection: str, shard: int | None = None) -> str:
    """The change feed of a collection (of one write shard: a change goes to its record's)."""
    return _sharded(f"FEED#{collection}", shard)


def change_feed_entry(collection: str, cursor: str, shard: int | None = None) -> Key:
    """One record change of a collection in its change feed, sorted by its cursor (time first)."""
    return {TABLE_PK: change_feed_partition(collection, shard), TABLE_SK: cursor}
