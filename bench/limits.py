"""Rows for request rate limits: DynamoDB requests per request with the default limits on against off, side by
side, and what a refused request costs (chalicelib/limits/)."""
import json
import os

from bench.harness import RequestCounter, sign_in

BURST = 20  # requests of one user, as a mini-program screen or two makes them


def rows(stack):
    from chalice.test import Client

    import app

    counter = RequestCounter("dynamodb")
    saved = os.environ.get("WXBASE_RATE_LIMITS")
    with Client(app.app, stage_name="local") as client:
        token, user_id = sign_in(client, "bench-limits")
        paths = [f"/api/collections/posts/records?filter=owner%3D%22{user_id}%22&perPage=10",
                 f"/api/collections/users/records/{user_id}", "/api/health"]

        def burst(expected):
            with counter.measure() as calls:
                for i in range(BURST):
                    reply = client.http.get(paths[i % len(paths)], headers={"Authorization": token})
                    assert reply.status_code == expected, reply.body
            return len(calls) / BURST, calls.count("UpdateItem") / BURST

        try:
            os.environ["WXBASE_RATE_LIMITS"] = "[]"
            off, _ = burst(200)
            os.environ.pop("WXBASE_RATE_LIMITS")
            on, updates = burst(200)
            os.environ["WXBASE_RATE_LIMITS"] = json.dumps([{"label": label, "maxRequests": 1, "duration": 3600}
                                                           for label in ("/api/", "*:list", "*:view")])
            for path in paths:  # spends each window
                client.http.get(path, headers={"Authorization": token})
            refused, _ = burst(429)
        finally:
            if saved is None:
                os.environ.pop("WXBASE_RATE_LIMITS", None)
            else:
                os.environ["WXBASE_RATE_LIMITS"] = saved
    yield ("limits", "DynamoDB requests per signed-in request, rate limits off", f"{off:.2f}", "1.00",
           f"{BURST} requests of one user: list own posts, view own record, health")
    yield ("limits", "… default rate limits on", f"{on:.2f}", f"{on / off:.2f}",
           f"{updates:.2f} conditional UpdateItem per request: the window's counter")
    yield ("limits", "… refused (429) once the window is spent", f"{refused:.2f}", f"{refused / off:.2f}",
           "the failed conditional update only: nothing of the route runs")
