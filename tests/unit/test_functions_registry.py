"""Declarations of the team's code that can't work fail at import (so at start), naming what to change."""
import sys

import pytest

from chalicelib.functions import after, before, every, function, registry


def test_bad_declarations_fail_with_a_clear_message():
    with pytest.raises(ValueError, match="auth must be one of guest, user, admin"):
        function("unit_bad_auth", auth="users")(lambda ctx, body: None)
    with pytest.raises(ValueError, match="function name"):
        function("has space")(lambda ctx, body: None)
    with pytest.raises(ValueError, match="after hooks run on create, update or delete"):
        after("insert", "posts")(lambda ctx, change: None)
    with pytest.raises(ValueError, match="before hooks run on create, update, delete"):
        before("upsert", "posts")(lambda ctx, write: None)
    for period in ("30 seconds", "0 minutes", "soon", "5"):
        with pytest.raises(ValueError, match="whole number of minutes, hours or days"):
            every(period)(lambda ctx: None)


def test_a_name_declared_twice_is_refused():
    function("unit_twice")(lambda ctx, body: 1)
    try:
        with pytest.raises(ValueError, match="declared twice"):
            function("unit_twice")(lambda ctx, body: 2)
    finally:
        registry.FUNCTIONS.pop("unit_twice")


def test_periods():
    assert [registry.period_minutes(p) for p in ("5 minutes", "1 minute", "2 hours", "1 day")] == [5, 1, 120, 1440]


def test_load_imports_every_module_of_the_package_and_skips_a_missing_one(tmp_path, monkeypatch):
    package = tmp_path / "unit_team_code"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from chalicelib.functions import function\n"
                                  "@function('unit_loaded_a', auth='guest')\ndef a(ctx, body): return 1\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        loaded = registry.load(["unit_team_code", "no_such_team_package"])
        assert set(loaded) == {"unit_team_code", "unit_team_code.a", "unit_team_code.sub", "unit_team_code.sub.b"}
        assert registry.FUNCTIONS["unit_loaded_a"].auth == "guest"
    finally:
        registry.FUNCTIONS.pop("unit_loaded_a", None)
        for name in [m for m in sys.modules if m.startswith("unit_team_code")]:
            del sys.modules[name]


def test_an_error_inside_the_package_stops_the_start(tmp_path, monkeypatch):
    package = tmp_path / "unit_broken_code"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "bad.py").write_text("import a_module_that_does_not_exist\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError):
        registry.load(["unit_broken_code"])


def test_filter_values_are_quoted():
    from chalicelib.functions.context import filter_text

    assert filter_text("a = {:a} && b = {:b} && c = {:c}", a="x' || id != '", b=3, c=None) == \
        "a = 'x\\' || id != \\'' && b = 3 && c = null"
