"""Every non-HTTP Lambda app.py declares is the module of chalicelib/jobs named as it, with `handle(event)`, and
every module there is such a Lambda: one obvious place for each entry point, declared the same way."""
import ast
import importlib
import inspect
import os

from tests.conftest import PROJECT_DIR

JOBS = os.path.join(PROJECT_DIR, "chalicelib", "jobs")


def _declared():
    import app

    names = [source.name for source in app.app.event_sources]
    return names + [handler.name for handler in app.app.websocket_handlers.values()]


def test_each_lambda_is_the_jobs_module_named_as_it():
    declared = _declared()
    modules = sorted(name[:-3] for name in os.listdir(JOBS) if name.endswith(".py") and name != "__init__.py")
    assert sorted(declared) == modules
    for name in declared:
        handle = getattr(importlib.import_module(f"chalicelib.jobs.{name}"), "handle")
        assert list(inspect.signature(handle).parameters)[0] == "event", name


def test_app_hands_each_lambda_its_event_as_a_dict():
    tree = ast.parse(open(os.path.join(PROJECT_DIR, "app.py")).read())
    for name in _declared():
        function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
        assert ast.unparse(function.body[0]) == f"from chalicelib.jobs import {name} as job", name
        assert ast.unparse(function.body[1]) == "return job.handle(event.to_dict())", name
