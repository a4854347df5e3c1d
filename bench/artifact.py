"""Rows for the Lambda package: each handler's cold import from the unzipped zip, in the runtime's Python with only
boto3 beside it (tests/artifact/runtime.py), against a cold `import boto3` in the same Python."""
import statistics
import subprocess
import tempfile

RUNS = 3


def rows(stack):
    from tests.artifact import runtime

    with tempfile.TemporaryDirectory() as workdir:
        artifact = runtime.Artifact(workdir)
        python = runtime.runtime_python()
        boto3_ms = statistics.median(
            float(subprocess.run([python, "-I", "-c", "import time; t=time.perf_counter(); import boto3; "
                                  "print((time.perf_counter()-t)*1000)"], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(RUNS))
        version = runtime.runtime_python_version(python)
        for name, props in sorted(artifact.functions().items()):
            env = runtime.lambda_env(stack.env, props)
            times = []
            for _ in range(RUNS):
                handler = runtime.Handler(python, artifact, props["Handler"], env)
                times.append(handler.cold["import_ms"])
                handler.close()
            ms = statistics.median(times)
            yield ("lambda package", f"cold import of {props['Handler']} ({name})", f"{ms:.0f} ms",
                   f"{ms / boto3_ms:.2f}x", f"vs import boto3 ({boto3_ms:.0f} ms), Python {version}, from the zip")
