"""The DynamoDB access layer: plain Python values in and out, typed errors, no scans.

Values are converted with boto3's (de)serializer; numbers come back as int when whole, float otherwise.
A failed condition raises `ConditionFailed`, a cancelled transaction `TransactionFailed` with per-action reasons,
so services can tell "someone else got there first" from a real fault.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

from chalicelib.core import aws, json_input, logs
from chalicelib.core.errors import BadRequest, ServiceUnavailable
from chalicelib.core.settings import get_settings

_serializer = None
_deserializer = None


Item = dict[str, Any]


class ConditionFailed(Exception):
    def __init__(self, item: Item | None = None) -> None:
        super().__init__("conditional check failed")
        self.item = item


class TransactionFailed(Exception):
    def __init__(self, reasons: list[str | None]) -> None:
        super().__init__("transaction cancelled: " + ",".join(r or "None" for r in reasons))
        self.reasons = reasons

    @property
    def condition_failed(self) -> bool:
        return any(r == "ConditionalCheckFailed" for r in self.reasons)


def _codecs():
    global _serializer, _deserializer
    if _serializer is None:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        _serializer, _deserializer = TypeSerializer(), TypeDeserializer()
    return _serializer, _deserializer


def _to_ddb_value(value):
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 38:
        digits = str(abs(value))  # 10**40 is one significant digit: say so, or boto3 counts 41 and refuses it
        significant = digits.rstrip("0")
        return Decimal(f"{'-' if value < 0 else ''}{significant}E{len(digits) - len(significant)}")
    if isinstance(value, dict):
        return {k: _to_ddb_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_ddb_value(v) for v in value]
    return value


def _from_ddb_value(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_ddb_value(v) for k, v in value.items()}
    if isinstance(value, (list, set)):
        return [_from_ddb_value(v) for v in value]
    return value


def serialize(item: Item) -> dict[str, Any]:
    """DynamoDB's typed form. A value DynamoDB can't hold (a number beyond its 38 digits or range, text with a lone
    surrogate) is a 400: input validation refuses these first (core/json_input.py), this is the backstop."""
    import decimal

    serializer, _ = _codecs()
    try:
        return {k: serializer.serialize(_to_ddb_value(v)) for k, v in item.items()}
    except (decimal.DecimalException, UnicodeEncodeError) as exc:
        logs.event("store.unstorable_value", reason=exc.__class__.__name__)
        raise BadRequest("A value can't be stored: text must be valid Unicode and "
                         + json_input.NUMBER_RULE + ".") from None


def deserialize(item: dict[str, Any]) -> Item:
    _, deserializer = _codecs()
    return {k: _from_ddb_value(deserializer.deserialize(v)) for k, v in item.items()}


def _client():
    return aws.client("dynamodb")


def _table():
    return get_settings().table_name


def _error_code(exc):
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def _call(operation, **kwargs):
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(_client(), operation)(**kwargs)
    except ClientError as exc:
        code = _error_code(exc)
        if code == "ConditionalCheckFailedException":
            old = exc.response.get("Item")
            raise ConditionFailed(deserialize(old) if old else None) from None
        if code == "TransactionCanceledException":
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            raise TransactionFailed(reasons) from None
        if code in ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
                    "TransactionConflictException", "InternalServerError"):
            raise ServiceUnavailable("The database is busy; try again shortly.") from exc
        raise
    except BotoCoreError as exc:
        raise ServiceUnavailable("The database could not be reached; try again shortly.") from exc


def _expression_values(values):
    return serialize(values) if values else None


def _drop_none(**kwargs):
    return {k: v for k, v in kwargs.items() if v is not None}


def get(key: dict[str, str], consistent: bool = True) -> Item | None:
    response = _call("get_item", TableName=_table(), Key=serialize(key), ConsistentRead=consistent)
    item = response.get("Item")
    return deserialize(item) if item else None


def put(item: Item, condition: str | None = None, names: dict | None = None, values: dict | None = None,
        return_old_on_failure: bool = False) -> None:
    kwargs = _drop_none(
        TableName=_table(),
        Item=serialize(item),
        ConditionExpression=condition,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=_expression_values(values),
    )
    if return_old_on_failure:
        kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    _call("put_item", **kwargs)


def update(key: dict[str, str], expression: str, condition: str | None = None, names: dict | None = None,
           values: dict | None = None, return_values: str = "ALL_NEW") -> Item | None:
    response = _call(
        "update_item",
        **_drop_none(
            TableName=_table(),
            Key=serialize(key),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=_expression_values(values),
            ReturnValues=return_values,
        ),
    )
    attributes = response.get("Attributes")
    return deserialize(attributes) if attributes else None


def delete(key: dict[str, str], condition: str | None = None, names: dict | None = None,
           values: dict | None = None) -> None:
    _call(
        "delete_item",
        **_drop_none(
            TableName=_table(),
            Key=serialize(key),
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=_expression_values(values),
        ),
    )


def query(key_condition: str, names: dict | None = None, values: dict | None = None, index: str | None = None,
          limit: int | None = None, forward: bool = True, start_key: Item | None = None,
          filter_expression: str | None = None, consistent: bool = False) -> tuple[list[Item], Item | None]:
    """One Query page: (items, last_evaluated_key)."""
    response = _call(
        "query",
        **_drop_none(
            TableName=_table(),
            IndexName=index,
            KeyConditionExpression=key_condition,
            FilterExpression=filter_expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=_expression_values(values),
            Limit=limit,
            ScanIndexForward=forward,
            ExclusiveStartKey=serialize(start_key) if start_key else None,
            ConsistentRead=consistent if index is None else None,
        ),
    )
    last = response.get("LastEvaluatedKey")
    return [deserialize(i) for i in response.get("Items", [])], (deserialize(last) if last else None)


def put_op(item: Item, condition: str | None = None, names: dict | None = None,
           values: dict | None = None) -> dict:
    """A Put action for `transact`."""
    return {"Put": _drop_none(TableName=_table(), Item=serialize(item), ConditionExpression=condition,
                              ExpressionAttributeNames=names, ExpressionAttributeValues=_expression_values(values))}


def check_op(key: dict[str, str], condition: str, names: dict | None = None, values: dict | None = None) -> dict:
    """A ConditionCheck action for `transact`."""
    return {"ConditionCheck": _drop_none(TableName=_table(), Key=serialize(key), ConditionExpression=condition,
                                         ExpressionAttributeNames=names,
                                         ExpressionAttributeValues=_expression_values(values))}


def transact(operations: Iterable[dict]) -> None:
    """All or nothing. The token makes the call idempotent: botocore resends the same request (token included)
    when an attempt times out, and DynamoDB answers a resend of a committed transaction with success instead of
    failing its conditions against the transaction's own writes."""
    import uuid

    _call("transact_write_items", TransactItems=list(operations), ClientRequestToken=uuid.uuid4().hex)


