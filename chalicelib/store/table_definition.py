"""The single table's definition, shared by `make dev`, the tests and (checked by a test) infra/template.yaml."""
from __future__ import annotations

from typing import Any

from chalicelib.store import keys
from chalicelib.store.keys import TABLE_PK, TABLE_SK, TTL_ATTRIBUTE

# Overloaded global secondary indexes: the meaning of gNpk/gNsk depends on the item type (see keys.py).
# gsi1/gsi2: records by created/updated and the other items' due times and user links; gsi3..gsi6: record indexes
# (PocketBase `indexes` and owner relations), one slot per index of a collection (store/keys.py).
GSI_NAMES = tuple(keys.gsi(slot) for slot in keys.GSI_SLOTS)


def table_definition(table_name: str) -> dict[str, Any]:
    attributes = [TABLE_PK, TABLE_SK] + [f"g{i}{part}" for i in range(1, len(GSI_NAMES) + 1) for part in ("pk", "sk")]
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        "KeySchema": [
            {"AttributeName": TABLE_PK, "KeyType": "HASH"},
            {"AttributeName": TABLE_SK, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": f"g{i}pk", "KeyType": "HASH"},
                    {"AttributeName": f"g{i}sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for i, name in enumerate(GSI_NAMES, start=1)
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


def ensure_table(dynamodb: Any, table_name: str) -> bool:
    """Create the table (and its TTL setting) if it does not exist yet. For local stacks, not for AWS."""
    try:
        dynamodb.describe_table(TableName=table_name)
        return False
    except dynamodb.exceptions.ResourceNotFoundException:
        pass
    dynamodb.create_table(**table_definition(table_name))
    dynamodb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    dynamodb.update_time_to_live(
        TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )
    return True
