"""Rows for sessions that can be ended: DynamoDB requests per authenticated request with the token-key check
(records/sessions.py) against none, side by side: uncached (every request reads the user) and with the per-process
cache (CACHE_SECONDS)."""

from bench.harness import RequestCounter, sign_in

BURST = 20  # requests of one user, as a mini-program screen or two makes them


def rows(stack):
    from chalice.test import Client

    import app
    from chalicelib.records import sessions

    counter = RequestCounter("dynamodb")
    with Client(app.app, stage_name="local") as client:
        token, user_id = sign_in(client, "bench-sessions")
        paths = [f"/api/collections/posts/records?filter=owner%3D%22{user_id}%22&perPage=10",
                 f"/api/collections/users/records/{user_id}", "/api/wechat/links"]

        def burst():
            sessions.forget(user_id)
            with counter.measure() as calls:
                for i in range(BURST):
                    reply = client.http.get(paths[i % len(paths)], headers={"Authorization": token})
                    assert reply.status_code == 200, reply.body
            return len(calls) / BURST

        real_check, real_seconds = sessions.check, sessions.CACHE_SECONDS
        try:
            sessions.check = lambda claims: None  # signature and expiry only, as before revocation
            unchecked = burst()
            sessions.check, sessions.CACHE_SECONDS = real_check, 0.0
            uncached = burst()
            sessions.CACHE_SECONDS = real_seconds
            cached = burst()
        finally:
            sessions.check, sessions.CACHE_SECONDS = real_check, real_seconds
    yield ("sessions", "DynamoDB requests per authenticated request, no token-key check", f"{unchecked:.2f}", "1.00",
           f"{BURST} requests of one user: list own posts, view own record, list links")
    yield ("sessions", "… checked, every request reads the user", f"{uncached:.2f}", f"{uncached / unchecked:.2f}",
           "one eventually consistent GetItem per request")
    yield ("sessions", f"… checked, fingerprint cached {real_seconds:g} s per process", f"{cached:.2f}",
           f"{cached / unchecked:.2f}", f"a revocation elsewhere bites within {real_seconds:g} s")
