"""Core pieces without HTTP: ids, settings, secrets and SSM references, log redaction."""
import json
import logging
import time

import pytest

from chalicelib.core import ids
from chalicelib.core.secrets import Secret
from chalicelib.core.settings import ConfigError, get_settings, parse_apps


def test_ids_are_15_chars_of_pocketbase_alphabet_and_time_ordered():
    made = [ids.new_id(now_ms=1_700_000_000_000 + i) for i in range(200)]
    assert all(ids.is_valid_id(i) for i in made)
    assert made == sorted(made)
    assert len(set(ids.new_id() for _ in range(5000))) == 5000
    assert not ids.is_valid_id("ABCDEFGHIJKLMNO") and not ids.is_valid_id("short")


def test_settings_are_read_at_call_time(monkeypatch):
    monkeypatch.setenv("WXBASE_TABLE", "first")
    assert get_settings().table_name == "first"
    monkeypatch.setenv("WXBASE_TABLE", "second")
    assert get_settings().table_name == "second"


def test_several_apps_parse_with_defaults():
    apps = parse_apps(json.dumps([
        {"appid": "wxa", "secret": "s", "token": "t", "encodingAESKey": "k"},
        {"appid": "wxb", "secret": "ssm:/x/secret", "type": "officialaccount", "callbackMaxAgeSeconds": 0,
         "tokenMode": "classic"},
    ]))
    assert [a.appid for a in apps] == ["wxa", "wxb"]
    assert apps[0].type == "miniprogram" and apps[0].callback_max_age_seconds == 300
    assert apps[0].token_mode == "stable" and apps[1].token_mode == "classic"
    assert apps[1].callback_max_age_seconds == 0 and apps[1].secret.is_reference


@pytest.mark.parametrize("raw,message", [
    ("not json", "not valid JSON"),
    ('{"appid": "x"}', "JSON list"),
    ('[{"secret": "s"}]', "needs an appid"),
    ('[{"appid": "a"}, {"appid": "a"}]', "twice"),
    ('[{"appid": "a", "type": "game"}]', "type"),
    ('[{"appid": "a", "callbackMaxAgeSeconds": -1}]', "callbackMaxAgeSeconds"),
    ('[{"appid": "a", "autoReplies": [{"keyword": 1}]}]', "autoReplies"),
])
def test_bad_app_config_is_reported_clearly(raw, message):
    with pytest.raises(ConfigError) as err:
        parse_apps(raw)
    assert message in err.value.message


def test_secret_repr_never_shows_the_value():
    secret = Secret("super-secret-value", "x")
    assert "super-secret-value" not in repr(secret) and "super-secret-value" not in str(secret)
    assert "super-secret-value" not in repr(parse_apps('[{"appid":"a","secret":"super-secret-value"}]'))


def test_log_lines_mask_secret_fields_and_values(caplog):
    from chalicelib.core import logs

    Secret("value-known-to-be-secret").reveal()
    caplog.set_level(logging.INFO, logger="wxbase")
    logs.event("demo", session_key="abc", app_secret="def", note="has value-known-to-be-secret inside")
    line = logs.JsonFormatter().format(caplog.records[-1])
    data = json.loads(line)
    assert data["session_key"] == "***" and data["app_secret"] == "***"
    assert "value-known-to-be-secret" not in line and data["message"] == "demo"
    assert time.strftime("%Y") in data["time"]


def test_import_app_loads_no_heavy_module():
    """Every Lambda imports app.py: SDKs, crypto and the services load on first use, not at cold start."""
    import os
    import subprocess
    import sys

    # The collections file is loaded and checked at import (records.collections and the filter parser it
    # needs); the record services are not.
    heavy = ("boto3", "botocore", "requests", "jwt", "Crypto", "defusedxml", "chalicelib.records.store",
             "chalicelib.records.query.listing", "chalicelib.records.access", "chalicelib.records.write.record_writes",
             "chalicelib.wechat.callback")
    code = f"import sys, app; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    project = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
