"""Loaded into the schemathesis CLI (SCHEMATHESIS_HOOKS). CPython 3.11 can raise `SystemError: AST constructor
recursion depth mismatch` from `ast.parse` after a RecursionError was caught earlier in the thread (cpython issue
106905), and hypothesis parses a lambda's source merely to name it in a strategy's repr; the coverage phase then
reports a runtime error of the tool, not of the API. A lambda that can't be named gets hypothesis' own fallback."""
from hypothesis.internal import lambda_sources

_describe = lambda_sources._lambda_description


def _lambda_description(f):
    try:
        return _describe(f)
    except SystemError:
        return "lambda: <unknown>"


lambda_sources._lambda_description = _lambda_description
