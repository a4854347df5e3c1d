"""The daily reconciliation: WeChat Pay's trade bill of yesterday (China time) against the payments records, for
every merchant (docs/payments.md)."""
from typing import Any

from chalicelib.payments import bills


def handle(event: dict[str, Any]) -> dict[str, Any]:
    return {"reports": [{k: r[k] for k in ("mchid", "day", "billed", "differenceCount")} for r in bills.run()]}
