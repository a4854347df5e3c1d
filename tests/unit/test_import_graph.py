"""The shape of the code, checked: no import cycles (imports inside functions and type-only imports under
`if TYPE_CHECKING:` count: a cycle of types is a cycle of design), packages only import the
layers below them (routes → services → store/wechat → core), core knows no web framework, and no module reaches
for another module's private names."""
import ast
import os

from tests.conftest import PROJECT_DIR

ROOT = os.path.join(PROJECT_DIR, "chalicelib")
# What each package may import besides itself; routes may import everything.
LAYERS = {
    "core": set(),
    "store": {"core"},
    "logs": {"core", "store"},
    "wechat": {"core", "store", "logs"},
    "files": {"core", "store"},
    "messages": {"core", "store", "wechat"},
    "records": {"core", "store", "files", "wechat"},
    "users": {"core", "store", "wechat", "records", "messages"},
    "sharing": {"core", "store", "wechat", "files"},
    "payments": {"core", "store", "wechat", "records"},
    "functions": {"core", "store", "wechat", "records", "users", "messages", "files", "payments"},
    "jobs": {"core", "store", "wechat", "records", "users", "messages", "files", "functions", "realtime", "admin",
             "payments"},
    "realtime": {"core", "store", "records", "files"},
    "admin": {"core", "store", "wechat", "records", "users", "messages", "files", "logs"},
    "limits": {"core", "store", "functions"},
}


def _modules():
    found = {}
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                parts = os.path.relpath(path, PROJECT_DIR)[:-3].split(os.sep)
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module):
    """(imported module, private names taken from it) for each chalicelib import of a module, at any depth."""
    tree = ast.parse(open(MODULES[module]).read())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.startswith("chalicelib")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chalicelib"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if target in MODULES:
                    out.append((target, []))
                else:
                    out.append((node.module, [alias.name] if alias.name.startswith("_") else []))
    return out


def _graph():
    return {m: {t for t, _ in _imports(m) if t in MODULES and t != m} for m in MODULES}


def _cycle(graph):
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _package(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_cycle_between_modules():
    # a package's __init__ re-exports its modules; that is not a cycle of the code itself
    graph = {m: {t for t in ts if t.count(".") > 1 or t == "chalicelib"} for m, ts in _graph().items()
             if m.count(".") > 1}
    assert _cycle(graph) is None, " → ".join(_cycle(graph) or [])


def test_no_import_cycle_between_packages():
    packages = {}
    for module, targets in _graph().items():
        for target in targets:
            if _package(module) != _package(target):
                packages.setdefault(_package(module), set()).add(_package(target))
    assert _cycle(packages) is None, " → ".join(_cycle(packages) or [])


def test_packages_import_only_the_layers_below():
    wrong = []
    for module, targets in _graph().items():
        allowed = LAYERS.get(_package(module))
        if allowed is None:
            continue
        wrong += [f"{module} → {t}" for t in targets if _package(t) not in allowed | {_package(module)}]
    assert wrong == []


def test_core_knows_no_web_framework():
    for module, path in MODULES.items():
        if _package(module) in ("core", "store", "records", "users", "wechat", "files", "messages"):
            tree = ast.parse(open(path).read())
            names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
            names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
            assert not [n for n in names if n.split(".")[0] == "chalice"], module


def test_no_module_imports_or_uses_another_modules_private_names():
    wrong = []
    for module in MODULES:
        wrong += [f"{module}: from {t} import {', '.join(p)}" for t, p in _imports(module) if p]
        tree = ast.parse(open(MODULES[module]).read())
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chalicelib"):
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in MODULES:
                        aliases[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                    and node.attr.startswith("_") and not node.attr.startswith("__"):
                wrong.append(f"{module}: {node.value.id}.{node.attr}")
    assert wrong == []


def _private_uses(path):
    """`from chalicelib.x import _name` and `module._name` on an imported chalicelib module, in one file."""
    tree = ast.parse(open(path).read())
    wrong, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chalicelib"):
            for alias in node.names:
                if f"{node.module}.{alias.name}" in MODULES:
                    aliases[alias.asname or alias.name] = alias.name
                elif alias.name.startswith("_"):
                    wrong.append(f"from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("chalicelib") and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                and node.attr.startswith("_") and not node.attr.startswith("__"):
            wrong.append(f"{node.value.id}.{node.attr}")
    return wrong


def test_no_test_reaches_for_a_private_name():
    """Tests assert public behaviour: a refactoring that keeps the behaviour must keep them green."""
    wrong = []
    for folder, _, files in os.walk(os.path.join(PROJECT_DIR, "tests")):
        if "node_modules" in folder:
            continue
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                wrong += [f"{os.path.relpath(path, PROJECT_DIR)}: {w}" for w in _private_uses(path)]
    assert wrong == []
