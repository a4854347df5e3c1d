"""The links POST /api/wechat/wxacode returns name the API's own domain: deployed, the one API Gateway received the
request on, whatever Host and X-Forwarded-Proto a caller sends (an attacker's host in a link a victim is given)."""
from types import SimpleNamespace

from chalicelib.routes.wechat_extras import api_base


def _request(headers, context):
    return SimpleNamespace(headers=headers, context=context)


def test_deployed_links_ignore_a_forged_host_and_scheme():
    forged = {"Host": "evil.example", "X-Forwarded-Proto": "http"}
    context = {"domainName": "api.example.com", "path": "/api/wechat/wxacode", "resourcePath": "/api/wechat/wxacode"}
    assert api_base(_request(forged, context)) == "https://api.example.com"
    staged = {"domainName": "abc.execute-api.ap-east-1.amazonaws.com", "path": "/prod/api/wechat/wxacode",
              "resourcePath": "/api/wechat/wxacode"}
    assert api_base(_request(forged, staged)) == "https://abc.execute-api.ap-east-1.amazonaws.com/prod"


def test_make_dev_links_follow_the_host_a_phone_used():
    context = {"path": "/api/wechat/wxacode", "resourcePath": "/api/wechat/wxacode"}
    assert api_base(_request({"Host": "192.168.1.5:8000"}, context)) == "http://192.168.1.5:8000"
