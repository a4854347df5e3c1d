"""`make secrets` (infra/secrets.py) against the emulator's SSM: the names the stage references, SecureStrings,
generated where it may generate, checked before anything is written, kept unless --overwrite, never printed."""
import json
import secrets as random

import pytest

from infra import secrets
from infra.stage import StageError, load

APPID = "wx00112233445566aa"


@pytest.fixture
def stage(stack, tmp_path):
    name = f"s{random.token_hex(4)}"  # a fresh SSM path per test
    (tmp_path / f"{name}.json").write_text(json.dumps({"region": "us-east-1", "apps": [{"appid": APPID}]}))
    return load(name, str(tmp_path), environ={})


@pytest.fixture
def ssm(stack):
    from chalicelib.core import aws

    return aws.client("ssm")


def _values(ssm, stage):
    names = [name for name, _, _ in stage.secret_parameters()]
    found = ssm.get_parameters(Names=names, WithDecryption=True)["Parameters"]
    return {p["Name"]: (p["Type"], p["Value"]) for p in found}


def _no_prompt(text):
    raise AssertionError(f"asked {text!r} although the environment had it")


def test_secrets_from_the_environment_and_generated_ones_land_where_the_functions_read(stage, ssm):
    app_secret = random.token_hex(16)
    environ = {f"{APPID.upper()}_SECRET": app_secret, f"{APPID.upper()}_TOKEN": "pushToken123",
               f"{APPID.upper()}_AES_KEY": "a" * 43}
    printed = []
    written = secrets.run(stage, ssm, environ, _no_prompt, log=printed.append)
    values = _values(ssm, stage)
    assert sorted(written) == sorted(values) == sorted(name for name, _, _ in stage.secret_parameters())
    assert all(kind == "SecureString" for kind, _ in values.values())
    assert values[stage.ssm_path(APPID, "secret")][1] == app_secret
    assert values[stage.ssm_path(APPID, "token")][1] == "pushToken123"
    assert len(values[stage.ssm_path("jwt-secret")][1]) >= 32 and len(values[stage.ssm_path("admin-keys")][1]) >= 24
    assert not any(value in line for _, value in values.values() for line in printed)


def test_prompts_and_generation_when_the_environment_has_nothing(stage, ssm):
    app_secret = random.token_hex(16)
    asked = []

    def answer(text):
        asked.append(text)
        return app_secret if "AppSecret" in text else ""  # empty: generate the Token and EncodingAESKey

    secrets.run(stage, ssm, {}, answer, log=lambda line: None)
    values = _values(ssm, stage)
    assert len(asked) == 3 and values[stage.ssm_path(APPID, "secret")][1] == app_secret
    assert len(values[stage.ssm_path(APPID, "aes-key")][1]) == 43
    assert values[stage.ssm_path(APPID, "token")][1].isalnum()


def test_a_bad_value_writes_nothing_and_existing_ones_are_kept(stage, ssm):
    bad = {f"{APPID.upper()}_SECRET": "not-an-appsecret"}
    with pytest.raises(StageError, match="32 hex digits"):
        secrets.run(stage, ssm, bad, lambda text: "", log=lambda line: None)
    assert _values(ssm, stage) == {}

    first = {f"{APPID.upper()}_SECRET": random.token_hex(16)}
    secrets.run(stage, ssm, first, lambda text: "", log=lambda line: None)
    before = _values(ssm, stage)
    again = {f"{APPID.upper()}_SECRET": random.token_hex(16)}
    assert secrets.run(stage, ssm, again, _no_prompt, log=lambda line: None) == []
    assert _values(ssm, stage) == before
    secrets.run(stage, ssm, again, lambda text: "", overwrite=True, log=lambda line: None)
    assert _values(ssm, stage)[stage.ssm_path(APPID, "secret")][1] == again[f"{APPID.upper()}_SECRET"]
    assert _values(ssm, stage)[stage.ssm_path("jwt-secret")] != before[stage.ssm_path("jwt-secret")]
