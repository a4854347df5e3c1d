"""What the team's code declared: functions by name, after hooks by (action, collection), schedules by name.

Filled when the team's package is imported (`load`, at the start of every Lambda, through app.py) and read-only
after. A declaration that can't work (an unknown auth level, a name used twice, a period WeChat's schedules can't
run) fails the import, so a deployment with a mistake stops at start rather than on a request.
"""
from __future__ import annotations

import importlib
import os
import re
from types import ModuleType
from typing import Any, Callable, NamedTuple

from chalicelib.core.patterns import lazy
from chalicelib.core.value_types import distinct

AUTH_LEVELS = ("guest", "user", "admin")
NAME = lazy(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_PACKAGES = "functions"
_PERIOD = lazy(r"^\s*(\d+)\s*(minute|hour|day)s?\s*$", re.IGNORECASE)
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


@distinct
class Function(NamedTuple):
    name: str
    auth: str
    fn: Callable[..., Any]

    @property
    def summary(self) -> str:
        doc = (self.fn.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else f"The {self.name} function."


@distinct
class AfterHook(NamedTuple):
    action: str
    collection: str
    fn: Callable[..., Any]

    @property
    def id(self) -> str:
        """Names the hook in a change's progress (stable across deployments while the code keeps its name)."""
        return f"after:{self.fn.__module__}.{self.fn.__qualname__}"


@distinct
class Schedule(NamedTuple):
    name: str
    minutes: int  # the period; 1 for a cron schedule, whose times are checked every minute
    fn: Callable[..., Any]
    cron: Any = None  # functions/cron.Cron for a time-of-day schedule


FUNCTIONS: dict[str, Function] = {}
AFTER: list[AfterHook] = []
SCHEDULES: dict[str, Schedule] = {}


def _check_name(kind: str, name: Any) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"{kind} name {name!r}: use 1-64 letters, digits, '_', '.' or '-'")
    return name


def add_function(name: str, auth: str, fn: Callable[..., Any]) -> Function:
    _check_name("function", name)
    if auth not in AUTH_LEVELS:
        raise ValueError(f"function {name}: auth must be one of {', '.join(AUTH_LEVELS)}, not {auth!r}")
    if name in FUNCTIONS and FUNCTIONS[name].fn is not fn:
        raise ValueError(f"function {name} is declared twice ({FUNCTIONS[name].fn.__module__} and {fn.__module__})")
    FUNCTIONS[name] = Function(name, auth, fn)
    return FUNCTIONS[name]


def add_after(action: str, collection: str, fn: Callable[..., Any]) -> AfterHook:
    if action not in ("create", "update", "delete"):
        raise ValueError(f"after hooks run on create, update or delete, not {action!r}")
    hook = AfterHook(action, _check_name("collection", collection), fn)
    if hook not in AFTER:
        AFTER.append(hook)
    return hook


def after_hooks(action: str, collection: str) -> list[AfterHook]:
    return [h for h in AFTER if h.action == action and h.collection == collection]


def period_minutes(period: str) -> int:
    """"5 minutes", "1 hour", "2 days" → minutes (EventBridge's schedules run at most once a minute)."""
    match = _PERIOD.match(period) if isinstance(period, str) else None
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"@every({period!r}): use a whole number of minutes, hours or days, e.g. '5 minutes', "
                         "or a cron expression such as '0 3 * * *' (03:00 UTC daily)")
    return int(match.group(1)) * _UNIT_MINUTES[match.group(2).lower()]


def add_schedule(period: str, fn: Callable[..., Any], name: str | None = None) -> Schedule:
    from chalicelib.functions import cron

    when = cron.parse(period) if cron.is_cron(period) else None
    minutes = 1 if when else period_minutes(period)
    # the default name is the code's own (module.function), which names its runs in the table and the logs
    default = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{fn.__module__}.{fn.__qualname__}")
    name = _check_name("schedule", name) if name else default
    if name in SCHEDULES and SCHEDULES[name].fn is not fn:
        raise ValueError(f"schedule {name} is declared twice")
    SCHEDULES[name] = Schedule(name, minutes, fn, when)
    return SCHEDULES[name]


def package_names() -> list[str]:
    """The team's packages: WXBASE_FUNCTIONS (comma-separated module names), `functions` by default."""
    raw = os.environ.get("WXBASE_FUNCTIONS", DEFAULT_PACKAGES)
    return [name.strip() for name in raw.split(",") if name.strip()]


def load(names: list[str] | None = None) -> list[str]:
    """Import each package and every module in it (once); the names of the modules imported. A package that
    doesn't exist is skipped (a deployment without functions); any error inside one stops the start."""
    loaded = []
    for name in names if names is not None else package_names():
        try:
            package = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        loaded.append(name)
        _import_modules_of(package, loaded)
    return loaded


def _import_modules_of(package: ModuleType, loaded: list[str]) -> None:
    """Every module of a package and of its subpackages, depth first in name order, as pkgutil.walk_packages
    finds them (which imports `inspect`, a cost every start would pay)."""
    for folder in getattr(package, "__path__", []):
        for entry in sorted(os.listdir(folder)):
            is_package = os.path.isfile(os.path.join(folder, entry, "__init__.py"))
            stem = entry[:-3] if entry.endswith(".py") and not is_package else entry
            if stem == "__init__" or not stem.isidentifier() or not (is_package or entry.endswith(".py")):
                continue
            module = importlib.import_module(f"{package.__name__}.{stem}")
            loaded.append(module.__name__)
            if is_package:
                _import_modules_of(module, loaded)
