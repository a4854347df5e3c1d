"""Request log entries: PocketBase's row shape, secret query values and configured secrets kept out."""
from chalicelib.core import ids
from chalicelib.logs import entries


def test_secret_query_values_are_masked_in_the_url_and_the_referer():
    url = entries.request_url("/api/files/posts/r1/a.jpg", {"token": ["eyJhbGci.x.y"], "thumb": ["100x100"],
                                                           "access_token": ["AT"], "key": ["k"], "code": ["c"]})
    assert url == "/api/files/posts/r1/a.jpg?token=%2A%2A%2A&thumb=100x100&access_token=%2A%2A%2A&key=%2A%2A%2A" \
                  "&code=%2A%2A%2A"
    assert entries.request_url("/api/health", None) == "/api/health"
    assert entries.clean_referer("https://servicewechat.com/wx1/3/page-frame.html?token=abc&a=1") == \
        "https://servicewechat.com/wx1/3/page-frame.html?token=%2A%2A%2A&a=1"
    assert entries.clean_referer("https://servicewechat.com/wx1/3/page-frame.html") == \
        "https://servicewechat.com/wx1/3/page-frame.html"


def test_an_entry_is_a_pocketbase_log_row_keyed_by_its_day_with_a_ttl():
    item = entries.request("POST", "/api/x", 403, 1.23456, "1.2.3.4", "", "UA", days=3, error="Forbidden.")
    assert {k: item[k] for k in ("level", "message")} == {"level": 8, "message": "POST /api/x"}
    assert item["data"]["error"] == "Forbidden." and item["data"]["execTime"] == 1.235
    assert item["pk"] == "LOG#" + item["created"][:10] and item["sk"] == item["id"]
    assert ids.is_valid_id(item["id"]) and abs(ids.id_millis(item["id"]) / 1000 + 3 * 86400 - item["exp"]) < 1
    assert entries.request("GET", "/", 200, 0, "", "", "", days=1)["level"] == 0
    assert "error" not in entries.request("GET", "/", 304, 0, "", "", "", days=1)["data"]


def test_a_wechat_call_entry_names_the_api_and_its_errcode():
    ok = entries.wechat_call("/cgi-bin/stable_token", 0, 10.0, days=1)
    failed = entries.wechat_call("/sns/jscode2session", 40029, 10.0, days=1)
    assert ok["level"] == 0 and failed["level"] == 4
    assert failed["data"]["errcode"] == 40029 and failed["message"] == "WeChat /sns/jscode2session"


def test_entries_made_in_one_millisecond_still_sort_in_the_order_they_were_made():
    burst = [entries.request("GET", f"/{i}", 200, 0, "", "", "", days=1) for i in range(50)]
    assert [e["id"] for e in burst] == sorted(e["id"] for e in burst)
    assert [e["created"] for e in burst] == sorted(e["created"] for e in burst)
    assert len({e["created"] for e in burst}) == 50
