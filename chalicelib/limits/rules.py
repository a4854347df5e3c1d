"""`WXBASE_RATE_LIMITS`: PocketBase's rate limit rules, parsed, and the first rule that matches a request.

    [{"label": "/api/", "maxRequests": 300, "duration": 10, "audience": ""}, ...]

A label is a path prefix ending in `/` (`/api/`), a path (`/api/batch`), a method and a path (`POST /api/files/`),
or `<collection>:<action>` / `*:<action>` (actions: list, view, create, update, delete, auth). The audience is
`@guest`, `@auth` or empty for both. Unset, the variable means DEFAULT_RULES; `[]` turns limits off.
Matching is PocketBase's (core/settings_model.go, FindRateLimitRule): labels are tried in order (the collection's
`name:action`, then `*:action`, then `METHOD /path`, then `/path`); for each one an exact label wins, then a prefix
rule; a rule applies only if its audience admits the caller. One rule, the first found, limits a request.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import NamedTuple

from chalicelib.core.patterns import lazy
from chalicelib.core.settings import ConfigError, json_list
from chalicelib.core.value_types import distinct

VARIABLE = "WXBASE_RATE_LIMITS"
AUDIENCES = ("", "@guest", "@auth")
LABEL = lazy(r"^(\w+ /[\w/-]*|/[\w/-]*|\w+:\w+|\*:\w+|\w+)$")  # PocketBase's rateLimitRuleLabelRegex


@distinct
class Rule(NamedTuple):
    label: str
    max_requests: int
    duration: int  # seconds
    audience: str = ""

    def as_json(self) -> dict:
        return {"label": self.label, "maxRequests": self.max_requests, "duration": self.duration,
                "audience": self.audience}


# Per signed-in user, or per client IP for guests (many phones share one carrier IP, hence the guest headroom):
# far above what a person tapping through a mini-program sends, well below what a loop sends.
DEFAULT_RULES = (
    Rule("*:auth", 30, 10),
    Rule("*:create", 30, 10),
    Rule("/api/batch", 3, 1),
    Rule("/api/", 300, 10),
)


def configured() -> tuple[Rule, ...]:
    raw = os.environ.get(VARIABLE)
    return DEFAULT_RULES if raw is None or not raw.strip() else parse(raw)


@lru_cache(maxsize=8)
def parse(raw: str) -> tuple[Rule, ...]:
    """The rules of a `WXBASE_RATE_LIMITS` value; a ConfigError naming the bad entry for anything malformed."""
    rules = [_rule(i, entry) for i, entry in enumerate(json_list(VARIABLE, raw, "rules"))]
    seen = set()
    for rule in rules:
        if (rule.label, rule.audience) in seen:
            raise ConfigError(f"{VARIABLE}: the rule {rule.label!r} appears twice for the same audience.")
        seen.add((rule.label, rule.audience))
    return tuple(rules)


def _rule(i: int, entry: object) -> Rule:
    where = f"{VARIABLE}[{i}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be an object.")
    unknown = set(entry) - {"label", "maxRequests", "duration", "audience"}
    if unknown:
        raise ConfigError(f"{where} has unknown keys: {', '.join(sorted(unknown))}.")
    label, audience = entry.get("label"), entry.get("audience") or ""
    if not isinstance(label, str) or not LABEL.match(label):
        raise ConfigError(f"{where}: label must be a path like /api/, METHOD /path or collection:action.")
    if audience not in AUDIENCES:
        raise ConfigError(f"{where}: audience must be @guest, @auth or empty.")
    numbers = {}
    for name in ("maxRequests", "duration"):
        value = entry.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{where}: {name} must be a whole number of at least 1.")
        numbers[name] = value
    return Rule(label, numbers["maxRequests"], numbers["duration"], audience)


def find(rules: tuple[Rule, ...], labels: list[str], audiences: tuple[str, ...]) -> Rule | None:
    """The first rule matching the labels (in order) whose audience is one of `audiences`."""
    prefixes = [r for r in rules if r.label.endswith("/")]
    for label in labels:
        for rule in rules:
            if rule.label == label and rule.audience in audiences:
                return rule
        for rule in prefixes:
            if (label + "/").startswith(rule.label) and rule.audience in audiences:
                return rule
    return None


def describe() -> dict:
    """The rules in force, as the admin API answers them (the console's Operations page shows them)."""
    raw = os.environ.get(VARIABLE)
    current = configured()
    return {"enabled": bool(current), "source": "default" if raw is None or not raw.strip() else VARIABLE,
            "rules": [rule.as_json() for rule in current]}