def count(key_condition: str, names: dict | None = None, values: dict | None = None, index: str | None = None,
          filter_expression: str | None = None, start_key: Item | None = None,
          limit: int | None = None) -> tuple[int, int, Item | None]:
    """One Select=COUNT page: (count, scanned, last_evaluated_key). Billed like reading the items it scans."""
    response = _call(
        "query",
        **_drop_none(
            TableName=_table(),
            IndexName=index,
            Select="COUNT",
            KeyConditionExpression=key_condition,
            FilterExpression=filter_expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=_expression_values(values),
            ExclusiveStartKey=serialize(start_key) if start_key else None,
            Limit=limit,
        ),
    )
    last = response.get("LastEvaluatedKey")
    return response.get("Count", 0), response.get("ScannedCount", 0), (deserialize(last) if last else None)


def batch_get(keys_list: list[dict[str, str]], consistent: bool = False) -> list[Item]:
    """Items for up to 100 keys (missing ones are absent), retrying unprocessed keys a few times."""
    if not keys_list:
        return []
    pending = [serialize(k) for k in keys_list]
    found: list[Item] = []
    for _ in range(5):
        response = _call("batch_get_item", RequestItems={_table(): {"Keys": pending, "ConsistentRead": consistent}})
        found.extend(deserialize(i) for i in response.get("Responses", {}).get(_table(), []))
        pending = response.get("UnprocessedKeys", {}).get(_table(), {}).get("Keys", [])
        if not pending:
            return found
    raise ServiceUnavailable("The database is busy; try again shortly.")


def update_op(key: dict[str, str], expression: str, condition: str | None = None, names: dict | None = None,
              values: dict | None = None) -> dict:
    """An Update action for `transact`."""
    return {"Update": _drop_none(TableName=_table(), Key=serialize(key), UpdateExpression=expression,
                                 ConditionExpression=condition, ExpressionAttributeNames=names,
                                 ExpressionAttributeValues=_expression_values(values))}


def delete_op(key: dict[str, str], condition: str | None = None, names: dict | None = None,
              values: dict | None = None) -> dict:
    """A Delete action for `transact`."""
    return {"Delete": _drop_none(TableName=_table(), Key=serialize(key), ConditionExpression=condition,
                                 ExpressionAttributeNames=names, ExpressionAttributeValues=_expression_values(values))}


def apply(action: dict) -> None:
    """Run one Update action (as `update_op` builds it) on its own: one UpdateItem instead of a transaction."""
    update = dict(action["Update"])
    update.pop("TableName")
    _call("update_item", TableName=_table(), ReturnValues="NONE", **update)


def batch_put(items: list[Item], table_name: str | None = None) -> None:
    """Unconditional puts, 25 to a BatchWriteItem, retrying unprocessed items a few times; `table_name` for a
    writer that outlives the request whose settings named the table."""
    import time

    name = table_name or _table()
    for start in range(0, len(items), 25):
        pending = [{"PutRequest": {"Item": serialize(i)}} for i in items[start:start + 25]]
        for attempt in range(5):
            response = _call("batch_write_item", RequestItems={name: pending})
            pending = response.get("UnprocessedItems", {}).get(name, [])
            if not pending:
                break
            time.sleep(0.05 * 2 ** attempt)
        else:
            raise ServiceUnavailable("The database is busy; try again shortly.")
