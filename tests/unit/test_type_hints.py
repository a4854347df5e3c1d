"""Public functions of core/, store/, records/ and wechat/ are annotated (mypy checks them: make typecheck)."""
import ast
import os

from tests.conftest import PROJECT_DIR

TYPED = ("core", "store", "records", "wechat")


def _public_functions(tree):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                        not item.name.startswith("_") or item.name == "__init__"):
                    yield f"{node.name}.{item.name}", item


def test_public_functions_are_annotated():
    missing = []
    for package in TYPED:
        folder = os.path.join(PROJECT_DIR, "chalicelib", package)
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".py"):
                continue
            tree = ast.parse(open(os.path.join(folder, name)).read())
            for qualname, fn in _public_functions(tree):
                args = [a for a in fn.args.args + fn.args.kwonlyargs if a.arg not in ("self", "cls")]
                if fn.returns is None or any(a.annotation is None for a in args):
                    missing.append(f"{package}/{name}: {qualname}")
    assert missing == []
