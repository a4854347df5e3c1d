"""Text content security (msg_sec_check v2) against the sandbox: pass, review, risky, long text, errors."""
import pytest

from tests.stackenv import APP1


@pytest.fixture
def app1(stack):
    from chalicelib.core.settings import get_settings

    return get_settings().app(APP1)


def test_verdicts(app1, sandbox):
    from chalicelib.wechat import security

    security.check_text(app1, "o-user", "warm the token")  # the sandbox was reset: tokens are fetched again
    before = sandbox.calls("/wxa/msg_sec_check")
    assert security.check_text(app1, "o-user", "hello there").suggest == "pass"
    review = security.check_text(app1, "o-user", "maybe sandbox-review this", scene="forum")
    assert review.needs_review and not review.risky and review.trace_id
    risky = security.check_text(app1, "o-user", "sandbox-risky words", scene=1, nickname="n")
    assert risky.risky and risky.label == 20001
    assert sandbox.calls("/wxa/msg_sec_check") - before == 3


def test_long_text_is_checked_in_pieces_and_worst_wins(app1, sandbox):
    from chalicelib.wechat import security

    security.check_text(app1, "o-user", "warm the token")
    before = sandbox.calls("/wxa/msg_sec_check")
    text = "a" * 2600 + "sandbox-review" + "b" * 2600 + "sandbox-risky"
    assert security.check_text(app1, "o-user", text).suggest == "risky"
    assert sandbox.calls("/wxa/msg_sec_check") - before == 3  # 2500-character pieces
    with pytest.raises(ValueError):
        security.check_text(app1, "o-user", "x" * 30000)


def test_bad_scene_and_wechat_errors(app1, sandbox):
    from chalicelib.wechat import security
    from chalicelib.wechat.errcodes import WeChatError

    with pytest.raises(ValueError):
        security.check_text(app1, "o-user", "hi", scene="chat")
    sandbox.fail("/wxa/msg_sec_check", 43104)
    with pytest.raises(WeChatError) as caught:
        security.check_text(app1, "o-user", "hi")
    assert caught.value.errcode == 43104
    sandbox.expire_tokens(APP1)  # a rejected token is refreshed once and the check still answers
    assert security.check_text(app1, "o-user", "hi").suggest == "pass"
