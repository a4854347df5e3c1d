"""Configuration against the local stack: SSM references resolved lazily, and config errors answered cleanly."""
import pytest

from chalicelib.core.secrets import Secret


def test_ssm_references_resolve_lazily_and_are_cached(stack):
    from chalicelib.core import aws, secrets as secrets_module

    ssm = aws.client("ssm")
    ssm.put_parameter(Name="/wxbase/test/jwt", Value="v1-" + "x" * 40, Type="SecureString", Overwrite=True)
    secret = Secret("ssm:/wxbase/test/jwt")
    assert secret.reveal() == "v1-" + "x" * 40
    ssm.put_parameter(Name="/wxbase/test/jwt", Value="v2-" + "x" * 40, Type="SecureString", Overwrite=True)
    assert secret.reveal().startswith("v1-")  # cached
    secrets_module.clear_cache()
    assert secret.reveal().startswith("v2-")


def test_missing_ssm_parameter_is_503_naming_the_path_only(stack):
    from chalicelib.core.errors import ServiceUnavailable

    with pytest.raises(ServiceUnavailable) as err:
        Secret("ssm:/wxbase/test/missing").reveal()
    assert "/wxbase/test/missing" in err.value.message


def test_jwt_secret_too_short_is_a_config_error(api, monkeypatch):
    monkeypatch.setenv("WXBASE_JWT_SECRET", "short")
    reply = api.post("/api/wechat/login", {"code": "sandbox-short", "appid": "wxtest00000000001"})
    assert reply.status == 500 and "WXBASE_JWT_SECRET" in reply.json["message"]
