"""The package as Lambda runs it: `make package`'s zip built for this machine's architecture, unzipped into an empty
folder, and each handler run by tests/artifact/invoke.py in a Python with only what the Lambda runtime provides.

That Python is the runtime's version (infra/lambda.json) when this machine has one — `LAMBDA_PYTHON`, `python3.X` on
PATH, or pyenv's — in a virtual environment under .venv/ holding boto3 and botocore at the versions the project pins;
otherwise the project's own interpreter, isolated the same way (`python` in each handler's first answer says which).
"""
import json
import os
import platform
import shutil
import subprocess
import sys
import zipfile

import yaml

from infra import package

PROJECT = package.PROJECT
INVOKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "invoke.py")
MACHINE_ARCHITECTURE = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]


def runtime_version() -> str:
    return package.settings()["runtime"][len("python"):]


def _pinned(name: str) -> str:
    """The project's pin of a package (boto3 and botocore are in requirements-local.txt, what make dev needs)."""
    with open(os.path.join(PROJECT, "requirements-local.txt")) as f:
        return next(line.strip() for line in f if line.lower().startswith(name + "=="))


def runtime_python_version(python: str) -> str:
    return subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def runtime_python() -> str:
    """A Python with boto3 and botocore only, as the Lambda runtime has: the runtime's version when available."""
    version = runtime_version()
    base = package.find_runtime_python(version) or getattr(sys, "_base_executable", sys.executable)
    found = runtime_python_version(base)
    pins = [_pinned("boto3"), _pinned("botocore")]
    env_dir = os.path.join(PROJECT, ".venv", f"lambda-python{found}")
    stamp = os.path.join(env_dir, ".installed-" + "-".join(pins))
    python = os.path.join(env_dir, "bin", "python")
    if not os.path.exists(stamp):
        shutil.rmtree(env_dir, ignore_errors=True)
        subprocess.run([base, "-m", "venv", env_dir], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins], check=True)
        open(stamp, "w").close()
    return python


class Artifact:
    """The built package: its template's functions and the folder the zip was unzipped into."""

    def __init__(self, workdir: str) -> None:
        out = os.path.join(workdir, "out")
        subprocess.run([sys.executable, "-m", "infra.package", "--out", out, "--architecture", MACHINE_ARCHITECTURE],
                       cwd=PROJECT, check=True, env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"})
        self.task_root = os.path.join(workdir, "task")
        os.makedirs(self.task_root)
        with zipfile.ZipFile(os.path.join(out, "deployment.zip")) as z:
            z.extractall(self.task_root)
        with open(os.path.join(out, "sam.yaml"), encoding="utf-8") as f:
            self.template = yaml.safe_load(f)

    def functions(self) -> dict:
        """{logical id: properties} of every function the template declares."""
        return {name: r["Properties"] for name, r in self.template["Resources"].items()
                if r["Type"] == "AWS::Serverless::Function"}

    def rest_api(self) -> dict:
        return self.template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]


class Handler:
    """One function's handler in its own runtime process; `invoke(event)` is one Lambda invocation."""

    def __init__(self, python: str, artifact: Artifact, handler: str, env: dict) -> None:
        self.proc = subprocess.Popen([python, "-I", INVOKE, artifact.task_root, handler], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, text=True)
        started = self.proc.stdout.readline()
        if not started:
            self.proc.wait(timeout=10)
            raise RuntimeError(f"{handler} failed to import (exit {self.proc.returncode}); see stderr")
        self.cold = json.loads(started)

    def invoke(self, event: dict):
        self.proc.stdin.write(json.dumps(event) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise AssertionError(f"handler raised {answer['error']}: {answer['message']}")
        return answer["result"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def lambda_env(stack_env: dict, function: dict) -> dict:
    """What a deployed function's environment holds, with the local stack's values in place of the template's
    references: the stack's settings and endpoints, credentials, the region, and nothing of this shell's."""
    env = {k: v for k, v in stack_env.items() if isinstance(v, str)}
    env.update({"AWS_LAMBDA_FUNCTION_NAME": function.get("FunctionName", "artifact") if isinstance(
        function.get("FunctionName"), str) else "artifact", "AWS_EXECUTION_ENV": "AWS_Lambda_" +
        package.settings()["runtime"], "LANG": "en_US.UTF-8", "TZ": ":UTC", "PATH": "/usr/bin:/bin"})
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        env.setdefault(name, os.environ.get(name, "testing"))
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"]
    return env
