"""Admin actions that spend WeChat quota or hand out credentials leave an audit entry naming the admin key: sending a
subscribe message, reading or reporting an access token, the follower backfill, making codes and URL links. A user
doing the same (where allowed) leaves none."""
import time

import pytest

from tests.stackenv import ADMIN_KEY, APP1, OA


def _latest(api, count):
    reply = api.get(f"/api/admin/audit?perPage={count}", token=ADMIN_KEY)
    assert reply.status == 200, reply
    return reply.json["items"]


@pytest.mark.returns_access_token
def test_each_admin_action_is_audited(api, sandbox):
    me = api.login("audited-target", APP1)
    actions = [
        (lambda: api.post("/api/wechat/subscribe-messages", {"appid": APP1, "user": me["record"]["id"],
                                                             "template_id": "tpl-audit",
                                                             "data": {"thing1": {"value": "x"}}}, token=ADMIN_KEY),
         "send-subscribe-message", {"appid": APP1, "template": "tpl-audit", "status": "sent"}),
        (lambda: api.get(f"/api/wechat/access-token/{APP1}", token=ADMIN_KEY), "read-access-token", {"appid": APP1}),
        (lambda: api.post(f"/api/wechat/access-token/{APP1}", {"rejected": "not-the-token"}, token=ADMIN_KEY),
         "report-rejected-access-token", {"appid": APP1}),
        (lambda: api.post(f"/api/wechat/follows/backfill/{OA}", {"limit": 10, "restart": True}, token=ADMIN_KEY),
         "follower-backfill", {"appid": OA, "restart": True}),
        (lambda: api.post("/api/wechat/wxacode", {"appid": APP1, "scene": "audit=1"}, token=ADMIN_KEY), "make-code",
         {"appid": APP1}),
        (lambda: api.post("/api/wechat/url-link", {"appid": APP1, "path": "pages/audit/audit",
                                                  "query": f"t={time.time_ns()}"}, token=ADMIN_KEY),
         "make-url-link", {"appid": APP1}),
    ]
    for act, action, detail in actions:
        reply = act()
        assert reply.status == 200, (action, reply)
        (entry,) = _latest(api, 1)
        assert entry["action"] == action and entry["admin"]
        assert {k: v for k, v in entry.get("detail", {}).items() if k in detail} == detail, entry
        assert ADMIN_KEY not in str(entry)


def test_a_users_own_code_is_not_an_admin_action(api, sandbox):
    before = _latest(api, 1)
    user = api.login("audited-user", APP1)["token"]
    assert api.post("/api/wechat/wxacode", {"scene": "mine=1"}, token=user).status == 200
    assert _latest(api, 1) == before
