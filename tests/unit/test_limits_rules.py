"""WXBASE_RATE_LIMITS parsing and PocketBase's rule matching (first label, exact before prefix, audience)."""
import json

import pytest

from chalicelib.core.settings import ConfigError
from chalicelib.limits import request_limits, rules

GUEST, AUTH = ("", "@guest"), ("", "@auth")


def _rules(*entries):
    return rules.parse(json.dumps(list(entries)))


def _find(configured, method, pattern, params, audiences):
    labels, _ = request_limits.labels_of(method, pattern, request_limits.concrete_path(pattern, params), params)
    found = rules.find(configured, labels, audiences)
    return found and found.label + found.audience


def test_collection_actions_before_paths_exact_before_prefix():
    configured = _rules({"label": "/api/", "maxRequests": 9, "duration": 1},
                        {"label": "*:create", "maxRequests": 2, "duration": 1},
                        {"label": "posts:create", "maxRequests": 1, "duration": 1, "audience": "@auth"},
                        {"label": "POST /api/files/", "maxRequests": 1, "duration": 1})
    records = "/api/collections/{collection}/records"
    assert _find(configured, "POST", records, {"collection": "posts"}, AUTH) == "posts:create@auth"
    assert _find(configured, "POST", records, {"collection": "posts"}, GUEST) == "*:create"
    assert _find(configured, "GET", records, {"collection": "posts"}, GUEST) == "/api/"
    assert _find(configured, "POST", "/api/files/upload", {}, GUEST) == "POST /api/files/"
    assert _find(configured, "GET", "/api/files/{a}", {"a": "x"}, GUEST) == "/api/"
    assert _find(configured, "GET", "/_/", {}, GUEST) is None
    assert _find(configured, "POST", "/api/wechat/login", {}, GUEST) == "/api/"


def test_a_prefix_rule_matches_its_own_path_without_the_slash():
    configured = _rules({"label": "/api/batch/", "maxRequests": 1, "duration": 1})
    assert _find(configured, "POST", "/api/batch", {}, GUEST) == "/api/batch/"
    assert _find(configured, "POST", "/api/batchx", {}, GUEST) is None


def test_login_and_refresh_are_the_users_auth_action():
    configured = _rules({"label": "users:auth", "maxRequests": 1, "duration": 1})
    assert _find(configured, "POST", "/api/wechat/login", {}, GUEST) == "users:auth"
    assert _find(configured, "POST", "/api/collections/{collection}/auth-refresh", {"collection": "users"},
                 AUTH) == "users:auth"


def test_defaults_when_unset_off_when_empty(monkeypatch):
    monkeypatch.delenv("WXBASE_RATE_LIMITS", raising=False)
    assert rules.configured() == rules.DEFAULT_RULES
    monkeypatch.setenv("WXBASE_RATE_LIMITS", "[]")
    assert rules.configured() == ()


@pytest.mark.parametrize("raw, named", [
    ("{", "not valid JSON"),
    ('{"label": "/api/"}', "JSON list"),
    ('[{"label": "/api/", "maxRequests": 0, "duration": 1}]', "maxRequests"),
    ('[{"label": "/api/", "maxRequests": 1, "duration": true}]', "duration"),
    ('[{"label": "no spaces allowed here", "maxRequests": 1, "duration": 1}]', "label"),
    ('[{"label": "/api/", "maxRequests": 1, "duration": 1, "audience": "@admin"}]', "audience"),
    ('[{"label": "/api/", "maxRequests": 1, "duration": 1, "burst": 2}]', "burst"),
    ('[{"label": "/api/", "maxRequests": 1, "duration": 1}, {"label": "/api/", "maxRequests": 2, "duration": 1}]',
     "twice"),
])
def test_malformed_rules_are_named(raw, named):
    with pytest.raises(ConfigError, match=named):
        rules.parse(raw)


def test_budgets_take_counts_over_the_defaults_and_name_bad_entries():
    from chalicelib.wechat import budgets

    parsed = budgets.parse('{"phone": {"perUser": 3}, "urllink": {"perApp": 0}}')
    assert (parsed["phone"].per_user, parsed["phone"].per_app) == (3, budgets.DEFAULTS["phone"].per_app)
    assert parsed["urllink"].per_app == 0 and parsed["wxacode"] == budgets.DEFAULTS["wxacode"]
    for raw, named in (('{"sms": {}}', "unknown budget"), ('{"phone": {"perDay": 1}}', "perUser and perApp"),
                       ('{"phone": {"perUser": -1}}', "whole number"), ("[]", "JSON object")):
        with pytest.raises(ConfigError, match=named):
            budgets.parse(raw)
