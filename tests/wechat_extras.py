"""Shared pieces of the WeChat-extras tests: the sandbox's follower, identity and image-check controls, and pushes
run through the real callback, queue and worker."""
import pytest
import requests

from tests.helpers import SandboxControl
from tests.pushing import Pusher, event_message
from tests.stackenv import OA, TEST_APPS

OA_CONF = next(a for a in TEST_APPS if a["appid"] == OA)


class Extras(SandboxControl):
    """The sandbox controls these features add (devserver/sandbox.py lists them)."""

    def identity(self, appid, name):
        reply = requests.get(self.url + "/sandbox/identity", params={"appid": appid, "name": name}, timeout=5)
        reply.raise_for_status()
        return reply.json()

    def follow(self, appid, names, following=True, since=None):
        body = {"appid": appid, "names": list(names), "following": following}
        if since:
            body["since"] = since
        return self._post("/sandbox/followers", body)["openids"]

    def visit(self, appid, openid, at):
        self._post("/sandbox/visit", {"appid": appid, "openid": openid, "at": at})

    def config(self, **values):
        self._post("/sandbox/config", values)

    def media_checks(self, appid=None):
        return requests.get(self.url + "/sandbox/media-checks", params={"appid": appid} if appid else {},
                            timeout=5).json()


@pytest.fixture
def extras(sandbox, stack):
    """The sandbox (reset by the `sandbox` fixture) with the extras' controls; page size back to WeChat's."""
    control = Extras(stack.sandbox.url)
    control.config(user_get_page_size=10000)
    return control


def push(api, app_conf, message, mode="safe", fmt="xml"):
    """WeChat's delivery of one message to the callback (encrypted by wechatpy in safe mode)."""
    path, body, headers = Pusher(app_conf).push(message, mode=mode, fmt=fmt)
    reply = api.post(path, body, headers=headers)
    assert reply.status == 200 and reply.text == "success", reply
    return reply


def oa_event(event, openid, at):
    return event_message(event, sender=openid, CreateTime=at, ToUserName="gh_sandboxoa01")
