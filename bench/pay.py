"""Rows for WeChat Pay's notifications: POST /api/pay/notify/{mchid} latency and its DynamoDB requests."""
import json
import statistics
import time
from collections import Counter

NOTIFICATIONS = 200
BUDGET_MS = 5000  # WeChat Pay waits 5 s for an answer


def _orders(stack, count):
    from chalicelib.core import ids
    from chalicelib.payments import orders
    from devserver.sandbox_pay import china_now

    merchant = json.loads(stack.env["WXBASE_MERCHANTS"])[0]
    made = []
    for n in range(count):
        no = f"bench{n:06d}{int(time.time())}"
        orders.create({"outTradeNo": no, "mchid": merchant["mchid"], "appid": merchant["appids"][0],
                       "payer": ids.new_id(), "amount": 100 + n, "description": "bench"})
        made.append({"appid": merchant["appids"][0], "mchid": merchant["mchid"], "out_trade_no": no,
                     "transaction_id": f"42{n:026d}", "trade_state": "SUCCESS", "success_time": china_now(),
                     "payer": {"openid": "obench"}, "amount": {"total": 100 + n, "currency": "CNY"}})
    return merchant, made


def rows(stack):
    from chalice.test import Client

    import app as wxbase_app
    from bench.harness import RequestCounter

    pay = stack.sandbox.state.pay
    merchant, transactions = _orders(stack, NOTIFICATIONS)
    sandbox_merchant = pay.merchants[merchant["mchid"]]
    bodies = [pay.notification(sandbox_merchant, "TRANSACTION.SUCCESS", "transaction", t) for t in transactions]
    counter = RequestCounter("dynamodb")
    first, again, per_first, per_again = [], [], Counter(), Counter()
    with Client(wxbase_app.app, stage_name="local") as client:
        for samples, calls in ((first, per_first), (again, per_again)):  # then every one redelivered
            for body in bodies:
                headers = {**pay.signed_headers(body), "Content-Type": "application/json"}
                with counter.measure() as made:
                    started = time.perf_counter()
                    reply = client.http.post(f"/api/pay/notify/{merchant['mchid']}", body=body, headers=headers)
                    samples.append((time.perf_counter() - started) * 1000)
                assert reply.status_code == 204, reply.body
                calls.update(made)
    for samples in (first, again):
        samples.sort()
    p50, p99 = statistics.median(first), first[int(len(first) * 0.99) - 1]
    yield ("payments", "notify: verify+decrypt+apply p50 / p99", f"{p50:.1f} ms / {p99:.1f} ms",
           f"{p99 / BUDGET_MS:.3f}x", f"of WeChat Pay's 5 s budget; {NOTIFICATIONS} notifications (local emulator)")
    yield ("payments", "notify: a redelivery p50 / p99", f"{statistics.median(again):.1f} ms / "
           f"{again[int(len(again) * 0.99) - 1]:.1f} ms", f"{statistics.median(again) / p50:.2f}x",
           "of the first delivery's p50; nothing is written")
    described = ", ".join(f"{n} {op}" for op, n in sorted(per_first.items()))
    yield ("payments", "DynamoDB requests per notification", f"{sum(per_first.values()) / NOTIFICATIONS:.2f}",
           f"{sum(per_again.values()) / max(1, sum(per_first.values())):.2f}x",
           f"{described} for {NOTIFICATIONS}; a redelivery costs that ratio of it (one read)")
