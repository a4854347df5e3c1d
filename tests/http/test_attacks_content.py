"""Content security checks what readers see: an attacker can't slip refused words past WeChat's check with
character references, inline tags, comments or image descriptions in an editor field."""
import pytest

from tests.records_helpers import user

POSTS = "/api/collections/posts/records"


@pytest.mark.parametrize("content", [
    "sandbox-risky",
    "<p>sandbox-&#114;isky</p>",
    "sandbox-<b>ri</b>sky",
    "<p>sandbox-<span style='x'>r</span><i>i</i>sky</p>",
    "sandbox-&#x72;&#105;sky",
    "sandbox&#45;risky",
    "sandbox-ri<!-- hidden -->sky",
    '<p>a picture</p><img src="x.png" alt="sandbox-&#114;isky">',
    '<p><a href="#" title="sandbox-risky">a link</a></p>',
])
def test_disguised_risky_text_is_refused(api, sandbox, content):
    me = user(api, "disguise")
    reply = api.post(POSTS, {"title": "t", "status": "published", "content": content}, token=me["token"])
    assert reply.status == 400, (content, reply)
    assert reply.json["data"]["content"]["code"] == "validation_content_risky"
    sent = sandbox.requests("/wxa/msg_sec_check")[-1]["content"]
    assert "sandbox-risky" in sent and "<" not in sent and "&#" not in sent


def test_words_split_by_block_tags_stay_apart_and_pass(api, sandbox):
    me = user(api, "apart")
    reply = api.post(POSTS, {"title": "t", "status": "published", "content": "<p>sandbox</p><p>-risky things</p>"},
                     token=me["token"])
    assert reply.status == 200, reply
    assert sandbox.requests("/wxa/msg_sec_check")[-1]["content"] == "sandbox -risky things"


def test_a_disguised_review_word_is_flagged(api, sandbox):
    me = user(api, "flagged")
    reply = api.post(POSTS, {"title": "t", "status": "published", "content": "<p>sandbox-r<b>e</b>view</p>"},
                     token=me["token"])
    assert reply.status == 200, reply
    from chalicelib.records import store

    assert store.get("posts", reply.json["id"]).data["@review"]["content"]["label"] == 21000


def test_the_console_talks_and_loads_images_only_to_this_api_and_the_files_origin(api):
    """An injected URL on the console (a record field, a filter) can't carry the admin's data to another host."""
    from chalicelib.store import objects

    reply = api.get("/_")
    policy = dict(part.strip().split(" ", 1) for part in reply.headers["content-security-policy"].split(";"))
    files = objects.link_origins()
    assert files and all(o.startswith(("http://", "https://")) for o in files)
    assert policy["connect-src"].split() == ["'self'", *files]
    assert policy["img-src"].split() == ["'self'", "data:", *files]
    assert "http:" not in policy["connect-src"].split() and "https:" not in policy["img-src"].split()


def test_the_console_policy_names_the_files_domain_and_the_cdn(api, monkeypatch):
    monkeypatch.setenv("WXBASE_FILES_DOMAIN", "files.example.com")
    monkeypatch.setenv("WXBASE_FILES_CDN_URL", "https://cdn.example.com/base")
    policy = api.get("/_").headers["content-security-policy"]
    assert "connect-src 'self' https://cdn.example.com https://files.example.com;" in policy
