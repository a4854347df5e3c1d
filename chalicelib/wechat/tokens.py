"""Access tokens per app. Interface: `get_access_token(app)` and `refresh_after_rejection(app, rejected)`.

This first version fetches from WeChat and caches in memory per process; the central store (a shared cache in
the table, one upstream fetch across Lambdas, the scheduled refresher) replaces its inside, not its interface.
"""
import threading
import time

from chalicelib.wechat import client

REFRESH_MARGIN_SECONDS = 300

_cache = {}
_lock = threading.Lock()


def _fetch(app):
    if app.token_mode == "classic":
        data = client.call("GET", "/cgi-bin/token", params={"grant_type": "client_credential", "appid": app.appid,
                                                             "secret": app.secret.reveal()})
    else:
        data = client.call("POST", "/cgi-bin/stable_token", json_body={
            "grant_type": "client_credential", "appid": app.appid, "secret": app.secret.reveal(),
            "force_refresh": False})
    return data["access_token"], time.time() + int(data.get("expires_in", 7200))


def get_access_token(app):
    with _lock:
        hit = _cache.get(app.appid)
        if hit and hit[1] - time.time() > REFRESH_MARGIN_SECONDS:
            return hit[0]
        token, expires_at = _fetch(app)
        _cache[app.appid] = (token, expires_at)
        return token


def refresh_after_rejection(app, rejected):
    with _lock:
        hit = _cache.get(app.appid)
        if hit and hit[0] != rejected:
            return hit[0]
        _cache.pop(app.appid, None)
    return get_access_token(app)
