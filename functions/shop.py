"""A small shop (docs/payments.md): the price is decided here, never by the client; the payer is the caller.

`checkout` answers what `wx.requestPayment` takes (the client's `pb.wx.pay("checkout", {item, qty})` opens it and
waits for the payment record to be SUCCESS). Once WeChat Pay's verified notification marks the payment paid, the
`paid` hook uploads the order's shipping information (virtual goods, delivered at once), which WeChat requires
before it settles the funds of many categories.
"""
from chalicelib.functions import BadRequest, after, function

PRICES = {"coffee": (1800, "Coffee"), "cake": (2500, "Cheesecake")}  # fen (1/100 yuan) and description
MAX_QTY = 10


@function("checkout", auth="user")
def checkout(ctx, body):
    """Buy `qty` (1-10) of `item` (coffee, cake): the object `wx.requestPayment` takes, plus `outTradeNo`."""
    item, qty = body.get("item"), body.get("qty", 1)
    if item not in PRICES:
        raise BadRequest("Unknown item.", {"item": {"code": "validation_invalid_value",
                                                    "message": f"One of {', '.join(sorted(PRICES))}."}})
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise BadRequest("Bad quantity.", {"qty": {"code": "validation_invalid_value",
                                                   "message": f"A whole number from 1 to {MAX_QTY}."}})
    price, name = PRICES[item]
    return ctx.pay.jsapi(description=f"{name} x{qty}", amount=price * qty, attach=f"{item}:{qty}")


@after("update", "payments")
def paid(ctx, change):
    """A payment that just became SUCCESS: its goods are delivered, so its shipping information goes to WeChat."""
    was = (change.old or {}).get("status")
    item = str(change.record.get("attach") or "").partition(":")[0]
    if change.record.get("status") != "SUCCESS" or was == "SUCCESS" or item not in PRICES:
        return  # not a checkout of this shop, or not newly paid
    ctx.pay.ship(change.record["outTradeNo"], [{"item_desc": change.record["description"]}], logistics_type=3)
    ctx.log.info("shop_paid", outTradeNo=change.record["outTradeNo"], amount=change.record["amount"])
