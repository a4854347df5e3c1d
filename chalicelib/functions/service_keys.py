"""Service keys: what the team's other servers present to call `auth="admin"` functions without the admin key.

`WXBASE_SERVICE_KEYS` (read at call time; the whole value, or any entry's key, may be `ssm:/path`):
    [{"name": "orders-server", "key": "<24+ random characters>", "functions": ["checkStock", "refund"]}]
A key works only for the functions it lists, only on `POST /api/functions/{name}`: nowhere else looks here.
Presented values are compared with every key in constant time; keys are never logged or answered.
"""
from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.core.secrets import Secret
from chalicelib.core.settings import ConfigError, json_list

VARIABLE = "WXBASE_SERVICE_KEYS"
MIN_KEY_LENGTH = 24
MAX_PRESENTED = 4096


@dataclass(frozen=True)
class ServiceKey:
    name: str
    key: Secret
    functions: frozenset[str]


@lru_cache(maxsize=4)
def parse(raw: str) -> tuple[ServiceKey, ...]:
    """The configured keys; a ConfigError naming the entry (never a value) for anything malformed."""
    if not raw.strip():
        return ()
    entries = json_list(VARIABLE, raw, "{name, key, functions}")
    found, names = [], set()
    for i, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or name in names:
            raise ConfigError(f"{VARIABLE}[{i}] needs a name of its own.")
        key, functions = entry.get("key"), entry.get("functions")
        if not isinstance(key, str) or not (key.startswith("ssm:") or len(key) >= MIN_KEY_LENGTH):
            raise ConfigError(f"{VARIABLE}[{name}].key must be {MIN_KEY_LENGTH}+ characters or ssm:/path.")
        if not isinstance(functions, list) or not all(isinstance(f, str) for f in functions):
            raise ConfigError(f"{VARIABLE}[{name}].functions must be a list of function names.")
        names.add(name)
        found.append(ServiceKey(name, Secret(key, f"{VARIABLE}[{name}]"), frozenset(functions)))
    return tuple(found)


def configured() -> tuple[ServiceKey, ...]:
    raw = os.environ.get(VARIABLE, "")
    return parse(Secret(raw, VARIABLE).reveal() if raw.startswith("ssm:") else raw)


def owner(presented: str) -> ServiceKey | None:
    """The service key `presented` is (every key compared, in constant time), or None."""
    if not presented or len(presented) > MAX_PRESENTED:
        return None
    match = None
    for entry in configured():
        if hmac.compare_digest(presented.encode(), entry.key.reveal().encode()) and match is None:
            match = entry
    return match
