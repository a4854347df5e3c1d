"""Runs one handler of the unzipped package the way Lambda's Python runtime does, in a Python that holds only what
the runtime provides (the standard library, boto3 and botocore). Started by tests/artifact/runtime.py as

    python -I invoke.py <task root> <module.function>

it imports the handler from the task root (timing the cold import), then reads one JSON event a line on stdin and
writes one JSON line per event on its original stdout: {"result": …} or {"error": type, "message": …}. Whatever the
code prints goes to stderr, as Lambda sends it to the function's log. Imports nothing of the project's."""
import json
import os
import sys
import time
import traceback
import uuid


class Context:
    """The attributes of Lambda's context object that handlers read."""

    def __init__(self, name):
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "artifact"
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + 30

    def get_remaining_time_in_millis(self):
        return int((self._deadline - time.monotonic()) * 1000)


def main():
    task_root, handler = sys.argv[1], sys.argv[2]
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    os.chdir(task_root)
    sys.path.insert(0, task_root)
    os.environ["LAMBDA_TASK_ROOT"] = task_root
    module_name, function_name = handler.rsplit(".", 1)
    started = time.perf_counter()
    module = __import__(module_name)
    function = getattr(module, function_name)
    answers.write(json.dumps({"import_ms": (time.perf_counter() - started) * 1000,
                              "python": "%d.%d" % sys.version_info[:2],
                              "outside": sorted({m.split(".")[0] for m in sys.modules
                                                 if m != "__main__" and _outside(getattr(sys.modules[m], "__file__", None), task_root)})})
                  + "\n")
    for line in sys.stdin:
        try:
            result = function(json.loads(line), Context(function_name))
            answers.write(json.dumps({"result": result}, default=str) + "\n")
        except Exception as exc:  # Lambda reports the error; the harness shows it
            traceback.print_exc()
            answers.write(json.dumps({"error": type(exc).__name__, "message": str(exc)}) + "\n")


def _outside(path, task_root):
    """A module loaded from neither the task root nor the runtime's own library (boto3 and the standard library)."""
    if not path:
        return False
    path = os.path.realpath(path)
    allowed = [os.path.realpath(task_root), os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)]
    return not any(path.startswith(root + os.sep) for root in allowed)


if __name__ == "__main__":
    main()
